"""Checking an image costs bounded memory: the decoded size is judged from the header, before
decoding, and only a few images are decoded at once."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from finestreta.documents.validation import (
    DecodeBudget,
    RejectedDocument,
    check,
)
from finestreta.errors import Unavailable

MiB = 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_rgba_png(width: int, height: int) -> bytes:
    """A valid RGBA PNG of transparent pixels, compressed row by row (never whole in memory):
    6300 × 6300 is ~150 KiB on disk and ~151 MiB decoded."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + width * 4)  # filter byte 0, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


PEAK = """
import resource, sys
from pathlib import Path
from finestreta.documents.validation import check, RejectedDocument
try:
    check(Path(sys.argv[1]).read_bytes(), 50 * 1024 * 1024)
    print("accepted", end=" ")
except RejectedDocument as exc:
    print(exc.code, end=" ")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


def _peak(path: Path) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1]) * 1024


def test_a_bomb_just_under_the_pixel_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb, small = tmp_path / "bomb.png", tmp_path / "small.png"
    bomb.write_bytes(blank_rgba_png(6300, 6300))
    small.write_bytes(blank_rgba_png(40, 30))
    assert bomb.stat().st_size < 300_000
    with pytest.raises(RejectedDocument) as refused:
        check(bomb.read_bytes(), 50 * MiB)
    assert refused.value.code == "too_many_pixels"
    assert refused.value.details["decoded_bytes"] == 6300 * 6300 * 4
    assert "MiB decoded" in refused.value.message
    # The process that checks it grows no more than for a tiny image (it was ~150 MiB more).
    outcome, peak = _peak(bomb)
    baseline_outcome, baseline = _peak(small)
    assert (outcome, baseline_outcome) == ("too_many_pixels", "accepted")
    assert peak - baseline < 16 * MiB, f"{(peak - baseline) / MiB:.0f} MiB more"


def test_the_budget_is_a_setting_of_its_own() -> None:
    image = io.BytesIO()
    Image.new("RGB", (1000, 1000), "white").save(image, "PNG")  # 2.9 MiB decoded
    assert check(image.getvalue(), 50 * MiB, DecodeBudget(max_bytes=3 * MiB)).width == 1000
    with pytest.raises(RejectedDocument) as refused:
        check(image.getvalue(), 50 * MiB, DecodeBudget(max_bytes=2 * MiB))
    assert refused.value.code == "too_many_pixels"


def test_decodes_past_the_limit_at_once_are_refused_as_busy_not_queued() -> None:
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(image, "PNG")
    budget = DecodeBudget(at_once=1, wait_s=0.05)
    with budget.slot(), pytest.raises(Unavailable) as busy:  # another upload is being decoded
        check(image.getvalue(), 50 * MiB, budget)
    assert busy.value.code == "decoding_busy"
    assert check(image.getvalue(), 50 * MiB, budget).media_type == "image/png"  # its turn
