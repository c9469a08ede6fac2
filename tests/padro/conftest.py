"""Padró tests use the root ``db`` fixture (SQLite and PostgreSQL) over a faster
``database_url``: the schema is migrated once per session and each test starts from empty
padró tables (a copied SQLite file; truncated tables in a PostgreSQL schema of our own)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from finestreta.padro.importer import COLUMNS
from tests.conftest import copy_of, migrated_sqlite, postgres_schema

EMPTIED = (
    "padro_lookups",
    "padro_registrations",
    "padro_persons",
    "padro_addresses",
    "office_hours",
)


@pytest.fixture(scope="session")
def padro_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite(tmp_path_factory.mktemp("padro") / "template.db")


@pytest.fixture(scope="session")
def padro_postgres() -> Iterator[tuple[str, Engine]]:
    with postgres_schema("p") as url:
        engine = create_engine(url)
        yield url, engine
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with empty padró tables (same contract as the root fixture)."""
    if request.param == "sqlite":
        return copy_of(request.getfixturevalue("padro_sqlite_template"), tmp_path)
    url, engine = request.getfixturevalue("padro_postgres")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(EMPTIED)} RESTART IDENTITY"))
    return str(url)


# -- CSV helpers ------------------------------------------------------------------------------

TODAY = date(2026, 11, 28)
MALLORCA = {
    "street": "Carrer de Mallorca",
    "number": "401",
    "floor": "3r",
    "door": "2a",
    "postcode": "08013",
    "district": "Eixample",
    "address_kind": "dwelling",
}
VERDI = {**MALLORCA, "street": "Carrer de Verdi", "number": "55", "floor": "2n", "door": "1a",
         "postcode": "08012", "district": "Gràcia"}  # fmt: skip
CARE_HOME = {**MALLORCA, "street": "Carrer de Ganduxer", "number": "71", "floor": "", "door": "",
             "postcode": "08021", "district": "Sarrià-Sant Gervasi", "address_kind": "collective"}  # fmt: skip
POBLENOU = {**MALLORCA, "street": "Rambla del Poblenou", "number": "120", "floor": "1r",
            "door": "2a", "postcode": "08005", "district": "Sant Martí"}  # fmt: skip
BLAI = {**MALLORCA, "street": "Carrer de Blai", "number": "30", "floor": "1r", "door": "1a",
        "postcode": "08004", "district": "Sants-Montjuïc"}  # fmt: skip


def person(
    document: str,
    given_name: str,
    surnames: str,
    sex: str,
    birth_date: str,
    address: dict[str, str],
    registered_since: str,
    **overrides: str,
) -> dict[str, str]:
    row = {
        "document_type": "nie" if document[0] in "XYZ" else "dni",
        "document_number": document,
        "given_name": given_name,
        "surnames": surnames,
        "sex": sex,
        "birth_date": birth_date,
        "birth_place": "Barcelona",
        "nationality": "Spain",
        **address,
        "registered_since": registered_since,
        "moved_out_on": "",
    }
    row.update(overrides)
    return row


def sample() -> list[dict[str, str]]:
    """Eight people at five addresses (line numbers 2–9 in the file)."""
    return [
        person("11111111H", "Marta", "Soler Puig", "female", "1984-10-02", MALLORCA, "2014-11-28"),
        person("22222222J", "Jordi", "Vidal Roca", "male", "1982-09-30", MALLORCA, "2014-11-28"),
        person("77777777B", "Pol", "Vidal Soler", "male", "2017-10-02", MALLORCA, "2017-10-02"),
        person("33333333P", "Joan", "Martí Serra", "male", "1959-10-09", VERDI, "1999-11-28"),
        person("44444444A", "Montserrat", "Casals Ribas", "female", "1937-10-05", CARE_HOME,
               "2023-11-28"),
        person("00000000T", "Rosa", "Comas Vila", "female", "1931-02-11", CARE_HOME, "2022-03-01"),
        person("55555555K", "Àlex", "Roig Font", "male", "1991-10-05", POBLENOU, "2020-11-28",
               moved_out_on="2026-05-12"),
        person("X1234567L", "Youssef", "El Amrani", "male", "1995-10-02", BLAI, "2022-11-28",
               nationality="Morocco", birth_place="Tànger", document_type="nie"),
    ]  # fmt: skip


def write_rows(
    path: Path,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    columns: tuple[str, ...] | None = None,
    encoding: str = "utf-8",
) -> Path:
    names = columns or (tuple(rows[0]) if rows else COLUMNS)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, delimiter=delimiter, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
