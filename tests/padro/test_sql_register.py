"""The built-in register over its tables (SQLite and PostgreSQL): statuses, households,
history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from finestreta.db import Database
from finestreta.padro.identity import DocumentType, IdDocument
from finestreta.padro.model import AddressKind, EndReason, Sex, Status
from finestreta.padro.port import NotRegistered, PopulationRegister, UnknownPerson
from finestreta.padro.records import AddressRow, PersonRow, RegistrationRow
from finestreta.padro.sql_register import SqlPopulationRegister


def add_person(db: Database, number: str, name: str, born: date) -> int:
    with db.session() as session:
        row = PersonRow(
            document_type="dni",
            document_number=number,
            given_name=name,
            surnames="Test Test",
            sex="female",
            birth_date=born,
            birth_place="Barcelona",
            nationality="Spain",
        )
        session.add(row)
        session.flush()
        return row.id


def add_address(db: Database, street: str, kind: str = "dwelling") -> int:
    with db.session() as session:
        row = AddressRow(
            street=street, number="1", floor="", door="", postcode="08001",
            district="Ciutat Vella", kind=kind,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def stay(
    db: Database,
    person: int,
    address: int,
    since: date,
    until: date | None = None,
    end: EndReason | None = None,
) -> None:
    with db.session() as session:
        session.add(
            RegistrationRow(
                person_id=person,
                address_id=address,
                from_date=since,
                to_date=until,
                reason="import",
                end_reason=end.value if end else None,
            )
        )


def dni(number: str) -> IdDocument:
    return IdDocument(DocumentType.DNI, number)


def test_households_and_history(db: Database) -> None:
    old_flat, flat, other = (
        add_address(db, "Carrer A"),
        add_address(db, "Carrer B"),
        add_address(db, "Carrer C"),
    )
    anna = add_person(db, "11111111H", "Anna", date(1980, 1, 1))
    biel = add_person(db, "22222222J", "Biel", date(2015, 5, 5))
    carla = add_person(db, "33333333P", "Carla", date(1975, 3, 3))  # left the flat for Carrer C
    stay(db, anna, old_flat, date(2001, 1, 1), date(2010, 6, 1), EndReason.CHANGE_OF_ADDRESS)
    stay(db, anna, flat, date(2010, 6, 1))
    stay(db, biel, flat, date(2015, 5, 5))
    stay(db, carla, flat, date(2009, 1, 1), date(2020, 1, 1), EndReason.CHANGE_OF_ADDRESS)
    stay(db, carla, other, date(2020, 1, 1))
    register = SqlPopulationRegister(db.session)

    household = register.household(str(biel))
    assert household.address.street == "Carrer B"
    assert household.address.kind is AddressKind.DWELLING
    assert [(m.person.given_name, m.registered_since) for m in household.members] == [
        ("Anna", date(2010, 6, 1)),
        ("Biel", date(2015, 5, 5)),
    ]
    assert household.person_ids() == {str(anna), str(biel)}
    assert [m.person.given_name for m in register.household(str(carla)).members] == ["Carla"]

    history = register.history(str(anna))
    assert [(h.address.street, h.since, h.until, h.is_open) for h in history] == [
        ("Carrer A", date(2001, 1, 1), date(2010, 6, 1), False),
        ("Carrer B", date(2010, 6, 1), None, True),
    ]
    found = register.find(dni("11111111H"))
    assert found.status is Status.REGISTERED
    assert found.person is not None and found.person.sex is Sex.FEMALE
    assert found.address is not None and found.address.street == "Carrer B"
    assert found.registered_since == date(2010, 6, 1)
    assert register.person(str(biel)).age_on(date(2026, 5, 4)) == 10


def test_statuses(db: Database) -> None:
    flat = add_address(db, "Carrer D")
    moved = add_person(db, "55555555K", "Dídac", date(1990, 1, 1))
    dead = add_person(db, "44444444A", "Elvira", date(1930, 1, 1))
    add_person(db, "66666666Q", "Ferran", date(1990, 1, 1))  # in the table, never registered
    stay(db, moved, flat, date(2015, 1, 1), date(2024, 3, 1), EndReason.MOVED_OUT)
    stay(db, dead, flat, date(1990, 1, 1), date(2025, 7, 7), EndReason.DECEASED)
    register = SqlPopulationRegister(db.session)

    gone = register.find(dni("55555555K"))
    assert (gone.status, gone.moved_out_on, gone.ended_on) == (
        Status.MOVED_OUT,
        date(2024, 3, 1),
        date(2024, 3, 1),
    )
    assert gone.address is not None and gone.address.street == "Carrer D"
    died = register.find(dni("44444444A"))
    assert (died.status, died.ended_on, died.moved_out_on) == (
        Status.DECEASED,
        date(2025, 7, 7),
        None,
    )
    assert register.find(dni("66666666Q")).status is Status.NOT_FOUND
    nobody = register.find(dni("12345678Z"))
    assert (nobody.status, nobody.person, nobody.found) == (Status.NOT_FOUND, None, False)

    with pytest.raises(NotRegistered):
        register.household(str(moved))
    with pytest.raises(UnknownPerson):
        register.household("999999")
    with pytest.raises(UnknownPerson):
        register.history("not-a-number")
    with pytest.raises(UnknownPerson):
        register.person("0")


def test_the_register_is_the_port_and_documents_are_unique(db: Database) -> None:
    assert isinstance(SqlPopulationRegister(db.session), PopulationRegister)
    add_person(db, "11111111H", "Anna", date(1980, 1, 1))
    with pytest.raises(IntegrityError):
        add_person(db, "11111111H", "Anna bis", date(1980, 1, 1))
