"""The information sheet: one A4 page with the entry's texts, fonts embedded, read back."""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import need
from tests.documents.conftest import pdf_dict, run

from finestreta.catalogue import DEMO_CATALOGUE
from finestreta.catalogue.importer import EntryIn
from finestreta.catalogue.model import Entry, Texts
from finestreta.catalogue.sheet import render_info_sheet
from finestreta.documents.pdf.heading import CityHeading
from finestreta.i18n import translator

CITY = CityHeading("Barcelona", "Ajuntament de Barcelona", "Plaça de Sant Jaume, 1")
# The section headings as the sheet has always printed them (from a dictionary, now gettext).
HEADINGS = {
    "ca": ("Qui ho pot demanar", "Què necessiteu", "On i quan"),
    "es": ("Quién puede pedirlo", "Qué necesita", "Dónde y cuándo"),
    "en": ("Who can apply", "What you need", "Where and when"),
}
ENTRIES = {
    raw["slug"]: EntryIn.model_validate(raw).to_entry(datetime(2026, 1, 12, 12, tzinfo=UTC))
    for raw in json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))["entries"]
}


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def fonts_of(reader: PdfReader) -> dict[str, bool]:
    """Font name → embedded, for every font that shows text (reportlab also names Helvetica
    and Times in empty text blocks, setting up state: those print nothing)."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        fonts = pdf_dict(pdf_dict(page["/Resources"])["/Font"])
        content = page.get_contents()
        assert content is not None
        stream = content.get_data().decode("latin-1")
        for block in re.findall(r"BT(.*?)ET", stream, re.S):
            if "Tj" not in block and "TJ" not in block:
                continue
            for name in re.findall(r"(/F[^\s]+)\s+[\d.]+\s+Tf", block):
                font = pdf_dict(fonts[name])
                descriptor = font.get("/FontDescriptor")
                embedded = descriptor is not None and "/FontFile2" in pdf_dict(descriptor)
                found[str(font["/BaseFont"])] = embedded
    return found


@pytest.mark.parametrize(
    ("slug", "lang"),
    [("volant-padro-individual", "ca"), ("llicencia-obres-majors", "es"), ("targeta-rosa", "en")],
)
def test_the_sheet_shows_the_entry(slug: str, lang: str) -> None:
    entry = ENTRIES[slug]
    local = entry.localized(lang)
    pdf = render_info_sheet(entry, lang, CITY, printed_on=date(2026, 3, 5))
    reader, text = read(pdf)
    assert len(reader.pages) == 1
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4
    expected = [
        CITY.name,
        local.title,
        local.summary,
        local.who,
        *local.requirements,
        local.fees_text,
        local.where_when,
        *local.channel_labels(),
        *(link.label for link in local.links),
        *HEADINGS[lang],
        slug,
    ]
    missing = [part for part in expected if " ".join(part.split()) not in text]
    assert missing == []
    assert "2026" in text and reader.metadata is not None and reader.metadata.title == local.title
    embedded = fonts_of(reader)
    assert embedded and all(embedded.values()), embedded
    assert {name.split("+")[-1] for name in embedded} == {"DejaVuSans", "DejaVuSans-Bold"}


def test_a_long_entry_still_fits_on_one_page() -> None:
    entry = ENTRIES["alta-padro"]
    ca = entry.texts["ca"]
    long = replace(
        ca,
        requirements=tuple(f"{line} ({n})" for n in range(4) for line in ca.requirements),
        where_when=ca.where_when * 4,
    )
    pdf = render_info_sheet(replace(entry, texts={**entry.texts, "ca": long}), "ca", CITY)
    reader, text = read(pdf)
    assert len(reader.pages) == 1 and "(3)" in text


def test_missing_texts_are_printed_in_catalan() -> None:
    entry = ENTRIES["gual"]
    bare = Entry(
        entry.slug,
        entry.category,
        entry.channels,
        entry.free,
        {**entry.texts, "en": Texts("Driveway permit", "Vehicle access across the pavement.")},
        entry.updated_at,
    )
    _reader, text = read(render_info_sheet(bare, "en", CITY))
    assert "Driveway permit" in text and HEADINGS["en"][1] in text
    assert entry.texts["ca"].requirements[0] in text


def test_a_language_is_required() -> None:
    with pytest.raises(ValueError, match="lang must be one of ca, es, en"):
        render_info_sheet(ENTRIES["ibi"], "fr", CITY)


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_the_headings_come_from_the_documents_catalogue(lang: str) -> None:
    _ = translator(lang, "documents")
    assert (_("Who can apply"), _("What you need"), _("Where and when")) == HEADINGS[lang]


def test_the_qr_code_opens_the_first_web_link(tmp_path: Path) -> None:
    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    need(shutil.which("zbarimg") is not None, "zbarimg (zbar-tools) is not installed")
    entry = ENTRIES["volant-padro-individual"]
    first = entry.localized("es").links[0]
    assert first.url.startswith("https://")
    (tmp_path / "s.pdf").write_bytes(render_info_sheet(entry, "es", CITY))
    rendered = run("pdftoppm", "-png", "-r", "150", str(tmp_path / "s.pdf"), str(tmp_path / "p"))
    assert rendered.returncode == 0, rendered.stderr
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "p-1.png"))
    assert decoded.stdout.strip().splitlines() == [first.url]
