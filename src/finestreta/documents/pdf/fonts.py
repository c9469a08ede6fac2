"""The fonts of every printed document: DejaVu Sans (Debian's fonts-dejavu-core), embedded as
subsets.

One policy for every layout: PDF/A forbids fonts that are not embedded, and the standard 14
(Helvetica, Courier…) are not, nor do they print beyond Latin-1. So there is no fallback:
without DejaVu, :func:`load_fonts` (and every render) raises :class:`FontsMissing`
(``scripts/install`` installs the package). Characters DejaVu lacks (e.g. Chinese ideographs)
would print as empty boxes and break PDF/A; names in the register are Latin, Greek or Cyrillic
in practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
REGULAR, BOLD, MONO = "FinestretaSans", "FinestretaSans-Bold", "FinestretaMono"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf"}


class FontsMissing(RuntimeError):
    """The DejaVu fonts are not installed (Debian: ``apt-get install fonts-dejavu-core``)."""


@dataclass(frozen=True)
class Fonts:
    """The registered names to give ReportLab."""

    regular: str
    bold: str
    mono: str  # fixed width: hashes and codes


@cache
def load_fonts() -> Fonts:
    """DejaVu Sans, Sans Bold and Sans Mono from the first of :data:`FONT_DIRS` that has the
    three, registered once per process (:class:`FontsMissing` when none has them)."""
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in FILES.values()):
            registered = set(pdfmetrics.getRegisteredFontNames())
            for font, name in FILES.items():
                if font not in registered:  # parsing a font file costs: once is enough
                    pdfmetrics.registerFont(TTFont(font, str(folder / name)))
            # <b> in a paragraph must find the bold face (or ReportLab picks a standard font).
            pdfmetrics.registerFontFamily(
                REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
            )
            return Fonts(REGULAR, BOLD, MONO)
    raise FontsMissing(
        f"documents need the DejaVu fonts ({', '.join(FILES.values())}), which are not in "
        f"{' or '.join(str(folder) for folder in FONT_DIRS)} "
        "(Debian: apt-get install fonts-dejavu-core)"
    )
