"""A signature is drawn into the PDF as vector paths, inside its box, as the citizen saw it."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from finestreta.signatures import Signature, draw, flowable, parse
from tests.conftest import need
from tests.signatures.conftest import pad, scribble

DPI = 144
PX = DPI / 72  # pixels per point
BOX = (100.0, 500.0, 200.0, 60.0)  # x, y (lower left), w, h in points


def signature() -> Signature:
    # a stroke along the top of the pad only: drawn flipped it would land at the box's bottom
    return parse(pad([scribble(60, y=50), [[300, 20, 2000], [550, 20, 2100]]]))


def drawn(sig: Signature) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    draw(canvas, sig, *BOX)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def raster(pdf: bytes, tmp_path: Path) -> Image.Image:
    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    (tmp_path / "s.pdf").write_bytes(pdf)
    done = subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", str(DPI), str(tmp_path / "s.pdf"), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return Image.open(next(tmp_path.glob("p-*1.png"))).convert("L")


def dark_pixels(image: Image.Image) -> list[tuple[int, int]]:
    width, _ = image.size
    return [(i % width, i // width) for i, value in enumerate(image.tobytes()) if value < 128]


def test_the_strokes_are_vector_paths() -> None:
    content = PdfReader(io.BytesIO(drawn(signature()))).pages[0].get_contents()
    assert content is not None
    operators = content.get_data().split()
    # one moveto per stroke, a lineto per further point, stroked; no image
    assert operators.count(b"m") == 2
    assert operators.count(b"l") >= 10 and b"S" in operators
    assert b"Do" not in operators and b"BI" not in operators


def test_the_ink_is_inside_the_box_and_upright(tmp_path: Path) -> None:
    image = raster(drawn(signature()), tmp_path)
    dark = dark_pixels(image)
    assert dark, "nothing was drawn"
    x, y, w, h = (v * PX for v in BOX)
    top, bottom = image.size[1] - (y + h), image.size[1] - y  # image rows grow downwards
    margin = 3 * PX
    inside = [
        (px, py)
        for px, py in dark
        if x - margin <= px <= x + w + margin and top - margin <= py <= bottom + margin
    ]
    assert inside == dark, f"{len(dark) - len(inside)} dark pixels outside the box"
    # aspect kept: the 600×240 pad fits the 200×60 pt box at 0.25 pt a pad pixel, centred;
    # its ink runs from pad x 50 to 550, so 125 pt wide (stretched to the box it would be 167)
    xs = [px for px, _ in dark]
    assert abs((max(xs) - min(xs)) - 125 * PX) <= margin
    assert abs((min(xs) + max(xs)) / 2 - (x + w / 2)) <= margin
    # upright: the pad's top (its ink spans pad y 10 to 90 of 240) is drawn at the box's top
    rows = [py for _, py in dark]
    assert min(rows) <= top + 5 * PX and max(rows) <= top + 30 * PX


def test_the_flowable_draws_in_a_story(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    story = [
        Paragraph("Signat per Anna Puig i Soler", getSampleStyleSheet()["Normal"]),
        flowable(signature(), 60 * mm, 24 * mm),
    ]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    image = raster(buffer.getvalue(), tmp_path)
    assert len(dark_pixels(image)) > 200
