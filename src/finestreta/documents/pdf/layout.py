"""A4 pages with a footer, built into PDF/A-2b bytes: the frame every layout fills.

A layout makes its story (a list of flowables) and its :class:`~.pdfa.DocumentInfo`, and
:func:`build` does the rest: margins, one frame, the footer drawn on every page, the embedded
font as the canvas's initial one, and the PDF/A canvas. Every printed document is PDF/A-2b,
which is why a missing font is an error (:mod:`.fonts`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from finestreta import __version__
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.pdfa import DocumentInfo, canvas_maker
from finestreta.documents.pdf.styles import GREY
from finestreta.i18n import translator

LANGUAGES = ("ca", "es", "en")
BCP47 = {"ca": "ca-ES", "es": "es-ES", "en": "en"}
CREATOR = f"Finestreta {__version__}"
PRODUCER = f"Finestreta {__version__} (ReportLab, pyHanko)"
WIDTH, HEIGHT = A4

# What a page decoration gets from ReportLab: the canvas and the document template.
PageDecoration = Callable[[Any, Any], None]


def check_language(lang: str) -> None:
    """``ValueError`` unless ``lang`` is one the documents are printed in."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")


def document_info(
    *, title: str, author: str, subject: str, created: datetime, lang: str
) -> DocumentInfo:
    """The metadata of a document in ``lang``, made by Finestreta; ``created`` is aware."""
    return DocumentInfo(
        title=title,
        author=author,
        subject=subject,
        creator=CREATOR,
        producer=PRODUCER,
        created=created,
        lang=BCP47[lang],
    )


@dataclass(frozen=True)
class Margins:
    side: float = 20 * mm
    top: float = 16 * mm
    bottom: float = 20 * mm

    def frame_size(self, padding: float) -> tuple[float, float]:
        """The width and height inside the margins, less ``padding`` on every side (0: the
        frame itself; a frame's padding: the room its story has)."""
        return (
            WIDTH - 2 * self.side - 2 * padding,
            HEIGHT - self.top - self.bottom - 2 * padding,
        )


MARGINS = Margins()
FRAME_PADDING = 6.0  # ReportLab's default


def page_numbers(lang: str) -> Callable[[int], str]:
    """The page number as the footer prints it ("Page 2"), in ``lang``."""
    _ = translator(lang, "documents")
    label = _("Page {page}")
    return lambda page: label.format(page=page)


def footer_line(canvas: Any, left: str, right: str, *, y: float, margin: float) -> None:
    """A line at the foot of the page: ``left`` and ``right`` at the margins, small and grey."""
    canvas.saveState()
    canvas.setFont(load_fonts().regular, 7.5)
    canvas.setFillColor(GREY)
    canvas.drawString(margin, y, left)
    canvas.drawRightString(WIDTH - margin, y, right)
    canvas.restoreState()


def footer(
    left: str, right: Callable[[int], str], *, y: float = 11 * mm, margin: float = 20 * mm
) -> PageDecoration:
    """The footer of every page: ``left``, and ``right`` of the page number."""

    def draw(canvas: Any, _document: Any) -> None:
        footer_line(canvas, left, right(canvas.getPageNumber()), y=y, margin=margin)

    return draw


def build(
    story: Sequence[Any],
    info: DocumentInfo,
    *,
    on_page: PageDecoration,
    margins: Margins = MARGINS,
    padding: float = FRAME_PADDING,
) -> bytes:
    """The story laid out on A4 pages, ``on_page`` drawn on each, as PDF/A-2b bytes.

    Raises :class:`~.fonts.FontsMissing` without the fonts."""
    fonts = load_fonts()
    width, height = margins.frame_size(0)
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margins.side,
        rightMargin=margins.side,
        topMargin=margins.top,
        bottomMargin=margins.bottom,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator=info.creator,
        producer=info.producer,
        lang=info.lang,
        initialFontName=fonts.regular,  # or ReportLab names Helvetica on every page
    )
    frame = Frame(
        margins.side,
        margins.bottom,
        width,
        height,
        leftPadding=padding,
        rightPadding=padding,
        topPadding=padding,
        bottomPadding=padding,
        id="normal",
    )
    document.addPageTemplates([PageTemplate("page", [frame], onPage=on_page, pagesize=A4)])
    document.build(list(story), canvasmaker=canvas_maker(info))
    return buffer.getvalue()
