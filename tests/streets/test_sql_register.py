"""The built-in register over its tables (SQLite and PostgreSQL): search, addresses,
cadastral references."""

from __future__ import annotations

import pytest
from stdnum.es import referenciacatastral

from finestreta.db import Database
from finestreta.errors import InvalidInput
from finestreta.streets.names import search_key
from finestreta.streets.port import SEARCH_LIMIT, StreetRegister
from finestreta.streets.records import StreetRow
from finestreta.streets.sql_register import SqlStreetRegister
from tests.streets.conftest import BLAI_REF, MALLORCA_REF


def names(register: SqlStreetRegister, text: str, limit: int = 10) -> list[str]:
    return [street.name for street in register.search(text, limit)]


def test_it_is_a_street_register(filled: Database) -> None:
    assert isinstance(SqlStreetRegister(filled.session), StreetRegister)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gran sant andreu", ["Carrer Gran de Sant Andreu"]),
        ("GRAN  Sant-Andreu", ["Carrer Gran de Sant Andreu"]),
        ("sant", ["Carrer de Sant Adrià", "Carrer Gran de Sant Andreu"]),
        ("sant adria", ["Carrer de Sant Adrià"]),
        ("SANT ADRIÀ", ["Carrer de Sant Adrià"]),
        ("gracia", ["Passeig de Gràcia"]),
        ("paral·lel", ["Avinguda del Paral·lel"]),
        ("parallel", ["Avinguda del Paral·lel"]),
        ("mall", ["Carrer de Mallorca"]),
        ("allorca", []),  # a prefix of a word, not any part of it
        ("carrer mallorca", ["Carrer de Mallorca"]),
        ("sant mallorca", []),  # every word must match
        ("", []),
        ("  '  ", []),
        ("100%", []),  # no LIKE wildcard reaches the database
    ],
)
def test_search_ignores_case_and_accents_and_matches_word_prefixes(
    filled: Database, text: str, expected: list[str]
) -> None:
    assert names(SqlStreetRegister(filled.session), text) == expected


def test_search_keeps_to_its_limit(filled: Database) -> None:
    register = SqlStreetRegister(filled.session)
    assert len(names(register, "carrer")) == 3
    assert names(register, "carrer", limit=2) == ["Carrer de Mallorca", "Carrer de Sant Adrià"]
    assert names(register, "carrer", limit=0) == []


def test_search_never_returns_more_than_its_cap(db: Database) -> None:
    with db.session() as session:
        for n in range(SEARCH_LIMIT + 5):
            name = f"Carrer Nou {n:03d}"
            session.add(
                StreetRow(
                    code=f"N{n}",
                    kind="carrer",
                    name=name,
                    district="X",
                    search_key=search_key(name),
                )
            )
    assert len(SqlStreetRegister(db.session).search("nou", limit=1000)) == SEARCH_LIMIT


def test_street_by_code(filled: Database) -> None:
    register = SqlStreetRegister(filled.session)
    street = register.street("S2")
    assert street is not None
    assert (street.kind, street.name, street.district) == (
        "carrer",
        "Carrer de Sant Adrià",
        "Sant Andreu",
    )
    assert register.street("nope") is None


def test_address_by_street_and_number(filled: Database) -> None:
    register = SqlStreetRegister(filled.session)
    building = register.address("M1", "401")
    assert building is not None
    assert (building.floor, building.door, building.cadastral_reference) == ("", "", None)
    assert building.label == "Carrer de Mallorca 401"
    flat = register.address("M1", " 401 ", floor="3r", door="2a")
    assert flat is not None
    assert flat.cadastral_reference == MALLORCA_REF
    assert flat.label == "Carrer de Mallorca 401, 3r 2a"
    assert flat.postcode == "08013" and not flat.catalogued
    assert register.address("M1", "403") is None
    assert register.address("S1", "401") is None  # another street


def test_numbers_are_compared_in_their_canonical_form(filled: Database) -> None:
    register = SqlStreetRegister(filled.session)
    protected = register.address("G1", "92 BIS")
    assert protected is not None and protected.catalogued
    assert register.address("P1", "120 - 122") is not None
    assert register.address("P1", "120") is None


@pytest.mark.parametrize("number", ["", "twelve", "12-", "-3", "12345", "12 quinquies"])
def test_a_number_that_cannot_be_one_is_a_declared_error(filled: Database, number: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SqlStreetRegister(filled.session).address("M1", number)
    assert caught.value.code == "invalid_street_number"


def test_address_by_cadastral_reference(filled: Database) -> None:
    register = SqlStreetRegister(filled.session)
    found = register.by_cadastral(" " + MALLORCA_REF.lower()[:10] + " " + MALLORCA_REF[10:])
    assert found is not None
    assert (found.street.code, found.number, found.floor, found.door) == ("M1", "401", "3r", "2a")
    other = BLAI_REF[:17] + ("1" if BLAI_REF[17] != "1" else "2")
    unknown = other[:18] + referenciacatastral.calc_check_digits(other[:18])
    assert register.by_cadastral(unknown) is None


@pytest.mark.parametrize(
    "reference",
    [
        "",
        MALLORCA_REF[:14],  # a parcel names a plot, not the property
        MALLORCA_REF[:18] + ("AA" if MALLORCA_REF[18:] != "AA" else "BB"),
        MALLORCA_REF + "X",
    ],
)
def test_a_malformed_cadastral_reference_is_a_declared_error(
    filled: Database, reference: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        SqlStreetRegister(filled.session).by_cadastral(reference)
    assert caught.value.code == "invalid_cadastral_reference"
