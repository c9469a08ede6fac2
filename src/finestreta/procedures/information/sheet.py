"""An entry of the catalogue on one A4 page, for the citizen to take home from the booth.

Title, summary, who may ask, requirements, fees, where and when (the channels and the text),
links (written out, and the first as a QR code). Text is set in DejaVu Sans, embedded, when the
system has it (Debian: fonts-dejavu-core), so that every Catalan, Spanish or other letter
prints; otherwise in Helvetica. A long entry is shrunk to stay on one page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepInFrame,
    ListFlowable,
    ListItem,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from finestreta.catalogue.model import LANGUAGES, Channel, Entry, LocalizedEntry

__all__ = ["LABELS", "render_info_sheet"]

LABELS: dict[str, dict[str, str]] = {
    "ca": {
        "sheet": "Full informatiu",
        "who": "Qui ho pot demanar",
        "requirements": "Què necessiteu",
        "no_requirements": "No cal res més.",
        "fees": "Cost",
        "where": "On i quan",
        "links": "Més informació",
        "qr": "Escanegeu el codi per obrir",
        "updated": "Informació actualitzada el",
        "printed": "Imprès el",
        "disclaimer": "Aquest full és informatiu i no té validesa legal: les condicions poden "
        "canviar. Consulteu-les al 010 o a la web de l'Ajuntament.",
    },
    "es": {
        "sheet": "Hoja informativa",
        "who": "Quién puede pedirlo",
        "requirements": "Qué necesita",
        "no_requirements": "No hace falta nada más.",
        "fees": "Coste",
        "where": "Dónde y cuándo",
        "links": "Más información",
        "qr": "Escanee el código para abrir",
        "updated": "Información actualizada el",
        "printed": "Impreso el",
        "disclaimer": "Esta hoja es informativa y no tiene validez legal: las condiciones pueden "
        "cambiar. Consúltelas en el 010 o en la web del Ayuntamiento.",
    },
    "en": {
        "sheet": "Information sheet",
        "who": "Who can apply",
        "requirements": "What you need",
        "no_requirements": "Nothing else is needed.",
        "fees": "Cost",
        "where": "Where and when",
        "links": "More information",
        "qr": "Scan the code to open",
        "updated": "Information updated on",
        "printed": "Printed on",
        "disclaimer": "This sheet is for information only and has no legal value: conditions "
        "may change. Check them on 010 or on the City Hall's website.",
    },
}

INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#5a5a5a")
ACCENT = colors.HexColor("#b3202a")  # a city-hall red
RULE = colors.HexColor("#c8c8c8")
SHADE = colors.HexColor("#f1f1f1")
CHANNEL_MARKS = {
    Channel.BOOTH: "▣",
    Channel.OFFICE: "⌂",
    Channel.ONLINE: "@",
    Channel.PHONE: "☎",
}


FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    embedded: bool  # DejaVu (every letter, and the channel marks) rather than Helvetica


@cache
def _fonts() -> _Fonts:
    """DejaVu Sans registered once (under the names the registry receipt uses too)."""
    files = {"FinestretaSans": "DejaVuSans.ttf", "FinestretaSans-Bold": "DejaVuSans-Bold.ttf"}
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in files.values()):
            for font, name in files.items():
                pdfmetrics.registerFont(TTFont(font, str(folder / name)))
            return _Fonts("FinestretaSans", "FinestretaSans-Bold", True)
    return _Fonts("Helvetica", "Helvetica-Bold", False)


def _date(day: date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang != "en" else day.strftime("%-d %B %Y")


def render_info_sheet(
    entry: Entry | LocalizedEntry,
    lang: str,
    city_name: str,
    *,
    printed_on: date | None = None,
) -> bytes:
    """The information sheet of ``entry`` in ``lang`` (ca, es or en) as PDF bytes: one A4 page.
    Texts an entry lacks in ``lang`` are printed in Catalan."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    local = entry.localized(lang) if isinstance(entry, Entry) else entry
    if local.lang != lang:
        raise ValueError(f"the entry is in {local.lang!r}, not {lang!r}")
    labels = LABELS[lang]
    fonts = _fonts()
    width, height = A4
    margin = 18 * mm
    frame_width = width - 2 * margin

    base = ParagraphStyle(
        "base", fontName=fonts.regular, fontSize=10.5, leading=14.5, textColor=INK
    )
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, textColor=GREY)
    city_style = ParagraphStyle(
        "city", parent=base, fontName=fonts.bold, fontSize=11, leading=14, textColor=ACCENT
    )
    kicker = ParagraphStyle("kicker", parent=small, fontName=fonts.bold, textColor=GREY)
    title_style = ParagraphStyle(
        "title", parent=base, fontName=fonts.bold, fontSize=20, leading=24, spaceBefore=2
    )
    summary_style = ParagraphStyle("summary", parent=base, fontSize=12, leading=16.5)
    heading = ParagraphStyle(
        "heading",
        parent=base,
        fontName=fonts.bold,
        fontSize=11.5,
        leading=15,
        textColor=ACCENT,
        spaceBefore=9,
        spaceAfter=3,
    )
    bold = ParagraphStyle("bold", parent=base, fontName=fonts.bold)

    def para(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def section(title: str) -> Paragraph:
        return para(title, heading)

    story: list[Any] = []

    # heading band: the city, the kind of sheet and the category
    band_right = ParagraphStyle("right", parent=kicker, alignment=2)
    band = Table(
        [
            [
                para(city_name, city_style),
                para(f"{labels['sheet']} · {local.category_label}".upper(), band_right),
            ]
        ],
        colWidths=[frame_width * 0.5, frame_width * 0.5],
        style=TableStyle(
            [
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.6, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        ),
    )
    story += [band, Spacer(1, 6 * mm), para(local.title, title_style), Spacer(1, 2.5 * mm)]
    story += [para(local.summary, summary_style)]

    # who and cost side by side in a shaded box
    facts = Table(
        [
            [para(labels["who"], bold), para(labels["fees"], bold)],
            [para(local.who), para(local.fees_text)],
        ],
        colWidths=[frame_width * 0.6, frame_width * 0.4],
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, 0), 7),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
                ("LINEAFTER", (0, 0), (0, -1), 0.6, colors.white),
            ]
        ),
    )
    story += [Spacer(1, 5 * mm), facts]

    story.append(section(labels["requirements"]))
    if local.requirements:
        story.append(
            ListFlowable(
                [
                    ListItem(para(line), leftIndent=12, value="circle")
                    for line in local.requirements
                ],
                bulletType="bullet",
                bulletFontName=fonts.regular,
                bulletFontSize=7,
                bulletColor=ACCENT,
                leftIndent=12,
                bulletOffsetY=-2,
            )
        )
    else:
        story.append(para(labels["no_requirements"]))

    story.append(section(labels["where"]))
    marks = [  # each channel kept on one line
        f"<font color='#b3202a'>{CHANNEL_MARKS[channel] if fonts.embedded else '•'}</font>"
        f"&nbsp;{escape(label).replace(' ', '&nbsp;')}"
        for channel, label in zip(local.channels, local.channel_labels(), strict=True)
    ]
    story.append(Paragraph("&nbsp;&nbsp;&nbsp;&nbsp;".join(marks), bold))
    if local.where_when:
        story += [Spacer(1, 1.5 * mm), para(local.where_when)]

    if local.links:
        story.append(section(labels["links"]))
        link_lines = [
            Paragraph(
                escape(link.label)
                + (
                    ""
                    if _shown(link.url) in link.label
                    else f": <font color='#1f4e9a'>{escape(_shown(link.url))}</font>"
                ),
                base,
            )
            for link in local.links
        ]
        first = local.links[0]
        if first.url.startswith(("http://", "https://")):
            side = 26 * mm
            qr = QrCodeWidget(first.url)
            left, bottom, right, top = qr.getBounds()
            drawing = Drawing(
                side, side, transform=[side / (right - left), 0, 0, side / (top - bottom), 0, 0]
            )
            drawing.add(qr)
            caption = para(f"{labels['qr']}: {first.label}", small)
            story.append(
                Table(
                    [[link_lines, [drawing, caption]]],
                    colWidths=[frame_width - side - 12 * mm, side + 12 * mm],
                    style=TableStyle(
                        [
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("LEFTPADDING", (0, 0), (-1, -1), 0),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ]
                    ),
                )
            )
        else:
            story += link_lines

    updated = f"{labels['updated']} {_date(local.updated_at.date(), lang)}"
    printed = f"{labels['printed']} {_date(printed_on or date.today(), lang)}"

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 7.5)
        canvas.setFillColor(GREY)
        lines = _wrap(labels["disclaimer"], fonts.regular, 7.5, frame_width)
        y = 12 * mm + 9.5 * len(lines)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(margin, y + 3 * mm, width - margin, y + 3 * mm)
        text = canvas.beginText(margin, y)
        text.setLeading(9.5)
        for line in lines:
            text.textLine(line)
        canvas.drawText(text)
        canvas.drawString(margin, 9 * mm, f"{city_name} · {updated} · {printed}")
        canvas.drawRightString(width - margin, 9 * mm, local.slug)
        canvas.restoreState()

    top_margin, bottom_margin = 16 * mm, 30 * mm
    frame = Frame(
        margin,
        bottom_margin,
        frame_width,
        height - top_margin - bottom_margin,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    content = KeepInFrame(frame_width, frame._aH, story, mode="shrink")
    buffer = io.BytesIO()
    pdf = BaseDocTemplate(
        buffer,
        pagesize=A4,
        pageTemplates=[PageTemplate("sheet", [frame], onPage=footer)],
        title=local.title,
        author=city_name,
        subject=labels["sheet"],
        lang={"ca": "ca-ES", "es": "es-ES", "en": "en"}[lang],
    )
    pdf.build([content])
    return buffer.getvalue()


def _shown(url: str) -> str:
    """A link as printed: "tel:010" → "010"; web addresses without the scheme."""
    if url.startswith("tel:"):
        return url.removeprefix("tel:")
    if url.startswith("mailto:"):
        return url.removeprefix("mailto:")
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines
