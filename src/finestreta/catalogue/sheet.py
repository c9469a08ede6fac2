"""An entry of the catalogue on one A4 page, for the citizen to take home from the booth.

Title, summary, who may ask, requirements, fees, where and when (the channels and the text),
links (written out, and the first as a QR code). Made with the PDF toolkit
(:mod:`finestreta.documents.pdf`: DejaVu embedded, so every Catalan or Spanish letter and the
channel marks print; PDF/A-2b), in the sheet's own red. Its texts are in the platform's ``documents``
gettext domain (any procedure may print an entry's sheet: the information procedure, and the
works notice for the procedure that applies instead). A long entry is shrunk to stay on one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import KeepInFrame, ListFlowable, ListItem, Paragraph, Spacer, Table

from finestreta.catalogue.model import LANGUAGES, Channel, Entry, LocalizedEntry
from finestreta.db import utcnow
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import Fonts, load_fonts
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.pdf.qr import QrCode
from finestreta.documents.pdf.styles import GREY, INK, RULE, para_lines, table_style
from finestreta.i18n import translator

__all__ = ["render_info_sheet"]

DOMAIN = "documents"
ACCENT = colors.HexColor("#b3202a")  # a city-hall red: the sheet is not an issued document
SHADE = colors.HexColor("#f1f1f1")
CHANNEL_MARKS = {
    Channel.BOOTH: "▣",
    Channel.OFFICE: "⌂",
    Channel.ONLINE: "@",
    Channel.PHONE: "☎",
}
MARGINS = layout.Margins(side=18 * mm, top=16 * mm, bottom=30 * mm)


@dataclass(frozen=True)
class _Styles:
    fonts: Fonts
    base: ParagraphStyle
    small: ParagraphStyle
    city: ParagraphStyle
    band: ParagraphStyle
    title: ParagraphStyle
    summary: ParagraphStyle
    heading: ParagraphStyle
    bold: ParagraphStyle


@cache
def _styles(fonts: Fonts) -> _Styles:
    """The sheet's styles: larger than an issued document's, to be read at home."""
    base = ParagraphStyle(
        "sheet", fontName=fonts.regular, fontSize=10.5, leading=14.5, textColor=INK
    )
    small = ParagraphStyle("sheet-small", parent=base, fontSize=8.5, leading=11, textColor=GREY)
    return _Styles(
        fonts=fonts,
        base=base,
        small=small,
        city=ParagraphStyle(
            "sheet-city",
            parent=base,
            fontName=fonts.bold,
            fontSize=11,
            leading=14,
            textColor=ACCENT,
        ),
        band=ParagraphStyle(
            "sheet-band", parent=small, fontName=fonts.bold, textColor=GREY, alignment=2
        ),
        title=ParagraphStyle(
            "sheet-title", parent=base, fontName=fonts.bold, fontSize=20, leading=24, spaceBefore=2
        ),
        summary=ParagraphStyle("sheet-summary", parent=base, fontSize=12, leading=16.5),
        heading=ParagraphStyle(
            "sheet-heading",
            parent=base,
            fontName=fonts.bold,
            fontSize=11.5,
            leading=15,
            textColor=ACCENT,
            spaceBefore=9,
            spaceAfter=3,
        ),
        bold=ParagraphStyle("sheet-bold", parent=base, fontName=fonts.bold),
    )


def _date(day: date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang != "en" else day.strftime("%-d %B %Y")


def render_info_sheet(
    entry: Entry | LocalizedEntry,
    lang: str,
    city: CityHeading,
    *,
    printed_on: date | None = None,
) -> bytes:
    """The information sheet of ``entry`` in ``lang`` (ca, es or en) as PDF bytes: one A4 page
    headed with the city's name. Texts an entry lacks in ``lang`` are printed in Catalan."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    local = entry.localized(lang) if isinstance(entry, Entry) else entry
    if local.lang != lang:
        raise ValueError(f"the entry is in {local.lang!r}, not {lang!r}")
    _ = translator(lang, DOMAIN)
    fonts = load_fonts()
    styles = _styles(fonts)
    frame_width, frame_height = MARGINS.frame_size(0)

    def section(title: str) -> Paragraph:
        return para_lines(title, styles.heading)

    sheet = _("Information sheet")
    story: list[Any] = []

    # heading band: the city, the kind of sheet and the category
    band = Table(
        [
            [
                para_lines(city.name, styles.city),
                para_lines(f"{sheet} · {local.category_label}".upper(), styles.band),
            ]
        ],
        colWidths=[frame_width * 0.5, frame_width * 0.5],
        style=table_style(
            fonts,
            [
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.6, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ],
        ),
    )
    story += [
        band,
        Spacer(1, 6 * mm),
        para_lines(local.title, styles.title),
        Spacer(1, 2.5 * mm),
        para_lines(local.summary, styles.summary),
    ]

    # who and cost side by side in a shaded box
    facts = Table(
        [
            [
                para_lines(_("Who can apply"), styles.bold),
                para_lines(_("Cost"), styles.bold),
            ],
            [para_lines(local.who, styles.base), para_lines(local.fees_text, styles.base)],
        ],
        colWidths=[frame_width * 0.6, frame_width * 0.4],
        style=table_style(
            fonts,
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, 0), 7),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
                ("LINEAFTER", (0, 0), (0, -1), 0.6, colors.white),
            ],
        ),
    )
    story += [Spacer(1, 5 * mm), facts]

    story.append(section(_("What you need")))
    if local.requirements:
        story.append(
            ListFlowable(
                [
                    ListItem(para_lines(line, styles.base), leftIndent=12, value="circle")
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
        story.append(para_lines(_("Nothing else is needed."), styles.base))

    story.append(section(_("Where and when")))
    marks = [  # each channel kept on one line
        f"<font color='#b3202a'>{CHANNEL_MARKS[channel]}</font>"
        f"&nbsp;{escape(label).replace(' ', '&nbsp;')}"
        for channel, label in zip(local.channels, local.channel_labels(), strict=True)
    ]
    story.append(Paragraph("&nbsp;&nbsp;&nbsp;&nbsp;".join(marks), styles.bold))
    if local.where_when:
        story += [Spacer(1, 1.5 * mm), para_lines(local.where_when, styles.base)]

    if local.links:
        story.append(section(_("More information")))
        link_lines = [
            Paragraph(
                escape(link.label)
                + (
                    ""
                    if _shown(link.url) in link.label
                    else f": <font color='#1f4e9a'>{escape(_shown(link.url))}</font>"
                ),
                styles.base,
            )
            for link in local.links
        ]
        first = local.links[0]
        if first.url.startswith(("http://", "https://")):
            side = 26 * mm
            scan = _("Scan the code to open")
            caption = para_lines(f"{scan}: {first.label}", styles.small)
            story.append(
                Table(
                    [[link_lines, [QrCode(first.url, side), Spacer(1, 1.5 * mm), caption]]],
                    colWidths=[frame_width - side - 12 * mm, side + 12 * mm],
                    style=table_style(
                        fonts,
                        [
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("LEFTPADDING", (0, 0), (-1, -1), 0),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                            # centred: white on both sides of the code (its quiet zone)
                            ("ALIGN", (1, 0), (1, 0), "CENTER"),
                        ],
                    ),
                )
            )
        else:
            story += link_lines

    updated_on, printed_on_label = _("Information updated on"), _("Printed on")
    updated = f"{updated_on} {_date(local.updated_at.date(), lang)}"
    printed = f"{printed_on_label} {_date(printed_on or date.today(), lang)}"
    disclaimer = _(
        "This sheet is for information only and has no legal value: conditions may change. "
        "Check them on 010 or on the City Hall's website."
    )
    margin = MARGINS.side
    width = layout.WIDTH

    def footer(canvas: Any, _document: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 7.5)
        canvas.setFillColor(GREY)
        lines = _wrap(disclaimer, fonts.regular, 7.5, frame_width)
        y = 12 * mm + 9.5 * len(lines)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(margin, y + 3 * mm, width - margin, y + 3 * mm)
        text = canvas.beginText(margin, y)
        text.setLeading(9.5)
        for line in lines:
            text.textLine(line)
        canvas.drawText(text)
        canvas.restoreState()
        layout.footer_line(
            canvas, f"{city.name} · {updated} · {printed}", local.slug, y=9 * mm, margin=margin
        )

    info = layout.document_info(
        title=local.title, author=city.name, subject=sheet, created=utcnow(), lang=lang
    )
    content = KeepInFrame(frame_width, frame_height, story, mode="shrink")
    return layout.build([content], info, on_page=footer, margins=MARGINS, padding=0)


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
