"""A signature as the pad draws it: strokes of points, checked against the pad and kept small.

Pure: the payload is the JSON the booth sends over HTTP (strokes exceed the socket's frame
limit)::

    {"width": 600, "height": 240,
     "strokes": [[[x, y, t_ms, pressure], ...], ...]}

``x``/``y`` in pad pixels from the top-left corner, ``t_ms`` milliseconds since the pad was
first touched, ``pressure`` 0..1 (optional: Pointer Events report 0.5 for a mouse). Every
refusal is one of four declared codes, and nothing is half-parsed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from finestreta.errors import N_, InvalidInput, Malformed, TooLarge, declare

# A pad smaller than this cannot be signed by a person with a tremor; larger is not a screen.
MIN_PAD = 100
MAX_PAD = 4000
# Far above any real signature (a long one is ~1,500 points at 60 Hz), far below what would
# make the database or the PDF slow.
MAX_POINTS = 5000
MAX_STROKES = 200
# A finger lifted past the pad's edge still reports a few pixels outside it.
EDGE_TOLERANCE = 0.02
# Less ink than this (a fraction of the pad's shorter side) is a tap, not a signature.
MIN_INK = 0.1
DEFAULT_PRESSURE = 0.5

SIGNATURE_EMPTY = declare(
    "signature_empty",
    InvalidInput,
    N_("There is no signature: the pad is empty or has only a dot."),
    N_("Please sign in the box with your finger or the pen."),
)
SIGNATURE_TOO_LARGE = declare(
    "signature_too_large",
    TooLarge,
    N_("The signature has too many strokes or points to be kept."),
    N_("The signature is too long. Please clear it and sign again."),
)
SIGNATURE_OUTSIDE_PAD = declare(
    "signature_outside_pad",
    InvalidInput,
    N_("Part of the signature lies outside the signature box."),
    N_("Please sign inside the box."),
)
SIGNATURE_MALFORMED = declare(
    "signature_malformed",
    Malformed,
    N_("The booth sent a signature the server did not understand."),
)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    t_ms: float
    pressure: float


@dataclass(frozen=True)
class Stroke:
    points: tuple[Point, ...]

    def length(self) -> float:
        return sum(math.hypot(b.x - a.x, b.y - a.y) for a, b in pairwise(self.points))


@dataclass(frozen=True)
class Signature:
    strokes: tuple[Stroke, ...]
    width: int
    height: int

    def point_count(self) -> int:
        return sum(len(stroke.points) for stroke in self.strokes)

    def ink(self) -> float:
        """Total length of the strokes, in pad pixels."""
        return sum(stroke.length() for stroke in self.strokes)

    def paths(self) -> list[list[tuple[float, float]]]:
        """The vector data alone (what is kept in the clear and drawn)."""
        return [[(p.x, p.y) for p in stroke.points] for stroke in self.strokes]

    def timing(self) -> list[list[tuple[float, float]]]:
        """Time and pressure of every point, stroke by stroke (what is kept encrypted)."""
        return [[(p.t_ms, p.pressure) for p in stroke.points] for stroke in self.strokes]

    def to_payload(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "strokes": [[[p.x, p.y, p.t_ms, p.pressure] for p in s.points] for s in self.strokes],
        }


def parse(payload: object) -> Signature:
    """The signature in ``payload``, checked; raises a declared ``signature_*`` error."""
    if not isinstance(payload, dict) or set(payload) != {"width", "height", "strokes"}:
        raise SIGNATURE_MALFORMED("expected an object with width, height and strokes")
    width = _size(payload["width"], "width")
    height = _size(payload["height"], "height")
    raw = payload["strokes"]
    if not isinstance(raw, list) or not all(isinstance(s, list) for s in raw):
        raise SIGNATURE_MALFORMED("strokes: expected a list of lists of points")
    # Counted before anything is built: 100,000 points are refused without being read.
    total = sum(len(s) for s in raw)
    if len(raw) > MAX_STROKES or total > MAX_POINTS:
        raise SIGNATURE_TOO_LARGE(
            f"at most {MAX_STROKES} strokes and {MAX_POINTS} points, got {len(raw)} and {total}",
            {"max_strokes": MAX_STROKES, "max_points": MAX_POINTS},
        )
    margin_x, margin_y = width * EDGE_TOLERANCE, height * EDGE_TOLERANCE
    strokes: list[Stroke] = []
    for s, raw_stroke in enumerate(raw):
        points: list[Point] = []
        for raw_point in raw_stroke:
            point = _point(raw_point, s)
            if not (
                -margin_x <= point.x <= width + margin_x
                and -margin_y <= point.y <= height + margin_y
            ):
                raise SIGNATURE_OUTSIDE_PAD(
                    f"stroke {s}: point ({point.x}, {point.y}) is outside the {width}×{height} pad"
                )
            if points and point.t_ms < points[-1].t_ms:
                raise SIGNATURE_MALFORMED(f"stroke {s}: time goes backwards")
            points.append(point)
        if points:
            strokes.append(Stroke(tuple(points)))
    signature = Signature(tuple(strokes), width, height)
    if signature.ink() < MIN_INK * min(width, height):
        raise SIGNATURE_EMPTY(f"{signature.ink():.0f} px of ink on a {width}×{height} pad")
    return signature


def _size(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SIGNATURE_MALFORMED(f"{name}: expected a number of pixels, got {value!r}")
    if not MIN_PAD <= value <= MAX_PAD:
        raise SIGNATURE_MALFORMED(f"{name}: the pad is {MIN_PAD} to {MAX_PAD} px, not {value}")
    return round(value)


def _point(raw: object, stroke: int) -> Point:
    if not isinstance(raw, list) or len(raw) not in (3, 4):
        raise SIGNATURE_MALFORMED(f"stroke {stroke}: a point is [x, y, t_ms, pressure]")
    numbers: list[float] = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SIGNATURE_MALFORMED(f"stroke {stroke}: {value!r} is not a number")
        if not math.isfinite(value):
            raise SIGNATURE_MALFORMED(f"stroke {stroke}: {value!r} is not a finite number")
        numbers.append(float(value))
    x, y, t_ms = numbers[:3]
    pressure = numbers[3] if len(numbers) == 4 else DEFAULT_PRESSURE
    if t_ms < 0 or not 0 <= pressure <= 1:
        raise SIGNATURE_MALFORMED(f"stroke {stroke}: time ≥ 0 and pressure 0..1 expected")
    return Point(x, y, t_ms, pressure)


def simplify(signature: Signature, tolerance: float = 0.75) -> Signature:
    """The signature with the points that change its shape by less than ``tolerance`` pad
    pixels left out (Ramer–Douglas–Peucker, per stroke; ends always kept), so that the vector
    data kept and drawn is a fraction of what the pad sent."""
    return Signature(
        tuple(Stroke(_rdp(stroke.points, tolerance)) for stroke in signature.strokes),
        signature.width,
        signature.height,
    )


def _rdp(points: Sequence[Point], tolerance: float) -> tuple[Point, ...]:
    if len(points) < 3:
        return tuple(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    # An explicit stack: a long straight stroke would recurse as deep as it has points.
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = 0, -1.0
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return tuple(p for p, kept in zip(points, keep, strict=True) if kept)


def _distance(p: Point, a: Point, b: Point) -> float:
    """From ``p`` to the segment ``a``–``b``."""
    dx, dy = b.x - a.x, b.y - a.y
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(p.x - a.x, p.y - a.y)
    u = max(0.0, min(1.0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2))
    return math.hypot(p.x - (a.x + u * dx), p.y - (a.y + u * dy))
