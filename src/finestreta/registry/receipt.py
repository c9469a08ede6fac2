"""The citizen's receipt of a registry entry (Ley 39/2015 art. 16.3), as a PDF page.

It shows the number, the date and time, the direction, the interested party, the subject and
the destination unit, and lists the attached documents with their SHA-256 fingerprints, which
let anyone check later that a document is the one that was registered.

The labels are in ``LABELS`` (Catalan, Spanish, English) until they move to the gettext
catalogues. Text is set in DejaVu Sans when the system has it (Debian: fonts-dejavu-core, which
``scripts/install`` installs), so that names beyond Latin-1 print; otherwise in Helvetica.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from finestreta.registry.records import DEFAULT_REGISTRY, RegistryEntry
from finestreta.registry.service import attached_documents

LANGUAGES = ("ca", "es", "en")

LABELS: dict[str, dict[str, str]] = {
    "ca": {
        "title": "Justificant de registre",
        "number": "Número de registre",
        "registry": "Registre",
        "when": "Data i hora",
        "direction": "Tipus",
        "in": "Entrada",
        "out": "Sortida",
        "party": "Persona interessada",
        "id_document": "Document d'identitat",
        "sending_body": "Òrgan remitent",
        "destination_unit": "Unitat de destinació",
        "subject": "Assumpte",
        "summary": "Resum",
        "documents": "Documents adjunts",
        "document": "Document",
        "sha256": "Empremta SHA-256",
        "no_documents": "Cap document adjunt.",
        "legal": (
            "Aquest justificant acredita el número, la data i l'hora del registre "
            "(art. 16.3 de la Llei 39/2015). L'empremta SHA-256 de cada document permet "
            "comprovar que és el mateix que es va registrar."
        ),
        "verification": "Codi segur de verificació",
        "verify_at": "Comproveu-ne l'autenticitat a",
        "passport": "Passaport",
        "other": "Altre document",
    },
    "es": {
        "title": "Justificante de registro",
        "number": "Número de registro",
        "registry": "Registro",
        "when": "Fecha y hora",
        "direction": "Tipo",
        "in": "Entrada",
        "out": "Salida",
        "party": "Persona interesada",
        "id_document": "Documento de identidad",
        "sending_body": "Órgano remitente",
        "destination_unit": "Unidad de destino",
        "subject": "Asunto",
        "summary": "Resumen",
        "documents": "Documentos adjuntos",
        "document": "Documento",
        "sha256": "Huella SHA-256",
        "no_documents": "Ningún documento adjunto.",
        "legal": (
            "Este justificante acredita el número, la fecha y la hora del registro "
            "(art. 16.3 de la Ley 39/2015). La huella SHA-256 de cada documento permite "
            "comprobar que es el mismo que se registró."
        ),
        "verification": "Código seguro de verificación",
        "verify_at": "Compruebe su autenticidad en",
        "passport": "Pasaporte",
        "other": "Otro documento",
    },
    "en": {
        "title": "Registry receipt",
        "number": "Registry number",
        "registry": "Registry",
        "when": "Date and time",
        "direction": "Type",
        "in": "Incoming",
        "out": "Outgoing",
        "party": "Interested party",
        "id_document": "Identity document",
        "sending_body": "Sending body",
        "destination_unit": "Destination unit",
        "subject": "Subject",
        "summary": "Summary",
        "documents": "Attached documents",
        "document": "Document",
        "sha256": "SHA-256 fingerprint",
        "no_documents": "No attached documents.",
        "legal": (
            "This receipt proves the number, date and time of the registry entry "
            "(art. 16.3 of Spanish Law 39/2015). The SHA-256 fingerprint of each document "
            "lets anyone check that it is the one that was registered."
        ),
        "verification": "Secure verification code",
        "verify_at": "Check its authenticity at",
        "passport": "Passport",
        "other": "Other document",
    },
}
ID_TYPE_NAMES = {"nif": "NIF", "nie": "NIE"}  # the same in the three languages

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#b0b0b0")
SHADE = colors.HexColor("#eeeeee")


@dataclass(frozen=True)
class CityHeading:
    """What heads the receipt: the city hall's name and a few lines (address, NIF, web)."""

    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """A secure verification code and the address where it can be checked (printed with a QR
    code of the address)."""

    code: str
    url: str


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    mono: str


@cache
def _fonts() -> _Fonts:
    files = {
        "FinestretaSans": "DejaVuSans.ttf",
        "FinestretaSans-Bold": "DejaVuSans-Bold.ttf",
        "FinestretaMono": "DejaVuSansMono.ttf",
    }
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in files.values()):
            for font, name in files.items():
                pdfmetrics.registerFont(TTFont(font, str(folder / name)))
            return _Fonts("FinestretaSans", "FinestretaSans-Bold", "FinestretaMono")
    return _Fonts("Helvetica", "Helvetica-Bold", "Courier")


def _size(size: int, lang: str) -> str:
    if size < 1024:
        text = f"{size} B"
    elif size < 1024 * 1024:
        text = f"{size / 1024:.1f} KB"
    else:
        text = f"{size / 1024 / 1024:.1f} MB"
    return text if lang == "en" else text.replace(".", ",")


