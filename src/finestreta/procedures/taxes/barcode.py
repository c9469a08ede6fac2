"""The payment slip's barcode: the 42 digits of a Cuaderno 60 code as GS1-128.

GS1-128 is Code 128 whose first symbol character after the start is FNC1; the Cuaderno 60
data then begins with the application identifier ``90``. All digits, so the symbol is in code
set C, two digits a character::

    START C (105) · FNC1 (102) · 90 · 52 · 10 · … · check · STOP (106)
    check = (105 + 1·102 + 2·d₁ + 3·d₂ + …) mod 103       (dᵢ: the i-th pair, 00–99)

ReportLab's Code 128 draws it (it writes FNC1 for ``"\\xf1"`` and switches runs of digits
to set C); :func:`codewords` says what the symbol must be, and :func:`gs1_128` refuses to
return a symbol that ReportLab encoded otherwise, so that an upgrade of its encoder cannot
print a barcode a bank's scanner reads differently. A scanner reports GS1-128 as Code 128
with the GS1 flag (zbar: ``modifiers='GS1'``) and the digits without FNC1.

Size: the module (narrowest bar) is 0.33 mm, the symbol 13 mm high with quiet zones of ten
modules: 277 modules, about 98 mm wide with the quiet zones, read by the usual desk scanners
and by zbar from a 300 dpi scan.
"""

from __future__ import annotations

import re

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.units import mm

START_C, FNC1, STOP = 105, 102, 106
MODULE = 33 * mm / 100
HEIGHT = 13 * mm
QUIET_MODULES = 10  # GS1: at least ten modules of white on either side


def codewords(digits: str) -> tuple[int, ...]:
    """The symbol characters of ``digits`` (an even number of them) as GS1-128 in code set C:
    start C, FNC1, the pairs, the check character, stop."""
    if not isinstance(digits, str) or not re.fullmatch(r"(?:[0-9]{2})+", digits):
        raise ValueError(f"Expected an even number of digits, but got {digits!r}")
    values = [START_C, FNC1, *(int(digits[i : i + 2]) for i in range(0, len(digits), 2))]
    check = (values[0] + sum(weight * value for weight, value in enumerate(values[1:], 1))) % 103
    return (*values, check, STOP)


class Gs1Barcode(Code128):  # type: ignore[misc]
    """A GS1-128 symbol, drawn in black whatever the story's colour was."""

    def draw(self) -> None:
        self.canv.setFillColor(colors.black)
        super().draw()


def gs1_128(digits: str, *, module: float = MODULE, height: float = HEIGHT) -> Gs1Barcode:
    """A flowable that draws ``digits`` as GS1-128, quiet zones included, no text under it
    (the layout prints the digits itself, in its own font)."""
    expected = codewords(digits)
    quiet = QUIET_MODULES * module
    symbol = Gs1Barcode(
        "\xf1" + digits,
        barWidth=module,
        barHeight=height,
        quiet=1,
        lquiet=quiet,
        rquiet=quiet,
        humanReadable=0,
    )
    symbol.validate()
    if tuple(symbol.encode()) != expected:  # pragma: no cover - ReportLab changed its encoder
        raise RuntimeError(
            f"ReportLab encoded {digits} as {symbol.encoded}, not as GS1-128 in set C {expected}"
        )
    return symbol
