"""Street register tests use the root ``db`` fixture (SQLite and PostgreSQL) over a faster
``database_url``, as the padró tests do: the schema is migrated once per session and each test
starts from empty street tables (a copied SQLite file; truncated tables in a PostgreSQL schema
of our own)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from finestreta.db import Database
from finestreta.streets.importer import COLUMNS, import_csv
from finestreta.streets.synthetic import cadastral_reference
from tests.conftest import copy_of, migrated_sqlite, postgres_schema

EMPTIED = ("street_addresses", "streets", "office_hours")


@pytest.fixture(scope="session")
def streets_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite(tmp_path_factory.mktemp("streets") / "template.db")


@pytest.fixture(scope="session")
def streets_postgres() -> Iterator[tuple[str, Engine]]:
    with postgres_schema("s") as url:
        engine = create_engine(url)
        yield url, engine
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with empty street tables (same contract as the root fixture)."""
    if request.param == "sqlite":
        return copy_of(request.getfixturevalue("streets_sqlite_template"), tmp_path)
    url, engine = request.getfixturevalue("streets_postgres")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(EMPTIED)} RESTART IDENTITY"))
    return str(url)


MALLORCA_REF = cadastral_reference("0758218DF3805H0012")
BLAI_REF = cadastral_reference("0915807DF2801E0004")


def row(code: str, kind: str, name: str, number: str, **overrides: str) -> dict[str, str]:
    values = {
        "street_code": code,
        "street_kind": kind,
        "street_name": name,
        "district": "Eixample",
        "number": number,
        "floor": "",
        "door": "",
        "postcode": "08013",
        "cadastral_reference": "",
        "catalogued": "no",
    }
    values.update(overrides)
    return values


def sample() -> list[dict[str, str]]:
    """Six addresses on five streets (lines 2–7 of the file)."""
    return [
        row("M1", "carrer", "Carrer de Mallorca", "401"),
        row("M1", "carrer", "Carrer de Mallorca", "401", floor="3r", door="2a",
            cadastral_reference=MALLORCA_REF),
        row("S1", "carrer", "Carrer Gran de Sant Andreu", "210", district="Sant Andreu",
            postcode="08030"),
        row("S2", "carrer", "Carrer de Sant Adrià", "12", district="Sant Andreu",
            postcode="08030"),
        row("P1", "avinguda", "Avinguda del Paral·lel", "120-122", district="Sants-Montjuïc",
            postcode="08004"),
        row("G1", "passeig", "Passeig de Gràcia", "92 bis", catalogued="yes",
            cadastral_reference=BLAI_REF),
    ]  # fmt: skip


def write_rows(
    path: Path,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    columns: tuple[str, ...] = COLUMNS,
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=columns, delimiter=delimiter, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def filled(db: Database, tmp_path: Path) -> Database:
    """The database with :func:`sample` imported."""
    with db.session() as session:
        report = import_csv(session, write_rows(tmp_path / "streets.csv", sample()))
    assert report.ok, report.errors
    return db
