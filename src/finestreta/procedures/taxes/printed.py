"""What the taxes procedure's documents share: their input and the parts they print alike.

The input is plain data the procedure maps its register's values onto: a :class:`Party`
(taxpayer, payer or requester), a :class:`TaxLine` (a receipt and what it costs today) and a
:class:`PaidLine` (a receipt already paid). Each checks itself when made, so that bad data is
refused with ``ValueError`` before a registry number is taken or a page is drawn; an amount
that is not integer cents is refused with ``TypeError`` (:mod:`.money`).

The parts: the texts of the ``taxes`` gettext domain (``procedures/taxes/locale``), a party's
identity as printed, amounts in euros, the receipts table and the data-protection note. The
layouts are :mod:`.slip`, :mod:`.payment_receipt` and :mod:`.certificates`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, KeepTogether, Paragraph, Spacer, Table
from sqlalchemy.orm import Session

from finestreta.documents.issuing import Issuance, IssuedCertificate, issue_sealed
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.issuance import issue_facts, verification_note
from finestreta.documents.pdf.styles import (
    RULE,
    SHADE,
    Styles,
    para,
    paragraph_styles,
    table_style,
)
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.i18n import N_, translator
from finestreta.procedures.taxes.money import Cents, cents, format_euros
from finestreta.registry.service import PartyDocument

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "taxes"
LANGUAGES = layout.LANGUAGES
ISSUING_UNIT = "Tresoreria municipal"  # the registry entries' sending body
PLACEHOLDER_NUMBER = "0000/0000000"
TEXT_LENGTH = 200  # a name or a label, as the registry keeps a party's name
# The identity documents a party may show: the registry's party types (a company's tax number
# is a NIF too).
ID_TYPES = {"nif": N_("NIF"), "nie": N_("NIE"), "passport": N_("Passport"), "other": N_("Document")}
_SEPARATORS = re.compile(r"[\s.\-/]")
# Lengths are fractions of a millimetre, never float literals: the package holds none
# (tests/procedures/taxes/test_money.py), so that a float amount would stand out.
LINE = mm / 10  # the rule between table rows
BOX = mm / 5  # a box around a part of the page
GAP = 3 * mm / 2  # between a heading and what it heads


class DocumentKind(StrEnum):
    """The sealed documents of the procedure, as the issued-document record and ``/verify``
    call them (at most 20 characters: ``issued_documents.kind``)."""

    PAYMENT_RECEIPT = "payment_receipt"
    PAYMENT_CERTIFICATE = "payment_certificate"
    STANDING_CERTIFICATE = "standing_certificate"  # of being up to date (estar al corrent)


TITLES = {
    DocumentKind.PAYMENT_RECEIPT: N_("Payment receipt"),
    DocumentKind.PAYMENT_CERTIFICATE: N_("Payment certificate"),
    DocumentKind.STANDING_CERTIFICATE: N_("Certificate of being up to date with payments"),
}


def texts(lang: str) -> Callable[[str], str]:
    """The taxes documents' ``_`` in ``lang``."""
    return translator(lang, DOMAIN, LOCALE_DIR)


def document_title(kind: DocumentKind | str, lang: str) -> str:
    """The title of a sealed document of the procedure (``ValueError`` for another kind)."""
    return texts(lang)(TITLES[DocumentKind(kind)])


def check_text(field: str, value: object, max_length: int = TEXT_LENGTH) -> str:
    """``value`` if it is printable text of 1 to ``max_length`` characters (``ValueError``)."""
    if not isinstance(value, str):
        raise ValueError(f"Expected {field} as text, but got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"Expected {field} as text, but got an empty one")
    if len(value) > max_length:
        raise ValueError(f"Expected {field} of at most {max_length} characters, got {len(value)}")
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError(f"Expected {field} without control characters, but got {value!r}")
    return value


def check_amount(field: str, value: int, *, minimum: int = 0) -> Cents:
    """``value`` as :data:`Cents` of at least ``minimum`` (a float raises ``TypeError``)."""
    amount = cents(value)
    if amount < minimum:
        raise ValueError(f"Expected {field} of {minimum} cents or more, but got {amount}")
    return amount


def check_zone(tz: str) -> None:
    """``ValueError`` for a time zone that does not exist."""
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"Expected a time zone such as Europe/Madrid, but got {tz!r}") from error


def check_aware(field: str, value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"Expected {field} as an aware datetime, but got {value!r}")


def check_day(field: str, value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"Expected {field} as a date, but got {value!r}")


