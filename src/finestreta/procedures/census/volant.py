"""Census volants (*volants de padró*) as PDF/A-2b: plain data in, PDF bytes out.

Two kinds: the *volant de residència* (one person, where they are registered today) and the
*volant de convivència* (everyone registered at the address). The page shows the city hall's
heading, the title, the registry number and time of issue, the address, each person's data
(name and surnames, identity document, date and place of birth, nationality, date of
registration at the address), the requester, the note that a volant is informative, the
verification note (QR code, secure verification code) and the data-protection note.

The renderer knows nothing of the database or of the register: the caller fills
:class:`CertificateData` (the ``from_padro`` helpers convert the register's values). It is made
with the PDF toolkit (:mod:`finestreta.documents.pdf`); its texts are in the ``census`` gettext
domain (``procedures/census/locale``), the toolkit's in ``documents``; the data (names, places,
nationalities) is printed as the register has it. :func:`issue_volant` issues one through
:func:`finestreta.documents.issuing.issue_sealed` (registry entry, seal, storage, code).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel import Locale
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, KeepTogether, Paragraph, Spacer, Table
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.documents.issuing import Issuance, IssuedCertificate, issue_sealed
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.issuance import issue_facts, verification_note
from finestreta.documents.pdf.styles import (
    RULE,
    SHADE,
    Styles,
    facts_table,
    para,
    paragraph_styles,
    table_style,
)
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.i18n import N_, translator
from finestreta.procedures.census.eligibility import CertificateKind
from finestreta.registry.service import PartyDocument

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "census"
LANGUAGES = layout.LANGUAGES
ISSUING_UNIT = "Padró municipal d'habitants"  # the registry entry's sending body
PLACEHOLDER_NUMBER = "0000/0000000"

TITLES = {
    CertificateKind.RESIDENCE: N_("Proof of registration: individual"),
    CertificateKind.HOUSEHOLD: N_("Proof of registration: household"),
}
# The identity document types a volant prints, and the registry's party types they are.
ID_TYPES = {"dni": N_("DNI"), "nie": N_("NIE"), "passport": N_("Passport"), "other": N_("Document")}
PARTY_TYPES = {"dni": "nif", "nie": "nie", "passport": "passport", "other": "other"}


def texts(lang: str) -> Callable[[str], str]:
    """The volant's ``_`` in ``lang``."""
    return translator(lang, DOMAIN, LOCALE_DIR)


def certificate_title(kind: CertificateKind | str, lang: str) -> str:
    """``Volant de convivència`` and the like (``ValueError`` for an unknown kind)."""
    return texts(lang)(TITLES[CertificateKind(kind)])


@dataclass(frozen=True)
class CertifiedPerson:
    """One person as the volant shows them. ``id_type``: dni, nie, passport or other."""

    given_name: str
    surnames: str
    id_type: str
    id_number: str
    birth_date: date
    birth_place: str
    nationality: str
    registered_since: date

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surnames}".strip()

    @classmethod
    def from_padro(cls, person: Any, registered_since: date) -> CertifiedPerson:
        """From a :class:`finestreta.padro.model.Person` (or anything shaped like it)."""
        return cls(
            given_name=person.given_name,
            surnames=person.surnames,
            id_type=str(person.document.type),
            id_number=person.document.number,
            birth_date=person.birth_date,
            birth_place=person.birth_place,
            nationality=person.nationality,
            registered_since=registered_since,
        )


@dataclass(frozen=True)
class CertifiedAddress:
    """The address: ``street`` is the street, number, floor and door in one line."""

    street: str
    postcode: str
    municipality: str
    district: str = ""

    def one_line(self) -> str:
        return f"{self.street} · {self.postcode} {self.municipality}".strip()

    @classmethod
    def from_padro(cls, address: Any, municipality: str) -> CertifiedAddress:
        """From a :class:`finestreta.padro.model.Address` (or anything shaped like it)."""
        flat = " ".join(part for part in (address.floor, address.door) if part)
        street = f"{address.street}, {address.number}" + (f", {flat}" if flat else "")
        return cls(street, address.postcode, municipality, address.district)


@dataclass(frozen=True)
class Requester:
    """Who asked for the volant (it is always issued in the requester's name)."""

    name: str
    id_type: str
    id_number: str

    @property
    def party_document(self) -> PartyDocument:
        """The requester's document as the registry's interested party."""
        return PartyDocument(PARTY_TYPES[self.id_type], self.id_number)


