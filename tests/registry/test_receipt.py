"""The citizen's PDF receipt: number, date and time, and the attached documents' SHA-256."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from finestreta.db import Database
from finestreta.documents.pdf.heading import CityHeading
from finestreta.i18n import catalogue, translator
from finestreta.registry import RegistryEntry
from finestreta.registry.receipt import (
    LANGUAGES,
    FollowUp,
    Verification,
    receipt_title,
    render_receipt,
)
from tests.conftest import need
from tests.registry.conftest import TZ, register_one

CITY = CityHeading(
    "Finestreta", "Ajuntament de Finestreta", "Plaça de la Vila, 1", ("NIF P0800000A",)
)
# As the receipt has always read (the texts moved from a dictionary to gettext).
TITLE_AND_INCOMING = {
    "ca": ("Justificant de registre", "Entrada"),
    "es": ("Justificante de registro", "Entrada"),
    "en": ("Registry receipt", "Incoming"),
}
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
    title, incoming = TITLE_AND_INCOMING[lang]
    expected = [
        "Ajuntament de Finestreta",
        "Plaça de la Vila, 1",
        "NIF P0800000A",
        title,
        entry.number_text,
        "05/03/2026 10:07:03",
        incoming,
        "Łukasz Ferrer i Puig",
        "NIE X1234567L",
        "Llicència d'obres menors",
        "Àrea d'Urbanisme",
        *(hashlib.sha256(content).hexdigest() for content in CONTENTS),
    ]
    assert pdf.startswith(b"%PDF-")
    assert [item for item in expected if item not in text] == []
    assert pages == 1
    assert receipt_title(lang) == title
    assert translator(lang, "documents")("Incoming") == incoming


def outgoing() -> RegistryEntry:
    return RegistryEntry(
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


VERIFICATION = Verification("A7K2-9QXZ-M4PD", "https://seu.example.cat/csv/A7K2-9QXZ-M4PD")


def test_an_outgoing_receipt_with_a_verification_code() -> None:
    pages, text = pdf_text(
        render_receipt(outgoing(), city=CITY, lang="es", tz=TZ, verification=VERIFICATION)
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


def test_the_printed_qr_code_decodes_to_the_verification_url(tmp_path: Path) -> None:
    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    need(shutil.which("zbarimg") is not None, "zbarimg (zbar-tools) is not installed")
    pdf = render_receipt(outgoing(), city=CITY, lang="ca", tz=TZ, verification=VERIFICATION)
    (tmp_path / "r.pdf").write_bytes(pdf)
    rendered = subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "r.pdf"), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "p-1.png")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert decoded.stdout.strip().splitlines() == [VERIFICATION.url]


def test_the_three_languages_have_the_same_labels() -> None:
    tables = {lang: catalogue(lang, "documents") for lang in LANGUAGES}
    assert tables["ca"] and tables["es"].keys() == tables["ca"].keys() == tables["en"].keys()
    assert [lang for lang, table in tables.items() if not all(table.values())] == []


@pytest.mark.parametrize(
    ("lang", "none_shown"),
    [("ca", "No se n'ha mostrat cap"), ("es", "No se ha mostrado ninguno"), ("en", "None shown")],
)
def test_a_submission_without_an_identity_document_and_a_follow_up(
    registry_db: Database, lang: str, none_shown: str
) -> None:
    """An anonymous complaint: no identity document; the case code and tracking page below."""
    entry = register_one(registry_db, party_name="Anònim", party_document=None)
    assert (entry.party_id_type, entry.party_id_number) == ("none", "")
    follow = FollowUp("Case code", "7K3M9Q-XD2RTP-4HWZN1", "Follow it at", "https://x.example/t")
    _pages, text = pdf_text(render_receipt(entry, city=CITY, lang=lang, tz=TZ, follow_up=follow))
    expected = [none_shown, "Case code", "7K3M9Q-XD2RTP-4HWZN1", "https://x.example/t"]
    assert [item for item in expected if item not in text] == []