@dataclass(frozen=True)
class Party:
    """A person or a company as the documents print them. ``id_type``: nif (a DNI or a
    company's tax number), nie, passport or other. The number's check letter is checked by
    the registry when a sealed document is issued in this party's name."""

    name: str
    id_type: str
    id_number: str

    def __post_init__(self) -> None:
        check_text("the party's name", self.name)
        if self.id_type not in ID_TYPES:
            raise ValueError(
                f"Expected an id_type among {', '.join(ID_TYPES)}, but got {self.id_type!r}"
            )
        check_text("the party's id_number", self.id_number, 30)

    @property
    def party_document(self) -> PartyDocument:
        """The document as the registry's interested party."""
        return PartyDocument(self.id_type, self.id_number)

    def same_as(self, other: Party) -> bool:
        """The same identity document (written with or without separators, in any case)."""
        return (self.id_type, _bare(self.id_number)) == (other.id_type, _bare(other.id_number))

    def shown(self, lang: str) -> str:
        """``Núria Puig i Ferrer (NIF 12345678Z)``."""
        return f"{self.name} ({identity(self.id_type, self.id_number, lang)})"


def _bare(number: str) -> str:
    return _SEPARATORS.sub("", number).upper()


def identity(id_type: str, id_number: str, lang: str) -> str:
    """``NIF 12345678Z``, ``Passaport PAB123456``."""
    return f"{texts(lang)(ID_TYPES[id_type])} {id_number}"


@dataclass(frozen=True)
class TaxLine:
    """A receipt (*rebut*) and what it costs: ``total`` is principal, surcharge and interest
    (checked). ``reference`` is the register's number of the receipt; ``tax_label`` the tax
    (IBI), ``object_label`` what it is levied on (a cadastral reference, a plate), ``period``
    the period it covers (2026, 2026/1S), all in the document's language."""

    reference: str
    tax_label: str
    object_label: str
    period: str
    principal: Cents
    surcharge: Cents
    interest: Cents
    total: Cents

    def __post_init__(self) -> None:
        for field in ("reference", "tax_label", "object_label", "period"):
            check_text(f"the line's {field}", getattr(self, field))
        for field in ("principal", "surcharge", "interest"):
            check_amount(f"the line's {field}", getattr(self, field))
        check_amount("the line's total", self.total, minimum=1)
        if self.principal + self.surcharge + self.interest != self.total:
            raise ValueError(
                f"Expected the line's total to be principal + surcharge + interest "
                f"({self.principal + self.surcharge + self.interest}), but got {self.total}"
            )


@dataclass(frozen=True)
class PaidLine:
    """A receipt that was paid: on which day, how much, by which channel (``channel_label``,
    in the document's language: "card at the booth", "bank", "direct debit")."""

    reference: str
    tax_label: str
    object_label: str
    period: str
    paid_on: date
    amount: Cents
    channel_label: str

    def __post_init__(self) -> None:
        for field in ("reference", "tax_label", "object_label", "period", "channel_label"):
            check_text(f"the paid line's {field}", getattr(self, field))
        check_day("the paid line's paid_on", self.paid_on)
        check_amount("the paid line's amount", self.amount, minimum=1)


def lines_tuple(kind: str, lines: Sequence[Any], line_type: type[Any]) -> tuple[Any, ...]:
    """``lines`` as a tuple of at least one ``line_type`` (``ValueError``)."""
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Sequence):
        raise ValueError(f"Expected the {kind} as a sequence, but got {type(lines).__name__}")
    if not lines:
        raise ValueError(f"Expected at least one of the {kind}, but got none")
    wrong = [type(line).__name__ for line in lines if not isinstance(line, line_type)]
    if wrong:
        raise ValueError(f"Expected the {kind} as {line_type.__name__}, but got {wrong[0]}")
    return tuple(lines)


def day(value: date) -> str:
    """A day as the documents print it: ``05/03/2026``."""
    return f"{value:%d/%m/%Y}"


def euros(amount: Cents, lang: str) -> str:
    """``1.234,56 €`` (ca, es), ``€1,234.56`` (en)."""
    return format_euros(amount, lang)


@cache
def number_styles(styles: Styles) -> tuple[ParagraphStyle, ParagraphStyle]:
    """Right-aligned cells for amounts: regular and bold (made once: ``para`` keeps a
    prototype per style)."""
    return (
        ParagraphStyle("amount", parent=styles.cell, alignment=TA_RIGHT),
        ParagraphStyle("amount-bold", parent=styles.cell_bold, alignment=TA_RIGHT),
    )


def grid(
    rows: list[list[Any]], widths: Sequence[float | None], styles: Styles, *, total_row: bool
) -> Table:
    """A table with a shaded header row, ruled between rows; the last row shaded too when it
    is a total."""
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), LINE, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), SHADE))
    return Table(
        rows, colWidths=list(widths), repeatRows=1, style=table_style(styles.fonts, commands)
    )