@dataclass(frozen=True)
class CertificateData:
    """Everything a volant shows. ``issued_at`` is aware; it is printed in ``tz``.

    A residence volant has exactly one person; a household volant has everyone registered at
    the address (never a subset: the caller takes them all from the register)."""

    kind: CertificateKind
    persons: tuple[CertifiedPerson, ...]
    address: CertifiedAddress
    requester: Requester
    issued_at: datetime
    registry_number: str
    verification_code: str
    verify_url: str
    city: CityHeading
    lang: str
    tz: str = "Europe/Madrid"

    def __post_init__(self) -> None:
        kind = CertificateKind(self.kind)  # raises ValueError for anything else
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "persons", tuple(self.persons))
        layout.check_language(self.lang)
        if not self.persons:
            raise ValueError("a volant shows at least one person")
        if kind is CertificateKind.RESIDENCE and len(self.persons) != 1:
            raise ValueError("a residence volant shows exactly one person")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        id_types = [person.id_type for person in self.persons] + [self.requester.id_type]
        if any(id_type not in ID_TYPES for id_type in id_types):
            raise ValueError(f"id_type must be one of {', '.join(ID_TYPES)}")
        ZoneInfo(self.tz)  # raises for an unknown zone

    @property
    def title(self) -> str:
        return certificate_title(self.kind, self.lang)

    @property
    def local_issued_at(self) -> datetime:
        return self.issued_at.astimezone(ZoneInfo(self.tz))

    def issued(self, issuance: Issuance) -> CertificateData:
        """This volant with what its issuance gave it: number, code, address and time."""
        return replace(
            self,
            registry_number=issuance.registry_number,
            verification_code=issuance.code,
            verify_url=issuance.verify_url,
            issued_at=issuance.issued_at,
        )


@lru_cache(maxsize=1)
def _territory_codes() -> dict[str, str]:
    """Upper-cased English country names (as many registers and our CSV format hold them) and
    ISO 3166 codes, to the ISO code."""
    english = {str(code): str(name) for code, name in Locale("en").territories.items()}
    codes = {name.upper(): code for code, name in english.items() if code.isalpha()}
    codes.update({code.upper(): code for code in english if code.isalpha()})
    return codes


def nationality_in(value: str, lang: str) -> str:
    """The nationality in the volant's language ("Spain" → "Espanya", "MA" → "Marruecos"):
    an English country name or an ISO code is translated with CLDR (Babel); anything else is
    printed as the register holds it."""
    code = _territory_codes().get(value.strip().upper())
    if code is None:
        return value
    return str(Locale(lang).territories.get(code, value))


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _id_text(_: Callable[[str], str], id_type: str, number: str) -> str:
    return f"{_(ID_TYPES[id_type])} {number}"


def _persons_table(data: CertificateData, _: Callable[[str], str], styles: Styles) -> Table:
    header = [
        para("#", styles.label),
        para(_("Name and surnames"), styles.label),
        para(_("Identity document"), styles.label),
        para(_("Birth"), styles.label),
        para(_("Nationality"), styles.label),
        para(_("Registered here since"), styles.label),
    ]
    rows: list[list[Any]] = [header]
    for index, person in enumerate(data.persons, start=1):
        rows.append(
            [
                para(str(index), styles.cell),
                para(person.full_name, styles.cell_bold),
                para(_id_text(_, person.id_type, person.id_number), styles.cell),
                [
                    para(_day(person.birth_date), styles.cell),
                    para(person.birth_place, styles.small),
                ],
                para(nationality_in(person.nationality, data.lang), styles.cell),
                para(_day(person.registered_since), styles.cell),
            ]
        )
    return Table(
        rows,
        colWidths=[7 * mm, None, 31 * mm, 33 * mm, 25 * mm, 22 * mm],
        repeatRows=1,
        style=table_style(
            styles.fonts,
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ],
        ),
    )


