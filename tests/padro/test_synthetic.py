"""The synthetic residents: deterministic, valid, importable, with the fixed demo people."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from finestreta.db import Database
from finestreta.padro.identity import DocumentType, IdDocument, parse_id
from finestreta.padro.importer import import_csv
from finestreta.padro.model import AddressKind, LookupResult, Status
from finestreta.padro.sql_register import SqlPopulationRegister
from finestreta.padro.synthetic import DEMO, DEMO_PEOPLE, generate, write_csv
from finestreta.procedures.census.eligibility import (
    CertificateKind,
    Request,
    decide,
    party,
    residents,
)

TODAY = date(2026, 11, 28)


def test_the_same_seed_gives_the_same_people(tmp_path: Path) -> None:
    assert generate(today=TODAY) == generate(today=TODAY)
    other = generate(seed=7, today=TODAY)
    assert other != generate(today=TODAY)
    assert other[: len(DEMO_PEOPLE)] == generate(today=TODAY)[: len(DEMO_PEOPLE)]
    write_csv(tmp_path / "a.csv", today=TODAY)
    write_csv(tmp_path / "b.csv", today=TODAY)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_few_hundred_valid_residents_in_households() -> None:
    rows = generate(today=TODAY)
    documents = [parse_id(r["document_type"], r["document_number"]) for r in rows]
    assert [d.number for d in documents] == [r["document_number"] for r in rows]
    assert len(set(documents)) == len(rows)
    assert 250 <= len(rows) <= 600
    addresses = Counter((r["street"], r["number"], r["floor"], r["door"]) for r in rows)
    assert Counter(addresses.values())[1] > 30  # people living alone
    assert max(addresses.values()) >= 9  # the care home
    assert sum(1 for r in rows if r["address_kind"] == "collective") >= 9
    assert sum(1 for r in rows if r["moved_out_on"]) >= 5
    assert sum(1 for r in rows if r["birth_date"] > "2008-11-28") >= 30  # minors
    assert {r["document_type"] for r in rows} == {"dni", "nie", "passport"}
    assert len({r["district"] for r in rows}) == 10


def find(register: SqlPopulationRegister, key: str) -> LookupResult:
    demo = DEMO[key]
    return register.find(IdDocument(DocumentType(demo.document_type), demo.document_number))


def test_the_rows_import_cleanly_with_the_demo_people(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "synthetic.csv"
    count = write_csv(path, today=TODAY)
    with db.session() as session:
        report = import_csv(session, path, today=TODAY)
    assert report.ok, report.errors[:5]
    assert report.persons_created == report.rows == count
    register = SqlPopulationRegister(db.session)

    for demo in DEMO_PEOPLE:
        result = find(register, demo.key)
        assert result.person is not None, demo.key
        assert (result.person.full_name, result.person.age_on(TODAY)) == (
            f"{demo.given_name} {demo.surnames}",
            demo.age,
        )

    marta = find(register, "family_adult")
    assert marta.person is not None
    family = register.household(marta.person.id)
    assert sorted(m.person.given_name for m in family.members) == ["Jordi", "Marta", "Pol"]
    me = party(marta, TODAY)
    household_request = Request(me, CertificateKind.HOUSEHOLD, residents=residents(family, TODAY))
    assert decide(household_request).code == "own_household"

    joan = find(register, "alone")
    assert joan.person is not None and len(register.household(joan.person.id).members) == 1

    montserrat = find(register, "care_home")
    assert montserrat.person is not None and montserrat.address is not None
    care_home = register.household(montserrat.person.id)
    assert care_home.address.kind is AddressKind.COLLECTIVE and len(care_home.members) >= 9
    refused = Request(
        party(montserrat, TODAY), CertificateKind.HOUSEHOLD, residents=residents(care_home, TODAY)
    )
    assert decide(refused).code == "collective_establishment"
    assert decide(Request(party(montserrat, TODAY), CertificateKind.RESIDENCE)).allowed

    alex = find(register, "moved_out")
    assert alex.status is Status.MOVED_OUT and alex.moved_out_on is not None
    assert decide(Request(party(alex, TODAY), CertificateKind.RESIDENCE)).code == "moved_out"

    laia = find(register, "sixteen")
    assert laia.person is not None
    laia_home = register.household(laia.person.id)
    assert sorted(m.person.given_name for m in laia_home.members) == ["Carme", "Laia"]
    assert decide(Request(party(laia, TODAY), CertificateKind.RESIDENCE)).code == "own_residence"
    too_young = Request(
        party(laia, TODAY), CertificateKind.HOUSEHOLD, residents=residents(laia_home, TODAY)
    )
    assert decide(too_young).code == "household_under_18"

    youssef, giulia = find(register, "flatmate_nie"), find(register, "flatmate_nie_2")
    flatmate = Request(party(youssef, TODAY), CertificateKind.RESIDENCE, party(giulia, TODAY))
    assert decide(flatmate).code == "same_address"
    assert find(register, "passport").status is Status.REGISTERED
