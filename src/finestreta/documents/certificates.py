"""Census certificates (*volants de padró*) as PDF/A-2b: plain data in, PDF bytes out.

Two kinds: the *volant de residència* (one person, where they are registered today) and the
*volant de convivència* (everyone registered at the address). The page shows the city hall's
heading, the title, the address, each person's data (name and surnames, identity document, date
and place of birth, nationality, date of registration at the address), the requester, the issue
date and time, the registry number, the secure verification code with a QR code of the address
where it can be checked, the note that a volant is informative, and the data-protection note.

The renderer knows nothing of the database or of the register: the caller fills
:class:`CertificateData` (the ``from_padro`` helpers convert the register's values). The texts
are in ``LABELS`` (Catalan, Spanish, English) until they move to the gettext catalogues; the
data (names, places, nationalities) is printed as the register has it. Sealing is
:mod:`finestreta.documents.seal`'s job: this module only renders.

Fonts: DejaVu (Debian's fonts-dejavu-core), embedded as subsets. PDF/A forbids non-embedded
fonts, so there is no fallback: without DejaVu, :func:`render_certificate` raises
:class:`FontsMissing`. Characters DejaVu lacks (e.g. Chinese ideographs) would print as empty
boxes and break PDF/A; the register's names are Latin, Greek or Cyrillic in practice.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import segno
from babel import Locale
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paraparser import ParaParser

from finestreta import __version__
from finestreta.documents.pdf.pdfa import DocumentInfo, canvas_maker

LANGUAGES = ("ca", "es", "en")
BCP47 = {"ca": "ca-ES", "es": "es-ES", "en": "en"}
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PRODUCER = f"Finestreta {__version__} (ReportLab, pyHanko)"

INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1d4f91")
RULE = colors.HexColor("#b0b0b0")
SHADE = colors.HexColor("#eef2f7")


class CertificateKind(StrEnum):
    RESIDENCE = "residence"  # volant de residència: one person
    HOUSEHOLD = "household"  # volant de convivència: everyone at the address


LABELS: dict[str, dict[str, str]] = {
    "ca": {
        "title_residence": "Volant de residència",
        "title_household": "Volant de convivència",
        "register": "Padró municipal d'habitants",
        "intro_residence": "Segons les dades del Padró municipal d'habitants en la data i "
        "l'hora d'emissió, la persona següent hi figura inscrita a l'adreça que s'indica.",
        "intro_household_one": "Segons les dades del Padró municipal d'habitants en la data i "
        "l'hora d'emissió, a l'adreça que s'indica hi figura inscrita una sola persona.",
        "intro_household": "Segons les dades del Padró municipal d'habitants en la data i "
        "l'hora d'emissió, a l'adreça que s'indica hi figuren inscrites les {count} persones "
        "següents.",
        "address": "Adreça",
        "district": "Districte",
        "persons": "Persones inscrites",
        "name": "Nom i cognoms",
        "id_document": "Document d'identitat",
        "birth": "Naixement",
        "birth_date": "Data de naixement",
        "birth_place": "Lloc de naixement",
        "nationality": "Nacionalitat",
        "registered_since": "Alta a l'adreça",
        "registered_since_long": "Data d'alta a l'adreça",
        "requester": "Persona sol·licitant",
        "registry_number": "Registre de sortida",
        "issued_at": "Data i hora d'emissió",
        "volant": "Aquest document és un volant: té caràcter informatiu, reflecteix les dades "
        "del Padró en la data i l'hora d'emissió i no és un certificat d'empadronament.",
        "seal": "Segell electrònic",
        "seal_text": "Document expedit per actuació administrativa automatitzada i segellat "
        "electrònicament (segell de l'òrgan).",
        "csv": "Codi segur de verificació (CSV)",
        "verify": "Podeu comprovar l'autenticitat d'aquest document a {url} amb el codi "
        "{code}, o bé escanejant el codi QR.",
        "copy": "Imprès en paper, és una còpia del document electrònic original, que s'obté "
        "amb el mateix codi.",
        "privacy_title": "Protecció de dades.",
        "privacy": "Responsable del tractament: {council}. Finalitat: gestió del Padró "
        "municipal d'habitants i expedició dels volants i certificats que se'n deriven "
        "(art. 6.1.c i 6.1.e del Reglament (UE) 2016/679; Llei 7/1985, reguladora de les bases "
        "del règim local). Les dades no es comuniquen a tercers fora dels casos previstos per "
        "la llei. Podeu exercir els drets d'accés, rectificació, supressió, limitació i "
        "oposició davant l'Ajuntament. Feu servir aquest document només per a la finalitat per "
        "a la qual l'heu demanat.",
        "page": "Pàgina {page}",
        "dni": "DNI",
        "nie": "NIE",
        "passport": "Passaport",
        "other": "Document",
    },
    "es": {
        "title_residence": "Volante de residencia",
        "title_household": "Volante de convivencia",
        "register": "Padrón municipal de habitantes",
        "intro_residence": "Según los datos del Padrón municipal de habitantes en la fecha y "
        "la hora de emisión, la persona siguiente figura inscrita en la dirección indicada.",
        "intro_household_one": "Según los datos del Padrón municipal de habitantes en la fecha "
        "y la hora de emisión, en la dirección indicada figura inscrita una sola persona.",
        "intro_household": "Según los datos del Padrón municipal de habitantes en la fecha y "
        "la hora de emisión, en la dirección indicada figuran inscritas las {count} personas "
        "siguientes.",
        "address": "Dirección",
        "district": "Distrito",
        "persons": "Personas inscritas",
        "name": "Nombre y apellidos",
        "id_document": "Documento de identidad",
        "birth": "Nacimiento",
        "birth_date": "Fecha de nacimiento",
        "birth_place": "Lugar de nacimiento",
        "nationality": "Nacionalidad",
        "registered_since": "Alta en la dirección",
        "registered_since_long": "Fecha de alta en la dirección",
        "requester": "Persona solicitante",
        "registry_number": "Registro de salida",
        "issued_at": "Fecha y hora de emisión",
        "volant": "Este documento es un volante: tiene carácter informativo, refleja los datos "
        "del Padrón en la fecha y la hora de emisión y no es un certificado de "
        "empadronamiento.",
        "seal": "Sello electrónico",
        "seal_text": "Documento expedido por actuación administrativa automatizada y sellado "
        "electrónicamente (sello de órgano).",
        "csv": "Código seguro de verificación (CSV)",
        "verify": "Puede comprobar la autenticidad de este documento en {url} con el código "
        "{code}, o escaneando el código QR.",
        "copy": "Impreso en papel, es una copia del documento electrónico original, que se "
        "obtiene con el mismo código.",
        "privacy_title": "Protección de datos.",
        "privacy": "Responsable del tratamiento: {council}. Finalidad: gestión del Padrón "
        "municipal de habitantes y expedición de los volantes y certificados que de él se "
        "derivan (art. 6.1.c y 6.1.e del Reglamento (UE) 2016/679; Ley 7/1985, reguladora de "
        "las bases del régimen local). Los datos no se comunican a terceros fuera de los casos "
        "previstos por la ley. Puede ejercer los derechos de acceso, rectificación, supresión, "
        "limitación y oposición ante el Ayuntamiento. Utilice este documento solo para la "
        "finalidad para la que lo ha solicitado.",
        "page": "Página {page}",
        "dni": "DNI",
        "nie": "NIE",
        "passport": "Pasaporte",
        "other": "Documento",
    },
    "en": {
        "title_residence": "Proof of registration: individual",
        "title_household": "Proof of registration: household",
        "register": "Municipal population register (padró)",
        "intro_residence": "According to the municipal population register at the date and "
        "time of issue, the following person is registered at the address below.",
        "intro_household_one": "According to the municipal population register at the date "
        "and time of issue, one person alone is registered at the address below.",
        "intro_household": "According to the municipal population register at the date and "
        "time of issue, the following {count} persons are registered at the address below.",
        "address": "Address",
        "district": "District",
        "persons": "Registered persons",
        "name": "Name and surnames",
        "id_document": "Identity document",
        "birth": "Birth",
        "birth_date": "Date of birth",
        "birth_place": "Place of birth",
        "nationality": "Nationality",
        "registered_since": "Registered here since",
        "registered_since_long": "Registered at this address since",
        "requester": "Requested by",
        "registry_number": "Outgoing registry number",
        "issued_at": "Date and time of issue",
        "volant": "This document is a volant: it is informative, shows the register's data at "
        "the date and time of issue, and is not a certificate of registration.",
        "seal": "Electronic seal",
        "seal_text": "Issued by automated administrative action and sealed electronically "
        "(seal of the public body).",
        "csv": "Secure verification code (CSV)",
        "verify": "You can check that this document is authentic at {url} with the code "
        "{code}, or by scanning the QR code.",
        "copy": "On paper, this is a copy of the original electronic document, which can be "
        "obtained with the same code.",
        "privacy_title": "Data protection.",
        "privacy": "Controller: {council}. Purpose: keeping the municipal population register "
        "and issuing the documents derived from it (art. 6.1.c and 6.1.e of Regulation (EU) "
        "2016/679; Spanish Law 7/1985 on local government). The data is not disclosed to third "
        "parties except where the law provides. You may exercise your rights of access, "
        "rectification, erasure, restriction and objection before the City Council. Use this "
        "document only for the purpose you requested it for.",
        "page": "Page {page}",
        "dni": "DNI",
        "nie": "NIE",
        "passport": "Passport",
        "other": "Document",
    },
}
ID_TYPES = ("dni", "nie", "passport", "other")


class FontsMissing(RuntimeError):
    """The DejaVu fonts are not installed (Debian: ``apt-get install fonts-dejavu-core``)."""


@dataclass(frozen=True)
class CityHeading:
    """Who issues: ``name`` (Barcelona), ``council`` (Ajuntament de Barcelona), the address
    line of the city hall, and any further lines (NIF, web site)."""

    name: str
    council: str
    address: str
    lines: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> CityHeading:
        """From the proposed settings ``city_name``, ``city_council``, ``city_address`` and
        ``city_lines`` (read with defaults, so it works before they exist)."""
        name = getattr(settings, "city_name", "") or "Barcelona"
        lines = getattr(settings, "city_lines", ()) or ()
        if isinstance(lines, str):
            lines = tuple(part.strip() for part in lines.split(",") if part.strip())
        return cls(
            name=name,
            council=getattr(settings, "city_council", "") or f"Ajuntament de {name}",
            address=getattr(settings, "city_address", "") or "",
            lines=tuple(lines),
        )


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
        if self.lang not in LABELS:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {self.lang!r}")
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


def certificate_title(kind: CertificateKind | str, lang: str) -> str:
    """``Volant de convivència`` and the like."""
    return LABELS[lang][f"title_{CertificateKind(kind).value}"]


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


@cache
def _fonts() -> _Fonts:
    files = {
        "FinestretaCert": "DejaVuSans.ttf",
        "FinestretaCert-Bold": "DejaVuSans-Bold.ttf",
    }
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in files.values()):
            for font, name in files.items():
                pdfmetrics.registerFont(TTFont(font, str(folder / name)))
            regular, bold = files
            # <b> in a paragraph must find the bold face (or ReportLab picks a standard font).
            pdfmetrics.registerFontFamily(
                regular, normal=regular, bold=bold, italic=regular, boldItalic=bold
            )
            return _Fonts(*files)
    raise FontsMissing(
        "the DejaVu fonts are needed to render certificates "
        "(Debian: apt-get install fonts-dejavu-core)"
    )


@dataclass(frozen=True)
class _Styles:
    base: ParagraphStyle
    small: ParagraphStyle
    tiny: ParagraphStyle
    label: ParagraphStyle
    council: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    code: ParagraphStyle
    strong: ParagraphStyle


@cache
def _styles() -> _Styles:
    fonts = _fonts()
    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9.5, leading=12.5, textColor=INK)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10.2, textColor=GREY)
    return _Styles(
        base=base,
        small=small,
        tiny=ParagraphStyle("tiny", parent=small, fontSize=6.8, leading=8.6),
        label=ParagraphStyle("label", parent=small, fontName=fonts.bold),
        council=ParagraphStyle(
            "council", parent=base, fontName=fonts.bold, fontSize=14, leading=17, textColor=ACCENT
        ),
        title=ParagraphStyle(
            "title", parent=base, fontName=fonts.bold, fontSize=19, leading=23, spaceBefore=2
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=base, fontSize=10.5, leading=13.5, textColor=GREY
        ),
        heading=ParagraphStyle(
            "heading", parent=base, fontName=fonts.bold, fontSize=10.5, leading=13.5
        ),
        cell=ParagraphStyle("cell", parent=base, fontSize=8.6, leading=11),
        cell_bold=ParagraphStyle(
            "cellb", parent=base, fontName=fonts.bold, fontSize=8.6, leading=11
        ),
        code=ParagraphStyle("code", parent=base, fontName=fonts.bold, fontSize=13.5, leading=17),
        strong=ParagraphStyle("strong", parent=base, fontName=fonts.bold),
    )


@cache
def _prototype(style: ParagraphStyle) -> Any:
    """The text fragment ReportLab's markup parser makes for plain text in ``style``."""
    _style, frags, _bullet = ParaParser().parse("x", style)
    return frags[0]


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (no markup). Built from a fragment cloned from the style's
    prototype: parsing markup is the costliest part of a paragraph, and these have none."""
    fragment = _prototype(style).clone(text=" ".join(text.split()))
    return Paragraph(fragment.text, style, frags=[fragment])


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


def _when(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M:%S} {moment.tzname() or ''}".strip()


def _id_text(labels: dict[str, str], id_type: str, number: str) -> str:
    return f"{labels[id_type]} {number}"


def verify_page(verify_url: str, code: str) -> str:
    """The address printed beside the code: the verification URL without the code."""
    for suffix in (f"/{code}", f"/{code.replace('-', '')}"):
        if verify_url.endswith(suffix):
            return verify_url[: -len(suffix)]
    return verify_url


@lru_cache(maxsize=64)
def qr_matrix(value: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of ``value`` (error correction level M, the mask chosen by
    penalty score as ISO/IEC 18004 asks), row by row, dark ones ``True``. Encoded with segno:
    ReportLab's encoder is slower. Cached, so that an issuer can encode it before taking a
    registry number (it is known as soon as the code is) and keep the number's lock short."""
    code = segno.make_qr(value, error="m", boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


class QrCode(Flowable):  # type: ignore[misc]
    """A QR code of ``value``, ``side`` wide, without quiet zone (the space around it must stay
    white), drawn as one path of rectangles, a run of dark modules each (ReportLab's widget
    builds a shape object per run, which cost more than the rest of the page)."""

    def __init__(self, value: str, side: float) -> None:
        super().__init__()
        self.value = value
        self.side = side
        self.modules = qr_matrix(value)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.side, self.side

    def draw(self) -> None:
        count = len(self.modules)
        box = self.side / count
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            y = self.side - (r + 1) * box
            c = 0
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    path.rect(c * box, y, length * box, box)
                c += length
        self.canv.saveState()
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()


def _table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells' font is the embedded one: a table sets its cells' font even
    when they hold paragraphs, and its default is Helvetica, which PDF/A cannot have."""
    fonts = _fonts()
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.regular), *commands])


def _facts_table(rows: list[tuple[str, str]], styles: _Styles, label_width: float) -> Table:
    return Table(
        [[_para(name, styles.label), _para(value, styles.base)] for name, value in rows],
        colWidths=[label_width, None],
        style=_table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def _persons_table(data: CertificateData, labels: dict[str, str], styles: _Styles) -> Table:
    header = [
        _para("#", styles.label),
        _para(labels["name"], styles.label),
        _para(labels["id_document"], styles.label),
        _para(labels["birth"], styles.label),
        _para(labels["nationality"], styles.label),
        _para(labels["registered_since"], styles.label),
    ]
    rows: list[list[Any]] = [header]
    for index, person in enumerate(data.persons, start=1):
        rows.append(
            [
                _para(str(index), styles.cell),
                _para(person.full_name, styles.cell_bold),
                _para(_id_text(labels, person.id_type, person.id_number), styles.cell),
                [
                    _para(_day(person.birth_date), styles.cell),
                    _para(person.birth_place, styles.small),
                ],
                _para(nationality_in(person.nationality, data.lang), styles.cell),
                _para(_day(person.registered_since), styles.cell),
            ]
        )
    return Table(
        rows,
        colWidths=[7 * mm, None, 31 * mm, 33 * mm, 25 * mm, 22 * mm],
        repeatRows=1,
        style=_table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )


def render_certificate(data: CertificateData) -> bytes:
    """The volant as PDF/A-2b bytes (A4; a household of many people runs onto more pages)."""
    labels = LABELS[data.lang]
    fonts = _fonts()
    styles = _styles()
    title = data.title
    local = data.local_issued_at
    width = A4[0] - 40 * mm

    heading_lines = [_para(data.city.council, styles.council)]
    heading_lines += [
        _para(line, styles.small) for line in (data.city.address, *data.city.lines) if line
    ]
    story: list[Any] = [
        *heading_lines,
        Spacer(1, 3 * mm),
        HRFlowable(width="100%", thickness=1.2, color=ACCENT),
        Spacer(1, 4 * mm),
        _para(title, styles.title),
        _para(labels["register"], styles.subtitle),
        Spacer(1, 4 * mm),
    ]

    key_facts = Table(
        [
            [
                _para(labels["registry_number"], styles.label),
                _para(labels["issued_at"], styles.label),
            ],
            [
                _para(data.registry_number, styles.heading),
                _para(_when(local), styles.heading),
            ],
        ],
        colWidths=[width / 2, width / 2],
        style=_table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
                ("TOPPADDING", (0, 1), (-1, 1), 0),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    story += [key_facts, Spacer(1, 5 * mm)]

    count = len(data.persons)
    if data.kind is CertificateKind.RESIDENCE:
        intro = labels["intro_residence"]
    elif count == 1:
        intro = labels["intro_household_one"]
    else:
        intro = labels["intro_household"].format(count=count)
    story += [_para(intro, styles.base), Spacer(1, 3 * mm)]

    address_rows = [(labels["address"], data.address.one_line())]
    if data.address.district:
        address_rows.append((labels["district"], data.address.district))
    story += [_facts_table(address_rows, styles, 45 * mm), Spacer(1, 4 * mm)]

    if data.kind is CertificateKind.RESIDENCE:
        person = data.persons[0]
        story.append(
            _facts_table(
                [
                    (labels["name"], person.full_name),
                    (labels["id_document"], _id_text(labels, person.id_type, person.id_number)),
                    (labels["birth_date"], _day(person.birth_date)),
                    (labels["birth_place"], person.birth_place),
                    (labels["nationality"], nationality_in(person.nationality, data.lang)),
                    (labels["registered_since_long"], _day(person.registered_since)),
                ],
                styles,
                45 * mm,
            )
        )
    else:
        story += [
            _para(f"{labels['persons']} ({count})", styles.heading),
            Spacer(1, 1.5 * mm),
            _persons_table(data, labels, styles),
        ]

    requester = data.requester
    story += [
        Spacer(1, 4 * mm),
        _facts_table(
            [
                (
                    labels["requester"],
                    f"{requester.name} ({_id_text(labels, requester.id_type, requester.id_number)})",
                ),
                (labels["seal"], data.city.council),
            ],
            styles,
            45 * mm,
        ),
        Spacer(1, 4 * mm),
        _para(labels["volant"], styles.strong),
    ]

    side = 30 * mm
    page = verify_page(data.verify_url, data.verification_code)
    verification = Table(
        [
            [
                QrCode(data.verify_url, side),
                [
                    _para(labels["csv"], styles.label),
                    _para(data.verification_code, styles.code),
                    Spacer(1, 1.5 * mm),
                    _para(
                        labels["verify"].format(url=page, code=data.verification_code),
                        styles.small,
                    ),
                    Spacer(1, 1 * mm),
                    _para(f"{labels['seal_text']} {labels['copy']}", styles.small),
                ],
            ]
        ],
        colWidths=[side + 6 * mm, None],
        style=_table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
    )
    privacy = Paragraph(
        f"<b>{escape(labels['privacy_title'])}</b> "
        + escape(labels["privacy"].format(council=data.city.council)),
        ParagraphStyle("privacy", parent=styles.tiny, fontName=fonts.regular),
    )
    story += [
        Spacer(1, 6 * mm),
        KeepTogether([verification]),
        Spacer(1, 5 * mm),
        KeepTogether(
            [HRFlowable(width="100%", thickness=0.4, color=RULE), Spacer(1, 1.5 * mm), privacy]
        ),
    ]

    footer_text = f"{data.city.council} · {title} · CSV {data.verification_code}"

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(20 * mm, 11 * mm, footer_text)
        canvas.drawRightString(
            A4[0] - 20 * mm, 11 * mm, labels["page"].format(page=canvas.getPageNumber())
        )
        canvas.restoreState()

    info = DocumentInfo(
        title=f"{title} {data.registry_number}",
        author=data.city.council,
        subject=f"{labels['register']} · CSV {data.verification_code}",
        creator=f"Finestreta {__version__}",
        producer=PRODUCER,
        created=local,
        lang=BCP47[data.lang],
    )
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator=info.creator,
        producer=info.producer,
        lang=info.lang,
        initialFontName=fonts.regular,
    )
    pdf.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=canvas_maker(info))
    return buffer.getvalue()
