"""QR codes, encoded with segno and drawn as one path (ReportLab's encoder and widget are
slower: the widget makes a shape object per run of modules, which cost more than the rest of a
page)."""

from __future__ import annotations

import itertools
from functools import lru_cache

import segno
from reportlab.lib import colors
from reportlab.platypus import Flowable


@lru_cache(maxsize=64)
def qr_matrix(value: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code of ``value`` (error correction level M, the mask chosen by
    penalty score as ISO/IEC 18004 asks), row by row, dark ones ``True``. Cached, so that an
    issuer can encode it before taking a registry number (it is known as soon as the code is)
    and keep the number's lock short."""
    code = segno.make_qr(value, error="m", boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


class QrCode(Flowable):  # type: ignore[misc]
    """A QR code of ``value``, ``side`` wide, without quiet zone (the space around it must stay
    white), drawn as one path of rectangles, a run of dark modules each."""

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
