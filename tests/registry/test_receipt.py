"""The citizen's PDF receipt: number, date and time, and the attached documents' SHA-256."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from finestreta.db import Database
from finestreta.registry import RegistryEntry
from finestreta.registry.receipt import LABELS, CityHeading, Verification, render_receipt
from tests.registry.conftest import TZ, register_one

CITY = CityHeading("Ajuntament de Finestreta", ("Plaça de la Vila, 1", "NIF P0800000A"))
CONTENTS = [b"instancia", b"plano", b"dni"]
DOCUMENTS = [
    {
        "title": title,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content) * 1000,
        "media_type": "application/pdf",
    }
    for title, content in zip(["Instància", "Plànol de la reforma", "DNI"], CONTENTS, strict=True)
]


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_the_receipt_shows_the_number_and_the_hashes(
    registry_db: Database, registry: str, lang: str
) -> None:
    entry = register_one(
        registry_db,
        registry=registry,
        party_name="Łukasz Ferrer i Puig",
        party_document=("nie", "X1234567L"),
        subject="Llicència d'obres menors",
        destination_unit="Àrea d'Urbanisme",
        documents=DOCUMENTS,
        now=datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC),  # 10:07:03 in Madrid
    )
    pdf = render_receipt(entry, city=CITY, lang=lang, tz=TZ)
    pages, text = pdf_text(pdf)
    expected = [
        "Ajuntament de Finestreta",
        LABELS[lang]["title"],
        entry.number_text,
        "05/03/2026 10:07:03",
        LABELS[lang]["in"],
        "Łukasz Ferrer i Puig",
        "NIE X1234567L",
        "Llicència d'obres menors",
        "Àrea d'Urbanisme",
        *(hashlib.sha256(content).hexdigest() for content in CONTENTS),
    ]
    assert pdf.startswith(b"%PDF-")
    assert [item for item in expected if item not in text] == []
    assert pages == 1


def test_an_outgoing_receipt_with_a_verification_code() -> None:
    entry = RegistryEntry(
        registry_name="general",
        year=2026,
        number=1234,
        code="2026/0001234",
        direction="out",
        registered_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC),  # 14:00 in summer time
        party_name="Comerços Units SL",
        party_id_type="nif",
        party_id_number="B12345674",
        sending_body="Alcaldia",
        destination_unit="Comerços Units SL",
        subject="Resolució",
        summary="",
        call_id=None,
        created_by="system",
        documents=[],
    )
    verification = Verification("A7K2-9QXZ-M4PD", "https://seu.example.cat/csv/A7K2-9QXZ-M4PD")
    pages, text = pdf_text(
        render_receipt(entry, city=CITY, lang="es", tz=TZ, verification=verification)
    )
    expected = [
        "2026/0001234",
        "01/07/2026 14:00:00",
        "Salida",
        "Órgano remitente",
        "Alcaldia",
        "Ningún documento adjunto.",
        "A7K2-9QXZ-M4PD",
        "https://seu.example.cat/csv/A7K2-9QXZ-M4PD",
    ]
    assert [item for item in expected if item not in text] == []
    assert pages == 1


def test_an_unknown_language_is_refused() -> None:
    entry = RegistryEntry(direction="in", registered_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="lang must be one of ca, es, en, not 'fr'"):
        render_receipt(entry, city=CITY, lang="fr", tz=TZ)


def test_the_three_languages_have_the_same_labels() -> None:
    assert LABELS["es"].keys() == LABELS["ca"].keys() == LABELS["en"].keys()
    assert [lang for lang, labels in LABELS.items() if not all(labels.values())] == []