def _zone(tz: str | tzinfo) -> tzinfo:
    return tz if isinstance(tz, tzinfo) else ZoneInfo(tz)


def render_receipt(
    entry: RegistryEntry,
    *,
    city: CityHeading,
    lang: str,
    tz: str | tzinfo,
    verification: Verification | None = None,
) -> bytes:
    """The receipt of ``entry`` as PDF bytes, in ``lang`` (ca, es or en), times shown in the
    city's time zone ``tz``. One A4 page (a very long list of documents goes on)."""
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    labels = LABELS[lang]
    fonts = _fonts()
    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9.5, leading=12.5, textColor=INK)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=GREY)
    label = ParagraphStyle("label", parent=small, fontName=fonts.bold)
    city_style = ParagraphStyle("city", parent=base, fontName=fonts.bold, fontSize=13, leading=16)
    title_style = ParagraphStyle(
        "title", parent=base, fontName=fonts.bold, fontSize=17, leading=21, spaceBefore=6
    )
    number_style = ParagraphStyle(
        "number", parent=base, fontName=fonts.bold, fontSize=15, leading=19
    )
    heading = ParagraphStyle(
        "heading", parent=base, fontName=fonts.bold, fontSize=11, leading=14, spaceBefore=4
    )

    def para(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    local = entry.registered_at.astimezone(_zone(tz))
    offset = local.strftime("%z")
    when = f"{local:%d/%m/%Y %H:%M:%S} {local.tzname() or ''} (UTC{offset[:3]}:{offset[3:]})"
    id_type = ID_TYPE_NAMES.get(entry.party_id_type) or labels[entry.party_id_type]

    story: list[Any] = [para(city.name, city_style)]
    story += [para(line, small) for line in city.lines]
    story += [
        Spacer(1, 3 * mm),
        HRFlowable(width="100%", thickness=0.8, color=RULE),
        para(labels["title"], title_style),
        Spacer(1, 2 * mm),
    ]

    number_box = Table(
        [[para(labels["number"], label), para(entry.number_text, number_style)]],
        colWidths=[45 * mm, None],
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    story += [number_box, Spacer(1, 3 * mm)]

    rows: list[tuple[str, str]] = []
    if entry.registry_name != DEFAULT_REGISTRY:
        rows.append((labels["registry"], entry.registry_name))
    rows += [
        (labels["when"], when),
        (labels["direction"], labels[entry.direction]),
        (labels["party"], entry.party_name),
        (labels["id_document"], f"{id_type} {entry.party_id_number}"),
    ]
    if entry.sending_body:
        rows.append((labels["sending_body"], entry.sending_body))
    rows += [
        (labels["destination_unit"], entry.destination_unit),
        (labels["subject"], entry.subject),
    ]
    if entry.summary:
        rows.append((labels["summary"], entry.summary))
    facts = Table(
        [[para(name, label), para(value)] for name, value in rows],
        colWidths=[45 * mm, None],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    story += [facts, Spacer(1, 5 * mm)]

    documents = attached_documents(entry)
    story.append(para(f"{labels['documents']} ({len(documents)})", heading))
    story.append(Spacer(1, 1.5 * mm))
    if documents:
        table_rows: list[list[Any]] = [
            [para("#", label), para(labels["document"], label), para(labels["sha256"], label)]
        ]
        for index, document in enumerate(documents, start=1):
            details = f"{document.media_type} · {_size(document.size, lang)}"
            table_rows.append(
                [
                    para(str(index), small),
                    [para(document.title), para(details, small)],
                    document.sha256,  # a plain string: never wrapped, always one line
                ]
            )
        table = Table(
            table_rows,
            colWidths=[8 * mm, None, 104 * mm],
            repeatRows=1,
            style=TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (2, 1), (2, -1), fonts.mono),
                    ("FONTSIZE", (2, 1), (2, -1), 7),
                    ("TEXTCOLOR", (2, 1), (2, -1), INK),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            ),
        )
        story.append(table)
    else:
        story.append(para(labels["no_documents"]))

    story += [Spacer(1, 6 * mm), para(labels["legal"], small)]
    if verification is not None:
        qr = QrCodeWidget(verification.url)
        left, bottom, right, top = qr.getBounds()
        side = 24 * mm
        drawing = Drawing(
            side, side, transform=[side / (right - left), 0, 0, side / (top - bottom), 0, 0]
        )
        drawing.add(qr)
        text = [
            para(labels["verification"], label),
            para(verification.code, ParagraphStyle("csv", parent=base, fontName=fonts.mono)),
            Spacer(1, 1.5 * mm),
            para(labels["verify_at"], label),
            para(verification.url, small),
        ]
        block = Table(
            [[drawing, text]],
            colWidths=[side + 4 * mm, None],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        )
        story += [Spacer(1, 4 * mm), KeepTogether([block])]

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(20 * mm, 12 * mm, f"{city.name} · {labels['title']} {entry.code}")
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{labels['title']} {entry.code}",
        author=city.name,
        subject=entry.subject,
        lang={"ca": "ca-ES", "es": "es-ES", "en": "en"}[lang],
    )
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