def render_certificate(data: CertificateData) -> bytes:
    """The volant as PDF/A-2b bytes (A4; a household of many people runs onto more pages)."""
    _ = texts(data.lang)
    styles = paragraph_styles(load_fonts())
    title = data.title
    register = _("Municipal population register (padró)")
    local = data.local_issued_at
    width = layout.WIDTH - 40 * mm

    story: list[Any] = [
        *heading_story(data.city, styles),
        para(title, styles.title),
        para(register, styles.subtitle),
        Spacer(1, 4 * mm),
        issue_facts(data.registry_number, local, data.lang, styles, width),
        Spacer(1, 5 * mm),
    ]

    count = len(data.persons)
    if data.kind is CertificateKind.RESIDENCE:
        intro = _(
            "According to the municipal population register at the date and time of issue, "
            "the following person is registered at the address below."
        )
    elif count == 1:
        intro = _(
            "According to the municipal population register at the date and time of issue, "
            "one person alone is registered at the address below."
        )
    else:
        intro = _(
            "According to the municipal population register at the date and time of issue, "
            "the following {count} persons are registered at the address below."
        ).format(count=count)
    story += [para(intro, styles.base), Spacer(1, 3 * mm)]

    address_rows = [(_("Address"), data.address.one_line())]
    if data.address.district:
        address_rows.append((_("District"), data.address.district))
    story += [facts_table(address_rows, styles, 45 * mm), Spacer(1, 4 * mm)]

    if data.kind is CertificateKind.RESIDENCE:
        person = data.persons[0]
        story.append(
            facts_table(
                [
                    (_("Name and surnames"), person.full_name),
                    (_("Identity document"), _id_text(_, person.id_type, person.id_number)),
                    (_("Date of birth"), _day(person.birth_date)),
                    (_("Place of birth"), person.birth_place),
                    (_("Nationality"), nationality_in(person.nationality, data.lang)),
                    (_("Registered at this address since"), _day(person.registered_since)),
                ],
                styles,
                45 * mm,
            )
        )
    else:
        registered = _("Registered persons")
        story += [
            para(f"{registered} ({count})", styles.heading),
            Spacer(1, 1.5 * mm),
            _persons_table(data, _, styles),
        ]

    requester = data.requester
    requested_by = f"{requester.name} ({_id_text(_, requester.id_type, requester.id_number)})"
    story += [
        Spacer(1, 4 * mm),
        facts_table(
            [(_("Requested by"), requested_by), (_("Electronic seal"), data.city.council)],
            styles,
            45 * mm,
        ),
        Spacer(1, 4 * mm),
        para(
            _(
                "This document is a volant: it is informative, shows the register's data at "
                "the date and time of issue, and is not a certificate of registration."
            ),
            styles.strong,
        ),
    ]

    privacy = _(
        "Controller: {council}. Purpose: keeping the municipal population register and "
        "issuing the documents derived from it (art. 6.1.c and 6.1.e of Regulation (EU) "
        "2016/679; Spanish Law 7/1985 on local government). The data is not disclosed to third "
        "parties except where the law provides. You may exercise your rights of access, "
        "rectification, erasure, restriction and objection before the City Council. Use this "
        "document only for the purpose you requested it for."
    )
    privacy_title = _("Data protection.")
    privacy_note = Paragraph(
        f"<b>{escape(privacy_title)}</b> " + escape(privacy.format(council=data.city.council)),
        ParagraphStyle("privacy", parent=styles.tiny, fontName=styles.fonts.regular),
    )
    story += [
        Spacer(1, 6 * mm),
        KeepTogether(
            [verification_note(data.verification_code, data.verify_url, data.lang, styles)]
        ),
        Spacer(1, 5 * mm),
        KeepTogether(
            [HRFlowable(width="100%", thickness=0.4, color=RULE), Spacer(1, 1.5 * mm), privacy_note]
        ),
    ]

    info = layout.document_info(
        title=f"{title} {data.registry_number}",
        author=data.city.council,
        subject=f"{register} · CSV {data.verification_code}",
        created=local,
        lang=data.lang,
    )
    footer = layout.footer(
        f"{data.city.council} · {title} · CSV {data.verification_code}",
        layout.page_numbers(data.lang),
    )
    return layout.build(story, info, on_page=footer)


def issue_volant(
    session: Session,
    *,
    kind: CertificateKind | str,
    persons: Sequence[CertifiedPerson],
    address: CertifiedAddress,
    requester: Requester,
    city: CityHeading,
    lang: str,
    seal: Seal,
    documents: Documents,
    public_url: str,
    created_by: str,
    tz: str = "Europe/Madrid",
    call_id: str | None = None,
    registry: str | None = None,
    issuing_unit: str = ISSUING_UNIT,
    now: datetime | None = None,
) -> IssuedCertificate:
    """Issue a volant in the session's transaction (see
    :func:`~finestreta.documents.issuing.issue_sealed`): the data is checked here, before a
    registry number is taken (``ValueError``); the entry is in the requester's name, with the
    title as its subject."""
    draft = CertificateData(
        kind=CertificateKind(kind),
        persons=tuple(persons),
        address=address,
        requester=requester,
        issued_at=now or utcnow(),
        registry_number=PLACEHOLDER_NUMBER,
        verification_code="",
        verify_url="",
        city=city,
        lang=lang,
        tz=tz,
    )
    return issue_sealed(
        session,
        render=lambda issuance: render_certificate(draft.issued(issuance)),
        kind=draft.kind.value,
        title=draft.title,
        party_name=requester.name,
        party_document=requester.party_document,
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
