"""Colours, paragraph and table styles shared by the layouts, and the paragraphs made with them.

Every style is set in the embedded fonts (:mod:`.fonts`); tables get them through
:func:`table_style`, because a table sets its cells' font even when they hold paragraphs, and
its default is Helvetica, which PDF/A cannot have. Text is plain: a layout's strings never carry
ReportLab markup, so a name with ``<`` or ``&`` prints as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle
from reportlab.platypus.paraparser import ParaParser

from finestreta.documents.pdf.fonts import Fonts

INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1d4f91")
RULE = colors.HexColor("#b0b0b0")
SHADE = colors.HexColor("#eef2f7")


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of the issued documents, and the fonts they are set in."""

    fonts: Fonts
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
def paragraph_styles(fonts: Fonts) -> Styles:
    """The styles in ``fonts``, made once (a paragraph's parsed prototype is kept per style)."""
    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9.5, leading=12.5, textColor=INK)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10.2, textColor=GREY)
    return Styles(
        fonts=fonts,
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


@lru_cache(maxsize=256)  # styles are made once (cached functions), so this stays small
def _prototype(style: ParagraphStyle) -> Any:
    """The text fragment ReportLab's markup parser makes for plain text in ``style``."""
    _style, frags, _bullet = ParaParser().parse("x", style)
    return frags[0]


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text, runs of white space (line breaks too) printed as one space.

    Built from a fragment cloned from the style's prototype: parsing markup is the costliest
    part of a paragraph, and these have none."""
    fragment = _prototype(style).clone(text=" ".join(text.split()))
    return Paragraph(fragment.text, style, frags=[fragment])


def para_lines(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text whose line breaks are kept (a summary typed on several lines)."""
    if "\n" not in text:
        return para(text, style)
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def table_style(fonts: Fonts, commands: Sequence[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells are set in the embedded font, then ``commands``."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.regular), *commands])


def facts_table(rows: Sequence[tuple[str, str]], styles: Styles, label_width: float) -> Table:
    """Label and value, a row each, ruled between rows (a value keeps its line breaks)."""
    return Table(
        [[para(name, styles.label), para_lines(value, styles.base)] for name, value in rows],
        colWidths=[label_width, None],
        style=table_style(
            styles.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ],
        ),
    )
