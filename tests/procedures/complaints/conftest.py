"""Cases are stored through the procedures' ``db`` fixture (a migrated, empty SQLite copy or
PostgreSQL schema: tests/api/conftest.py), with the demo street register imported."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from finestreta.db import Database
from finestreta.procedures.complaints.cases import (
    AddressLocation,
    Case,
    Contact,
    DescribedPlace,
    Location,
    open_case,
)
from finestreta.procedures.complaints.settings import ComplaintsSettings
from finestreta.streets import SqlStreetRegister
from finestreta.streets.synthetic import seed_demo
from tests.procedures.complaints.smtp import inbox  # noqa: F401  (a fixture, found here)

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Barcelona
MALLORCA_401 = AddressLocation("D001", "401")  # demo streets: D001 is Carrer de Mallorca
BENCH = DescribedPlace("The bench by the fountain in Plaça del Sol")
NURIA = Contact(email="nuria.puig@example.cat", phone="+34 612 345 678", name="Núria Puig")


@pytest.fixture
def streets(db: Database) -> SqlStreetRegister:
    with db.session() as session:
        seed_demo(session)
    return SqlStreetRegister(db.session)


@pytest.fixture
def open_one(db: Database, streets: SqlStreetRegister) -> Any:
    """Open a case (committed) with defaults each test may change."""

    def open_one(**changes: Any) -> Case:
        location: Location = changes.pop("location", MALLORCA_401)
        fields: dict[str, Any] = {
            "case_type": "complaint",
            "theme": "street_cleaning",
            "description": "The bins in front of the school have not been emptied for a week.",
            "contact": NURIA,
            "language": "ca",
            "registry_code": "E/2026/0000042",
            "call_id": "c" * 32,
            "now": NOW,
            **changes,
        }
        with db.session() as session:
            return open_case(
                session,
                location=location,
                streets=streets,
                settings=ComplaintsSettings(_env_file=None),
                **fields,
            )

    return open_one
