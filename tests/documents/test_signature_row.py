"""The signature row and the signed-hash line every signed document ends with (the works notice
and the complaint form): empty box on the draft, the strokes as vector paths once signed, or
the oral-consent statement naming the official and the reason; in the document's language."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.signature import Signed, signature_row, signed_line
from finestreta.documents.pdf.styles import paragraph_styles
from finestreta.signatures import parse
from tests.signatures.conftest import pad, scribble

SHA = "ab" * 32
AT = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Madrid")


def page(signed: Signed | None, lang: str = "es") -> tuple[bytes, str]:
    styles = paragraph_styles(load_fonts())
    width = layout.WIDTH - 2 * layout.MARGINS.side - 2 * layout.FRAME_PADDING
    story = [
        signature_row(
            "Núria Puig",
            ["DNI 12345678Z"],
            signed,
            lang=lang,
            zone=ZONE,
            styles=styles,
            width=width,
        )
    ]
    if signed is not None:
        story.append(signed_line(signed, lang=lang, zone=ZONE, styles=styles))
    info = layout.document_info(title="t", author="a", subject="s", created=AT, lang=lang)
    pdf = layout.build(story, info, on_page=layout.footer("Test", str, y=12 * mm))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return pdf, text.replace("\n", "")


def test_the_draft_has_the_name_beside_an_empty_box() -> None:
    _, text = page(None)
    assert "Firmado por" in text and "Núria Puig" in text and "DNI 12345678Z" in text
    assert "Firma" in text and SHA not in text


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("ca", "SHA-256 del document signat"),
        ("es", "SHA-256 del documento firmado"),
        ("en", "Signed document SHA-256"),
    ],
)
def test_signed_the_strokes_are_drawn_and_the_hash_and_time_stated(lang: str, line: str) -> None:
    strokes = parse(pad([scribble(60, y=50)]))
    pdf, text = page(Signed(SHA, AT, signature=strokes), lang)
    assert f"{line}: {SHA}" in text
    assert "05/03/2026 10:07:03 CET" in text  # the time of signing, in the city's zone
    assert "consent" not in text and "Núria Puig" in text
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None and b" l\n" in content.get_data()  # vector line segments


def test_oral_consent_names_the_official_and_the_reason() -> None:
    _, text = page(Signed(SHA, AT, official="Anna Soler", reason="Mano escayolada"))
    assert "consentimiento oral ante Anna Soler" in text
    assert "Motivo: Mano escayolada" in text
    assert f"SHA-256 del documento firmado: {SHA}" in text