def tax_lines_table(lines: Sequence[TaxLine], total: Cents, lang: str, styles: Styles) -> Table:
    """The receipts with their amounts, one row each, and the total. A reference and a
    cadastral reference are single words that must not wrap: the period goes under the
    reference, so that their columns are wide enough."""
    _ = texts(lang)
    amount, amount_bold = number_styles(styles)
    header = [
        para(_("Receipt and period"), styles.label),
        para(_("Tax and object"), styles.label),
        para(_("Principal"), styles.label),
        para(_("Surcharge"), styles.label),
        para(_("Interest"), styles.label),
        para(_("Amount"), styles.label),
    ]
    rows: list[list[Any]] = [header]
    for line in lines:
        rows.append(
            [
                [para(line.reference, styles.cell), para(line.period, styles.small)],
                [para(line.tax_label, styles.cell_bold), para(line.object_label, styles.small)],
                para(euros(line.principal, lang), amount),
                para(euros(line.surcharge, lang), amount),
                para(euros(line.interest, lang), amount),
                para(euros(line.total, lang), amount_bold),
            ]
        )
    rows.append(
        ["", para(_("Total"), styles.cell_bold), "", "", "", para(euros(total, lang), amount_bold)]
    )
    return grid(rows, [36 * mm, None, 20 * mm, 19 * mm, 20 * mm, 23 * mm], styles, total_row=True)


def privacy_note(council: str, lang: str, styles: Styles) -> KeepTogether:
    """The data-protection note at the foot of every taxes document."""
    _ = texts(lang)
    privacy = _(
        "Controller: {council}. Purpose: the management and collection of municipal taxes "
        "(art. 6.1.c and 6.1.e of Regulation (EU) 2016/679; Spanish General Tax Law 58/2003 "
        "and Local Finances Act, Royal Legislative Decree 2/2004). Tax data is confidential "
        "(art. 95 of the General Tax Law) and is disclosed only where the law provides. You "
        "may exercise your rights of access, rectification, erasure, restriction and "
        "objection before the City Council."
    )
    title = _("Data protection.")
    note = Paragraph(
        f"<b>{escape(title)}</b> " + escape(privacy.format(council=council)),
        ParagraphStyle("privacy", parent=styles.tiny, fontName=styles.fonts.regular),
    )
    return KeepTogether(
        [HRFlowable(width="100%", thickness=LINE, color=RULE), Spacer(1, GAP), note]
    )


def same_zone(data_tz: str, tz: str | None) -> str:
    """The time zone an issue uses: the document's (``tz`` may repeat it, not contradict it:
    the registry numbers by the year in that zone, the page prints its times in it)."""
    if tz is not None and tz != data_tz:
        raise ValueError(f"Expected tz to be the document's ({data_tz!r}), but got {tz!r}")
    return data_tz


def sealed_pdf(
    *,
    city: CityHeading,
    lang: str,
    tz: str,
    title: str,
    subject: str,
    issuance: Issuance,
    body: Sequence[Any],
) -> bytes:
    """A sealed taxes document as PDF/A-2b bytes (A4): the city's heading, ``title``, the
    registry number and time of issue, ``body``, the verification note and the
    data-protection note; the footer names the council, the title and the code."""
    _ = texts(lang)
    styles = paragraph_styles(load_fonts())
    issued = issuance.issued_at.astimezone(ZoneInfo(tz))
    width = layout.WIDTH - 40 * mm
    story: list[Any] = [
        *heading_story(city, styles),
        para(title, styles.title),
        para(_("Municipal taxes"), styles.subtitle),
        Spacer(1, 4 * mm),
        issue_facts(issuance.registry_number, issued, lang, styles, width),
        Spacer(1, 5 * mm),
        *body,
        Spacer(1, 6 * mm),
        KeepTogether([verification_note(issuance.code, issuance.verify_url, lang, styles)]),
        Spacer(1, 5 * mm),
        privacy_note(city.council, lang, styles),
    ]
    info = layout.document_info(
        title=f"{title} {issuance.registry_number}",
        author=city.council,
        subject=f"{subject} · CSV {issuance.code}",
        created=issued,
        lang=lang,
    )
    footer = layout.footer(
        f"{city.council} · {title} · CSV {issuance.code}", layout.page_numbers(lang)
    )
    return layout.build(story, info, on_page=footer)


def issue_document(
    session: Session,
    *,
    kind: DocumentKind,
    render: Callable[[Issuance], bytes],
    party: Party,
    city: CityHeading,
    lang: str,
    tz: str,
    seal: Seal,
    documents: Documents,
    public_url: str,
    created_by: str,
    call_id: str | None,
    registry: str | None,
    issuing_unit: str,
    now: datetime | None,
) -> IssuedCertificate:
    """Issue a sealed taxes document (:func:`~finestreta.documents.issuing.issue_sealed`):
    an outgoing registry entry from ``issuing_unit`` to ``party``, titled in ``lang``."""
    return issue_sealed(
        session,
        render=render,
        kind=kind.value,
        title=document_title(kind, lang),
        party_name=party.name,
        party_document=party.party_document,
        sending_body=issuing_unit,
        location=city.name,
        lang=lang,
        seal=seal,
        documents=documents,
        public_url=public_url,
        created_by=created_by,
        tz=tz,
        call_id=call_id,
        registry=registry,
        now=now,
    )
