"""Helpers of the taxes tests: a receipt to vary for the rules, CSV rows for the importer.

The database tests use the procedures' fixtures (``db`` over a migrated, empty SQLite copy or
PostgreSQL schema: tests/api/conftest.py)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from finestreta.procedures.taxes.importer import COLUMNS, OPTIONAL_COLUMNS
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.register import (
    ObjectKind,
    Receipt,
    ReceiptState,
    Tax,
    Taxpayer,
)

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
