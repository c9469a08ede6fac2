"""The PDF toolkit every layout is made with: one font policy (no DejaVu, no document), the city
heading from the settings, and a page of its parts read back as PDF/A."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from finestreta.catalogue import DEMO_CATALOGUE
from finestreta.catalogue.importer import EntryIn
from finestreta.catalogue.sheet import render_info_sheet
from finestreta.config import Settings
from finestreta.documents.pdf import fonts, layout
from finestreta.documents.pdf.fonts import FontsMissing, load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.issuance import issue_facts, verification_note, verify_page
from finestreta.documents.pdf.styles import para, paragraph_styles
from finestreta.procedures.census.volant import render_certificate
from finestreta.registry.receipt import Verification, render_receipt
from finestreta.registry.records import RegistryEntry
from tests.documents.conftest import (
    CODE,
    URL,
    make_data,
    page_fonts,
    pdf_array,
    pdf_dict,
    pdf_str,
    pdf_stream,
    pdf_text,
)

CITY = CityHeading(
    "Barcelona",
    "Ajuntament de Barcelona",
    "Plaça de Sant Jaume, 1 · 08002 Barcelona",
    ("NIF P0801900B",),
)
INSTALLED = fonts.FONT_DIRS
ISSUED_AT = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)


def notice(lang: str = "ca") -> bytes:
    """A document made of the toolkit's parts only: what a short layout looks like."""
    styles = paragraph_styles(load_fonts())
    story = [
        *heading_story(CITY, styles),
        para("Avís de prova", styles.title),
        issue_facts("2026/0000042", ISSUED_AT, lang, styles, 170 * mm),
        verification_note(CODE, URL, lang, styles),
    ]
    info = layout.document_info(
        title="Avís de prova", author=CITY.council, subject="Prova", created=ISSUED_AT, lang=lang
    )
    footer = layout.footer(f"{CITY.council} · CSV {CODE}", layout.page_numbers(lang))
    return layout.build(story, info, on_page=footer)


def receipt() -> bytes:
    entry = RegistryEntry(
        registry_name="general",
        year=2026,
        number=42,
        code="2026/0000042",
        direction="in",
        registered_at=ISSUED_AT,
        party_name="Łukasz Ferrer i Puig",
        party_id_type="nie",
        party_id_number="X1234567L",
        destination_unit="Àrea d'Urbanisme",
        subject="Llicència d'obres menors",
        documents=[],
    )
    return render_receipt(
        entry, city=CITY, lang="ca", tz="Europe/Madrid", verification=Verification(CODE, URL)
    )


def sheet() -> bytes:
    raw = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))["entries"][0]
    return render_info_sheet(EntryIn.model_validate(raw).to_entry(ISSUED_AT), "es", CITY)


LAYOUTS: dict[str, Callable[[], bytes]] = {
    "toolkit": notice,
    "volant": lambda: render_certificate(make_data()),
    "receipt": receipt,
    "information sheet": sheet,
}


@pytest.fixture
def no_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The font folders are an empty one, and the fonts are looked for again."""
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    load_fonts.cache_clear()
    yield
    monkeypatch.undo()
    load_fonts.cache_clear()


def test_without_dejavu_the_fonts_are_missing(no_fonts: None) -> None:
    with pytest.raises(FontsMissing, match="apt-get install fonts-dejavu-core"):
        load_fonts()


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_without_dejavu_no_layout_prints(name: str, no_fonts: None) -> None:
    """One policy: PDF/A needs embedded fonts, so no layout falls back to Helvetica."""
    with pytest.raises(FontsMissing):
        LAYOUTS[name]()


def test_the_fonts_are_found_again_once_installed(
    no_fonts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(FontsMissing):
        load_fonts()
    monkeypatch.setattr(fonts, "FONT_DIRS", (*fonts.FONT_DIRS, *INSTALLED))
    assert load_fonts() == fonts.Fonts("FinestretaSans", "FinestretaSans-Bold", "FinestretaMono")


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_a_page_of_the_toolkits_parts(lang: str) -> None:
    pdf = notice(lang)
    pages, text = pdf_text(pdf)
    flat = " ".join(text.split())
    expected = {
        "ca": ["Registre de sortida", "Data i hora d'emissió", "Pàgina 1"],
        "es": ["Registro de salida", "Fecha y hora de emisión", "Página 1"],
        "en": ["Outgoing registry number", "Date and time of issue", "Page 1"],
    }[lang]
    expected += [
        "Ajuntament de Barcelona",
        "Plaça de Sant Jaume, 1 · 08002 Barcelona",
        "2026/0000042",
        "05/03/2026 09:07:03 UTC",
        CODE,
        "https://oac.example.cat/verify",
    ]
    assert [item for item in expected if item not in flat] == []
    assert pages == 1
    reader = PdfReader(io.BytesIO(pdf))
    metadata = pdf_stream(pdf_dict(reader.trailer["/Root"])["/Metadata"])
    assert b"<pdfaid:part>2</pdfaid:part>" in metadata.get_data()
    fonts_used = page_fonts(reader)  # of its one page
    assert [
        f["/BaseFont"] for f in fonts_used if "/FontFile2" not in pdf_dict(f["/FontDescriptor"])
    ] == []
    assert b"/Helvetica" not in pdf


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_is_pdfa_with_its_fonts_embedded(name: str) -> None:
    pdf = LAYOUTS[name]()
    reader = PdfReader(io.BytesIO(pdf))
    root = pdf_dict(reader.trailer["/Root"])
    xmp = pdf_stream(root["/Metadata"])
    assert "/Filter" not in xmp and b"<pdfaid:part>2</pdfaid:part>" in xmp.get_data()
    assert pdf_str(pdf_dict(pdf_array(root["/OutputIntents"])[0])["/S"]) == "/GTS_PDFA1"
    fonts_used = page_fonts(reader)
    assert fonts_used
    assert [
        f["/BaseFont"] for f in fonts_used if "/FontFile2" not in pdf_dict(f["/FontDescriptor"])
    ] == []
    assert b"/Helvetica" not in pdf and b"/Courier" not in pdf
    assert pdf.startswith(b"%PDF-1.7\n%")


def test_the_verification_page_is_the_url_without_the_code() -> None:
    assert verify_page(URL, CODE) == "https://oac.example.cat/verify"
    assert verify_page(URL.replace("-", ""), CODE) == "https://oac.example.cat/verify"
    assert verify_page("https://elsewhere.example/", CODE) == "https://elsewhere.example/"


def test_the_council_is_named_or_made_of_the_city_name() -> None:
    """(The volant's tests check a whole heading from the settings, printed.)"""
    named = Settings(_env_file=None, city_name="Girona", city_council="Consell Comarcal")
    unnamed = Settings(_env_file=None, city_name="Girona", city_lines="")
    assert CityHeading.from_settings(named).council == "Consell Comarcal"
    assert CityHeading.from_settings(unnamed).council == "Ajuntament de Girona"
    assert CityHeading.from_settings(unnamed).details == ()
