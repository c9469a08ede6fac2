"""The duplicate receipt, or payment slip (*carta de pagament*), as PDF/A-2b: plain data in,
PDF bytes out.

A copy of a receipt to pay at a bank: the taxpayer, the receipt and its amounts, the day
until which a bank takes it, and the part the bank reads: the four Cuaderno 60 fields
(issuer, reference, identification, amount), the barcode as GS1-128 (:mod:`.barcode`) and its
42 digits in groups, for a teller to type when the scanner fails. It is not sealed and not
registered: it proves nothing, the bank's receipt proves the payment.

The barcode is made by :mod:`.cuaderno60` (``Slip(...).code``); :class:`SlipData` reads it
back and refuses it unless its issuer, deadline and amount are the ones the slip prints, so
that the bars and the words can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.issuance import when
from finestreta.documents.pdf.styles import (
    RULE,
    SHADE,
    Styles,
    facts_table,
    para,
    paragraph_styles,
    table_style,
)
from finestreta.procedures.taxes import cuaderno60
from finestreta.procedures.taxes.barcode import gs1_128
from finestreta.procedures.taxes.printed import (
    BOX,
    GAP,
    LINE,
    Party,
    TaxLine,
    check_aware,
    check_day,
    check_zone,
    day,
    euros,
    privacy_note,
    texts,
)

__all__ = ["SlipData", "digit_groups", "render_slip", "slip_title"]

# Application identifier and format; issuer; reference (document and check digits);
# identification; amount; the final 0: as a bank's teller reads them.
_GROUPS = (2, 3, 6, 12, 10, 8, 1)


def slip_title(lang: str) -> str:
    """``Carta de pagament`` and the like."""
    _ = texts(lang)
    return _("Payment slip")


def digit_groups(code: str) -> str:
    """The 42 digits in the groups of their fields: ``90 521 080193 000001234532 …``."""
    groups, start = [], 0
    for length in _GROUPS:
        groups.append(code[start : start + length])
        start += length
    return " ".join(groups)


@dataclass(frozen=True)
class SlipData:
    """Everything a slip shows. ``issuer`` is the city's six-digit issuer code at the banks
    (Cuaderno 60 *emisora*); ``barcode`` the 42 digits made from the same issuer, the
    ``deadline`` (the last day a bank takes it) and the line's total (all checked).
    ``printed_at`` is aware, printed in ``tz``, and not after the deadline."""

    city: CityHeading
    lang: str
    taxpayer: Party
    line: TaxLine
    issuer: str
    deadline: date
    barcode: str
    printed_at: datetime
    tz: str = "Europe/Madrid"

    def __post_init__(self) -> None:
        layout.check_language(self.lang)
        if not isinstance(self.taxpayer, Party):
            raise ValueError(f"Expected the taxpayer as a Party, but got {self.taxpayer!r}")
        if not isinstance(self.line, TaxLine):
            raise ValueError(f"Expected the line as a TaxLine, but got {self.line!r}")
        if not isinstance(self.issuer, str) or not re.fullmatch(r"[0-9]{6}", self.issuer):
            raise ValueError(f"Expected the six-digit issuer code, but got {self.issuer!r}")
        check_day("the deadline", self.deadline)
        check_aware("printed_at", self.printed_at)
        check_zone(self.tz)
        slip = cuaderno60.parse(self.barcode)  # InvalidSlip (a ValueError) for a wrong code
        disagreements = [
            f"{name} {printed} on the slip but {encoded} in the barcode"
            for name, printed, encoded in (
                ("issuer", self.issuer, slip.issuer),
                ("deadline", self.deadline, slip.deadline),
                ("amount", self.line.total, slip.amount),
            )
            if printed != encoded
        ]
        if disagreements:
            raise ValueError("Expected the barcode of this slip: " + "; ".join(disagreements))
        if self.local_printed_at.date() > self.deadline:
            raise ValueError(
                f"Expected a deadline on or after the day of printing, but got "
                f"{self.deadline.isoformat()} (a bank would refuse the slip)"
            )

    @property
    def local_printed_at(self) -> datetime:
        return self.printed_at.astimezone(ZoneInfo(self.tz))

    @property
    def fields(self) -> cuaderno60.Slip:
        """What the barcode carries."""
        return cuaderno60.parse(self.barcode)

    @property
    def voluntary(self) -> bool:
        """Payable in the voluntary period: nothing added to the principal."""
        return self.line.surcharge == 0 and self.line.interest == 0


@cache
def _digits_style(styles: Styles) -> ParagraphStyle:
    return ParagraphStyle(
        "slip-digits",
        parent=styles.base,
        fontName=styles.fonts.mono,
        fontSize=10,
        leading=13,
        alignment=TA_CENTER,
    )


def _summary(data: SlipData, styles: Styles, width: float) -> Table:
    """Receipt, amount and deadline side by side, shaded: what the citizen looks for."""
    _ = texts(data.lang)
    return Table(
        [
            [
                para(_("Receipt"), styles.label),
                para(_("Amount to pay"), styles.label),
                para(_("Payable until"), styles.label),
            ],
            [
                para(data.line.reference, styles.heading),
                para(euros(data.line.total, data.lang), styles.heading),
                para(day(data.deadline), styles.heading),
            ],
        ],
        colWidths=[width / 3] * 3,
        style=table_style(
            styles.fonts,
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
                ("TOPPADDING", (0, 1), (-1, 1), 0),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ],
        ),
    )


def _bank_part(data: SlipData, styles: Styles) -> Table:
    """What the bank reads: the Cuaderno 60 fields, the barcode, its digits."""
    _ = texts(data.lang)
    slip = data.fields
    labels = [_("Issuer"), _("Reference"), _("Identification"), _("Amount")]
    values = [slip.issuer, slip.reference, slip.identification, euros(slip.amount, data.lang)]
    barcode = gs1_128(data.barcode)
    barcode.hAlign = "CENTER"
    return Table(
        [
            [para(_("For the bank: Cuaderno 60 collection"), styles.label), "", "", ""],
            [para(label, styles.small) for label in labels],
            [para(value, styles.cell_bold) for value in values],
            [barcode, "", "", ""],
            [para(digit_groups(data.barcode), _digits_style(styles)), "", "", ""],
        ],
        colWidths=[30 * mm, 46 * mm, 40 * mm, None],
        style=table_style(
            styles.fonts,
            [
                ("BOX", (0, 0), (-1, -1), BOX, RULE),
                ("SPAN", (0, 0), (-1, 0)),
                ("SPAN", (0, 3), (-1, 3)),
                ("SPAN", (0, 4), (-1, 4)),
                ("ALIGN", (0, 3), (-1, 3), "CENTER"),
                ("LINEBELOW", (0, 2), (-1, 2), LINE, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 3), (-1, 3), 8),
                ("BOTTOMPADDING", (0, 3), (-1, 3), 2),
                ("BOTTOMPADDING", (0, 4), (-1, 4), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ],
        ),
    )


def render_slip(data: SlipData) -> bytes:
    """The slip as PDF/A-2b bytes (one A4 page)."""
    _ = texts(data.lang)
    lang, line = data.lang, data.line
    styles = paragraph_styles(load_fonts())
    title = slip_title(lang)
    width = layout.WIDTH - 40 * mm

    facts = [
        (_("Taxpayer"), data.taxpayer.shown(lang)),
        (_("Tax"), line.tax_label),
        (_("Object"), line.object_label),
        (_("Period"), line.period),
        (_("Principal"), euros(line.principal, lang)),
    ]
    if line.surcharge:
        facts.append((_("Surcharge"), euros(line.surcharge, lang)))
    if line.interest:
        facts.append((_("Late-payment interest"), euros(line.interest, lang)))
    facts += [
        (_("Total to pay"), euros(line.total, lang)),
        (_("Printed on"), when(data.local_printed_at)),
    ]
    if data.voluntary:
        payable = _("Payable at any collaborating bank until {date} (voluntary period).")
    else:
        payable = _(
            "Payable at any collaborating bank until {date}, enforcement surcharge included."
        )
    story: list[Any] = [
        *heading_story(data.city, styles),
        para(title, styles.title),
        para(_("Duplicate of a municipal tax receipt, to pay at a bank"), styles.subtitle),
        Spacer(1, 4 * mm),
        _summary(data, styles, width),
        Spacer(1, 5 * mm),
        facts_table(facts, styles, 45 * mm),
        Spacer(1, 4 * mm),
        para(payable.format(date=day(data.deadline)), styles.strong),
        Spacer(1, GAP),
        para(
            _(
                "After that date this slip is no longer valid: ask the City Council for a new "
                "one with the amount then due."
            ),
            styles.base,
        ),
        Spacer(1, GAP),
        para(
            _(
                "This slip is not proof of payment: the payment is proven by the bank's "
                "receipt or by its stamp on this slip."
            ),
            styles.base,
        ),
        Spacer(1, 6 * mm),
        KeepTogether([_bank_part(data, styles)]),
        Spacer(1, 6 * mm),
        privacy_note(data.city.council, lang, styles),
    ]
    info = layout.document_info(
        title=f"{title} {line.reference}",
        author=data.city.council,
        subject=f"{line.tax_label} · {line.period} · {line.reference}",
        created=data.local_printed_at,
        lang=lang,
    )
    footer = layout.footer(
        f"{data.city.council} · {title} · {line.reference}", layout.page_numbers(lang)
    )
    return layout.build(story, info, on_page=footer)
