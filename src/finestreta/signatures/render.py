"""Drawing a signature into a PDF: vector polylines, scaled to fit a box, aspect kept.

The document layouts call ``draw`` on a reportlab canvas, or put ``flowable`` in a platypus
story. The pad's y axis points down and the PDF's up: the pad is flipped, so the signature is
drawn as the citizen saw it.
"""

from __future__ import annotations

from typing import Protocol

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable


class Drawable(Protocol):
    """What is drawn: the pad's size and the strokes' x, y. A whole ``Signature`` is one, and
    so is the ``Drawing`` a clerk reads back (no time or pressure is needed to draw)."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    def paths(self) -> list[list[tuple[float, float]]]: ...


INK = Color(0.05, 0.1, 0.35)  # dark blue: reads as a hand signature on a printed page
# Line width in points: 4 pad pixels' worth (a finger's trace), within bounds so that a small
# box stays legible and a large one is not a marker's line.
LINE_PAD_PX = 4.0
LINE_BOUNDS = (0.8, 2.0)


def draw(canvas: Canvas, signature: Drawable, x: float, y: float, w: float, h: float) -> None:
    """Draw ``signature`` in the box whose lower-left corner is (``x``, ``y``), ``w`` × ``h``
    points, centred, as large as fits."""
    scale, left, bottom = _fit(signature, x, y, w, h)
    low, high = LINE_BOUNDS
    canvas.saveState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(max(low, min(high, LINE_PAD_PX * scale)))
    canvas.setLineCap(1)  # round: a tap is a dot
    canvas.setLineJoin(1)
    for path in signature.paths():
        pdf_path = canvas.beginPath()
        (x0, y0), rest = path[0], path[1:] or path[:1]
        pdf_path.moveTo(left + x0 * scale, bottom + (signature.height - y0) * scale)
        for px, py in rest:
            pdf_path.lineTo(left + px * scale, bottom + (signature.height - py) * scale)
        canvas.drawPath(pdf_path, stroke=1, fill=0)
    canvas.restoreState()


def _fit(signature: Drawable, x: float, y: float, w: float, h: float) -> tuple[float, float, float]:
    scale = min(w / signature.width, h / signature.height)
    left = x + (w - signature.width * scale) / 2
    bottom = y + (h - signature.height * scale) / 2
    return scale, left, bottom


class SignatureFlowable(Flowable):  # type: ignore[misc]
    """A box ``width`` × ``height`` points with the signature drawn in it."""

    def __init__(self, signature: Drawable, width: float, height: float) -> None:
        super().__init__()
        self.signature = signature
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw(self.canv, self.signature, 0, 0, self.width, self.height)


def flowable(signature: Drawable, width: float, height: float) -> Flowable:
    return SignatureFlowable(signature, width, height)
