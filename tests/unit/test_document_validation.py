"""Uploads are judged by their bytes: only PDF, PNG and JPEG, size-limited, images checked
against decompression bombs, PDFs parsed safely; a refused file leaves nothing behind."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from PIL import Image

from finestreta.documents.storage import BlobStore
from finestreta.documents.validation import RejectedDocument, check


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "hola")
    page.save()
    return buffer.getvalue()


def bomb_png(side: int = 20_000) -> bytes:
    """A tiny file that claims 400 million pixels (a decompression bomb)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side + 1) * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("content", "media_type"),
    [(png(), "image/png"), (jpeg(), "image/jpeg"), (pdf(), "application/pdf")],
)
def test_accepted_by_content(content: bytes, media_type: str) -> None:
    assert check(content, 10_000_000).media_type == media_type


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"GIF89a" + b"\x00" * 50, "unsupported_type"),
        (b"<html><script>alert(1)</script></html>", "unsupported_type"),
        (b"MZ\x90\x00 an executable renamed to .pdf", "unsupported_type"),
        (png()[:60], "corrupt"),
        (b"%PDF-1.7\nthis is not really a pdf", "corrupt"),
        (bomb_png(), "too_many_pixels"),
    ],
)
def test_refused_with_a_reason(content: bytes, code: str) -> None:
    with pytest.raises(RejectedDocument) as error:
        check(content, 10_000_000)
    assert error.value.code == code


def test_size_limit() -> None:
    with pytest.raises(RejectedDocument) as error:
        check(png(400, 400), 1024)
    assert error.value.code == "too_large"


def test_a_name_does_not_make_a_type() -> None:
    """The same PNG bytes are a PNG whatever they are called; text called .pdf is refused."""
    assert check(png(), 10_000_000).media_type == "image/png"
    with pytest.raises(RejectedDocument):
        check(b"just text, though the file was called volant.pdf", 10_000_000)


def test_blobs_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"content")
    assert store.get(digest) == b"content"
    assert store.put(b"content") == digest  # stored once
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".incoming-")]
    assert leftovers == []
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
