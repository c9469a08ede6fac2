"""JSON from untrusted peers (WebSocket frames, HTTP bodies), parsed with two rules the standard
library does not keep: nesting is at most :data:`MAX_DEPTH` deep (``json.loads`` recurses, and a
few thousand brackets raise ``RecursionError``), and numbers are finite (``NaN``, ``Infinity``
and overflowing literals like ``1e999`` are not JSON, and would be echoed back as invalid JSON).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32  # our frames and bodies nest 4 levels at most

# A whole JSON string (the text has parsed, so every string is closed: the match is linear).
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_BRACKETS = str.maketrans("[]{}", "()()")


class StrictJSONError(ValueError):
    """The text is not JSON we accept; the message says why."""


def _finite(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise StrictJSONError(f"number {literal[:20]!r} is out of range")
    return number


def _refuse_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not a JSON number")


def deeper_than(text: str, limit: int) -> bool:
    """Whether valid JSON ``text`` nests deeper than ``limit``: its brackets alone, with each
    pass removing the innermost pairs (C-speed string operations, at most ``limit`` passes)."""
    nesting = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_BRACKETS)
    for _ in range(limit):
        if not nesting:
            return False
        nesting = nesting.replace("()", "")
    return bool(nesting)


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses deep nesting and non-finite numbers (``StrictJSONError``, a
    ``ValueError`` like every other parse failure here)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise StrictJSONError("not UTF-8") from None
    too_deep = StrictJSONError(f"nested deeper than {max_depth} levels")
    try:
        # The C decoder checks the interpreter's recursion limit as it descends: a hostile
        # nesting ends in a clean RecursionError, never a crash.
        value = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError:
        raise too_deep from None
    if text.count("[") + text.count("{") > max_depth and deeper_than(text, max_depth):
        raise too_deep
    return value
