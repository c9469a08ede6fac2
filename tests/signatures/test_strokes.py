"""The pad's payload is checked before anything is kept: each bad input gets its code."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import pytest

from finestreta.errors import FinestretaError
from finestreta.signatures import Signature, parse, simplify
from finestreta.signatures.strokes import MAX_POINTS, MAX_STROKES, Point, Stroke, _distance
from tests.signatures.conftest import pad, scribble

NAN = float("nan")


def refused(payload: Any) -> str:
    with pytest.raises(FinestretaError) as caught:
        parse(payload)
    return caught.value.code


def test_a_signature_is_parsed_with_its_points() -> None:
    signature = parse(pad([scribble(40), scribble(10, t0=900, y=60)]))
    assert signature.width == 600 and signature.height == 240
    assert [len(s.points) for s in signature.strokes] == [40, 10]
    assert signature.strokes[1].points[0] == Point(50.0, 60.0, 900.0, 0.4)
    assert signature.ink() > 900  # two strokes across the pad, waving


def test_pressure_may_be_left_out() -> None:
    signature = parse(pad([[[10, 10, 0], [200, 100, 30]]]))
    assert {p.pressure for p in signature.strokes[0].points} == {0.5}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        # 100,000 points (in one stroke, and spread over strokes) are refused unread
        (pad([[[10, 10, 0, 0.5]] * 100_000]), "signature_too_large"),
        (pad([scribble(50)] * 2000), "signature_too_large"),
        (pad([[[10, 10, 0]]] * (MAX_STROKES + 1)), "signature_too_large"),
        # none: no strokes, empty strokes, a tap, a tiny tick
        (pad([]), "signature_empty"),
        (pad([[], []]), "signature_empty"),
        (pad([[[300, 120, 0, 0.5]]]), "signature_empty"),
        (pad([[[300, 120, 0], [305, 121, 16]]]), "signature_empty"),
        # outside the pad, beyond the tolerance of a finger lifted at the edge
        (pad([[[10, 10, 0], [700, 100, 16]]]), "signature_outside_pad"),
        (pad([[[10, 10, 0], [100, -20, 16]]]), "signature_outside_pad"),
        # not numbers, or not finite
        (pad([[[10, NAN, 0], [200, 100, 16]]]), "signature_malformed"),
        (pad([[[10, 10, 0], [math.inf, 100, 16]]]), "signature_malformed"),
        (pad([[[10, 10, 0], [200, 100, NAN]]]), "signature_malformed"),
        (pad([[[10, 10, 0], [200, "100", 16]]]), "signature_malformed"),
        (pad([[[10, 10, 0], [200, True, 16]]]), "signature_malformed"),
        (pad([[[10, 10], [200, 100]]]), "signature_malformed"),
        (pad([[[10, 10, 0, 1.5], [200, 100, 16]]]), "signature_malformed"),
        (pad([[[10, 10, -1], [200, 100, 16]]]), "signature_malformed"),
        # time going backwards within a stroke
        (pad([[[10, 10, 50], [200, 100, 16]]]), "signature_malformed"),
        # the pad itself
        (pad([scribble()], width=50), "signature_malformed"),
        (pad([scribble()], width=NAN), "signature_malformed"),
        (pad([scribble()], height=10_000), "signature_malformed"),
        ({"width": 600, "height": 240}, "signature_malformed"),
        ({**pad([scribble()]), "extra": 1}, "signature_malformed"),
        (pad({"0": scribble()}), "signature_malformed"),
        ([scribble()], "signature_malformed"),
        (None, "signature_malformed"),
    ],
)
def test_bad_input_gets_its_code(payload: Any, code: str) -> None:
    assert refused(payload) == code


def test_the_limits_hold_at_the_edge() -> None:
    exactly = pad([scribble(MAX_POINTS // 2), scribble(MAX_POINTS // 2, t0=10_000)])
    assert parse(exactly).point_count() == MAX_POINTS
    over = pad([scribble(MAX_POINTS // 2), scribble(MAX_POINTS // 2 + 1, t0=10_000)])
    assert refused(over) == "signature_too_large"
    # a few pixels past the edge (a finger lifted off the pad) are taken
    assert parse(pad([[[-5, 244, 0], [605, 0, 16]]])).point_count() == 2


def test_too_large_says_the_limits() -> None:
    with pytest.raises(FinestretaError) as caught:
        parse(pad([[[10, 10, 0]] * 100_000]))
    assert caught.value.details == {"max_strokes": MAX_STROKES, "max_points": MAX_POINTS}


def test_payload_round_trip() -> None:
    signature = parse(pad([scribble(12), scribble(7, t0=500, y=80)]))
    assert parse(signature.to_payload()) == signature


# ------------------------------------------------------------------------------ simplify


def line(points: int) -> Signature:
    stroke = Stroke(tuple(Point(10 + i, 20 + i / 2, i * 8.0, 0.5) for i in range(points)))
    return Signature((stroke,), 600, 240)


def test_a_straight_stroke_keeps_its_ends() -> None:
    simplified = simplify(line(300))
    assert simplified.strokes[0].points == (
        line(300).strokes[0].points[0],
        line(300).strokes[0].points[-1],
    )


def test_corners_are_kept_and_the_shape_stays_within_tolerance() -> None:
    signature = parse(pad([scribble(400)]))
    for tolerance in (0.5, 2.0):
        kept = simplify(signature, tolerance).strokes[0].points
        assert len(kept) < len(signature.strokes[0].points)
        # every point the pad sent lies within the tolerance of the simplified polyline
        for point in signature.strokes[0].points:
            nearest = min(_distance(point, a, b) for a, b in pairwise(kept))
            assert nearest <= tolerance + 1e-9
    # a zigzag's turning points survive: every point of the wave is a corner here
    zigzag = parse(pad([[[50 + 20 * i, 60 if i % 2 else 180, 16 * i] for i in range(20)]]))
    assert simplify(zigzag).point_count() == 20


def test_a_larger_tolerance_keeps_fewer_points_and_timing_stays_with_its_point() -> None:
    signature = parse(pad([scribble(400), [[100, 100, 9000]]]))
    fine, coarse = simplify(signature, 0.25), simplify(signature, 5.0)
    assert coarse.point_count() < fine.point_count() <= signature.point_count()
    originals = {(p.x, p.y): p for s in signature.strokes for p in s.points}
    assert all(originals[(p.x, p.y)] == p for s in coarse.strokes for p in s.points)
    assert coarse.strokes[1].points == signature.strokes[1].points  # a single dot stays
