"""Sample data of the taxes documents, their text read back, and the document tests' seal and
databases (from tests/documents); a receipt to vary for the rules, CSV rows for the importer.

The register's database tests use the procedures' fixtures (``db`` over a migrated, empty SQLite
copy or PostgreSQL schema: tests/api/conftest.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from finestreta.documents.issuing import Issuance
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.procedures.taxes.cuaderno60 import Slip
from finestreta.procedures.taxes.importer import COLUMNS, OPTIONAL_COLUMNS
from finestreta.procedures.taxes.money import Cents, format_euros
from finestreta.procedures.taxes.printed import PaidLine, Party, TaxLine
from finestreta.procedures.taxes.register import (
    ObjectKind,
    Receipt,
    ReceiptState,
    Tax,
    Taxpayer,
)
from tests.documents.conftest import (  # noqa: F401  (fixtures, found here by pytest)
    documents_db,
    registry,
    seal,
)

TZ = "Europe/Madrid"
CITY = CityHeading(
    "Barcelona",
    "Ajuntament de Barcelona",
    "Plaça de Sant Jaume, 1 · 08002 Barcelona",
    ("NIF P0801900B · www.barcelona.cat",),
)
TAXPAYER = Party("Núria Puig i Ferrer", "nif", "12345678Z")
REPRESENTATIVE = Party("Gestoria Pla SL", "nif", "B12345674")
NOW = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)  # 10:07:03 CET
ISSUANCE = Issuance(
    "2026/0000042",
    "7K3M9Q-XD2RTP-4HWZN4",
    "https://oac.example.cat/verify/7K3M9Q-XD2RTP-4HWZN4",
    NOW,
)
IBI = TaxLine(
    "2026-IBI-0000123",
    "IBI",
    "9872023VH5797S0001WX",
    "2026",
    Cents(48120),
    Cents(0),
    Cents(0),
    Cents(48120),
)
IVTM = TaxLine(
    "2025-IVTM-0000456",
    "IVTM",
    "Vehicle 1234 BCD",
    "2025",
    Cents(14000),
    Cents(2800),
    Cents(312),
    Cents(17112),
)
DEADLINE = date(2026, 11, 20)
SLIP = Slip("080193", "0000012345", "100", 2026, DEADLINE, IBI.total)
PAID = (
    PaidLine(
        "2025-IBI-0000123",
        "IBI",
        "9872023VH5797S0001WX",
        "2025/1",
        date(2025, 6, 3),
        Cents(24060),
        "Domiciliació",
    ),
    PaidLine(
        "2025-IBI-0000124",
        "IBI",
        "9872023VH5797S0001WX",
        "2025/2",
        date(2025, 10, 1),
        Cents(24061),
        "Targeta a la cabina",
    ),
)


def flat_text(pdf: bytes) -> tuple[int, str]:
    """The number of pages and the text, white space (line breaks too) as single spaces:
    table cells wrap, so compare words, not lines."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def flat(text: str) -> str:
    return " ".join(text.split())


def euros(amount: int, lang: str) -> str:
    """An amount as the documents print it, read back (no-break spaces as spaces)."""
    return flat(format_euros(Cents(amount), lang))


@pytest.fixture
def documents(tmp_path: Path) -> Documents:
    return Documents(BlobStore(tmp_path / "blobs"), 30, 20 * 1024 * 1024)


TODAY = date(2026, 11, 28)
MARTA = Taxpayer("11111111H", "Marta Soler Puig")
# Valid per python-stdnum (the check letters are the published algorithm's).
MALLORCA_REF = "0758218DF3805H0012SH"
LANTEIRA_REF = "7837301VG8173B0001TT"  # python-stdnum's own example


def receipt(**changes: Any) -> Receipt:
    """Marta's IBI of 2026, pending, voluntary period 1 November – 31 December 2026."""
    base = Receipt(
        reference="2610000001",
        taxpayer=MARTA,
        tax=Tax.IBI,
        tax_code="100",
        year=2026,
        period="2026",
        object_kind=ObjectKind.PROPERTY,
        object_id=MALLORCA_REF,
        object_label="Carrer de Mallorca 401, 3r 2a",
        principal=Cents(45678),
        voluntary_from=date(2026, 11, 1),
        voluntary_until=date(2026, 12, 31),
        state=ReceiptState.PENDING,
    )
    return replace(base, **changes)


def row(reference: str = "2610000001", **changes: str) -> dict[str, str]:
    """A CSV row of a pending IBI receipt (every column, optional ones empty)."""
    values = {
        "reference": reference,
        "nif": "11111111H",
        "name": "Marta Soler Puig",
        "tax": "ibi",
        "tax_code": "100",
        "year": "2026",
        "period": "2026",
        "object_kind": "property",
        "object_id": MALLORCA_REF,
        "object_label": "Carrer de Mallorca 401, 3r 2a",
        "principal_cents": "45678",
        "voluntary_from": "2026-11-01",
        "voluntary_until": "2026-12-31",
        "state": "pending",
        **{name: "" for name in OPTIONAL_COLUMNS},
    }
    values.update(changes)
    return values


def write_rows(
    path: Path,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    columns: tuple[str, ...] | None = None,
) -> Path:
    names = columns or (*COLUMNS, *OPTIONAL_COLUMNS)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, delimiter=delimiter, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
