"""Shared pieces of the document tests: sample volants, a demo seal made once, rendered and
sealed PDFs made once, and pdftoppm/pdfsig/zbarimg helpers."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from finestreta.db import Database
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.seal import Seal, make_demo_seal, seal_from_objects
from finestreta.migrate import upgrade
from finestreta.procedures.census.eligibility import CertificateKind
from finestreta.procedures.census.volant import (
    CertificateData,
    CertifiedAddress,
    CertifiedPerson,
    Requester,
    render_certificate,
)
from tests.conftest import postgres_schema

TZ = "Europe/Madrid"
CODE = "7K3M9Q-XD2RTP-4HWZN4"  # any text: the renderer does not check it
URL = f"https://oac.example.cat/verify/{CODE}"
CITY = CityHeading(
    "Barcelona",
    "Ajuntament de Barcelona",
    "Plaça de Sant Jaume, 1 · 08002 Barcelona",
    ("NIF P0801900B · www.barcelona.cat",),
)
PERSONS = (
    CertifiedPerson(
        "Núria",
        "Puig i Ferrer",
        "dni",
        "12345678Z",
        date(1980, 5, 17),
        "Barcelona",
        "Espanya",
        date(2015, 3, 2),
    ),
    CertifiedPerson(
        "Łukasz",
        "Kowalski",
        "nie",
        "X1234567L",
        date(1978, 11, 3),
        "Kraków (Polònia)",
        "Polònia",
        date(2016, 9, 12),
    ),
    CertifiedPerson(
        "Aina",
        "Kowalski Puig",
        "dni",
        "87654321X",
        date(2012, 1, 30),
        "Barcelona",
        "Espanya",
        date(2012, 2, 10),
    ),
    CertifiedPerson(
        "Pau",
        "Kowalski Puig",
        "passport",
        "PAB123456",
        date(2016, 7, 4),
        "Barcelona",
        "Espanya",
        date(2016, 7, 20),
    ),
)
ADDRESS = CertifiedAddress("Carrer de Mallorca, 401, 3r 2a", "08013", "Barcelona", "Eixample")
REQUESTER = Requester("Núria Puig i Ferrer", "dni", "12345678Z")
ISSUED_AT = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)  # 10:07:03 CET


def make_data(
    kind: CertificateKind | str = CertificateKind.HOUSEHOLD, lang: str = "ca", **changes: Any
) -> CertificateData:
    kind = CertificateKind(kind)
    data = CertificateData(
        kind=kind,
        persons=PERSONS if kind is CertificateKind.HOUSEHOLD else PERSONS[:1],
        address=ADDRESS,
        requester=REQUESTER,
        issued_at=ISSUED_AT,
        registry_number="2026/0000042",
        verification_code=CODE,
        verify_url=URL,
        city=CITY,
        lang=lang,
        tz=TZ,
    )
    return replace(data, **changes) if changes else data


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


# pypdf types what a PDF dictionary holds as PdfObject: these say (and check) what it is.


def pdf_dict(value: object) -> DictionaryObject:
    """A PDF dictionary (an indirect reference is followed)."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    assert isinstance(value, DictionaryObject), f"not a PDF dictionary: {value!r}"
    return value


def pdf_array(value: object) -> ArrayObject:
    """A PDF array (an indirect reference is followed)."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    assert isinstance(value, ArrayObject), f"not a PDF array: {value!r}"
    return value


def pdf_stream(value: object) -> StreamObject:
    """A PDF stream (an indirect reference is followed)."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    assert isinstance(value, StreamObject), f"not a PDF stream: {value!r}"
    return value


def pdf_str(value: object) -> str:
    """A PDF name or text string."""
    assert isinstance(value, str), f"not a PDF name or string: {value!r}"
    return value


def pdf_int(value: object) -> int:
    """A PDF integer."""
    assert isinstance(value, int), f"not a PDF integer: {value!r}"
    return value


def page_fonts(reader: PdfReader) -> list[DictionaryObject]:
    """The font dictionaries of every page's resources."""
    return [
        pdf_dict(font)
        for page in reader.pages
        for font in pdf_dict(pdf_dict(page["/Resources"])["/Font"]).values()
    ]


def tool(name: str) -> str | None:
    return shutil.which(name)


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="session")
def seal() -> Seal:
    """A self-signed demo seal (the default key type), made once."""
    key, certificate = make_demo_seal("Barcelona")
    return seal_from_objects(key, certificate)


@pytest.fixture(scope="session")
def household_pdf() -> bytes:
    return render_certificate(make_data())


@pytest.fixture(scope="session")
def sealed_pdf(household_pdf: bytes, seal: Seal) -> bytes:
    return seal.sign(household_pdf, reason="Volant de convivència", location="Barcelona")


@pytest.fixture
def sealed_file(sealed_pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed_pdf)
    return path


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def documents_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """One migrated database per backend for these tests (registry entries cannot be deleted:
    each test numbers in a registry of its own, see ``registry``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('documents') / 'documents.db'}"
        upgrade(url)
        database = Database(url)
        yield database
        database.dispose()
        return
    with postgres_schema("d") as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture
def registry(request: pytest.FixtureRequest) -> str:
    """A registry name of this test's own (its numbers start at 1)."""
    return "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
