"""The CSV importer: all or nothing, idempotent, history kept (SQLite and PostgreSQL)."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.padro.identity import DocumentType, IdDocument
from finestreta.padro.importer import COLUMNS, ImportReport, format_report, import_csv
from finestreta.padro.model import AddressKind, EndReason, Status
from finestreta.padro.records import AddressRow, PersonRow, RegistrationRow
from finestreta.padro.sql_register import SqlPopulationRegister
from tests.padro.conftest import BLAI, MALLORCA, TODAY, person, sample, write_rows


def dni(number: str) -> IdDocument:
    return IdDocument(DocumentType.DNI, number)


def load(db: Database, path: Path) -> ImportReport:
    with db.session() as session:
        return import_csv(session, path, today=TODAY)


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(PersonRow)) or 0,
            session.scalar(select(func.count()).select_from(AddressRow)) or 0,
            session.scalar(select(func.count()).select_from(RegistrationRow)) or 0,
        )


def test_a_good_file_gives_persons_and_households(db: Database, tmp_path: Path) -> None:
    report = load(db, write_rows(tmp_path / "padro.csv", sample()))
    assert report.ok, report.errors
    assert (report.rows, report.persons_created, report.addresses_created) == (8, 8, 5)
    assert report.registrations_opened == 8
    register = SqlPopulationRegister(db.session)

    marta = register.find(dni("11111111H"))
    assert marta.status is Status.REGISTERED and marta.person is not None
    assert marta.registered_since == date(2014, 11, 28)
    family = register.household(marta.person.id)
    assert [m.person.given_name for m in family.members] == ["Jordi", "Marta", "Pol"]
    assert family.address.one_line() == "Carrer de Mallorca, 401, 3r 2a, 08013"
    assert family.members[2].registered_since == date(2017, 10, 2)

    montserrat = register.find(dni("44444444A"))
    assert montserrat.person is not None
    care_home = register.household(montserrat.person.id)
    assert care_home.address.kind is AddressKind.COLLECTIVE and care_home.is_collective
    assert {m.person.surnames for m in care_home.members} == {"Casals Ribas", "Comas Vila"}

    joan = register.find(dni("33333333P"))
    assert joan.person is not None
    assert len(register.household(joan.person.id).members) == 1

    alex = register.find(dni("55555555K"))
    assert (alex.status, alex.moved_out_on) == (Status.MOVED_OUT, date(2026, 5, 12))
    youssef = register.find(IdDocument(DocumentType.NIE, "X1234567L"))
    assert youssef.person is not None and youssef.person.nationality == "Morocco"


def test_one_bad_row_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    rows = sample()
    rows[2]["document_number"] = "77777777A"  # line 4: the check letter is B
    report = load(db, write_rows(tmp_path / "padro.csv", rows))
    assert not report.ok
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (4, "document_number", "invalid_id")
    ]
    assert "should be B" in report.errors[0].message
    assert "line 4" in format_report(report) and "Nothing imported" in format_report(report)
    assert counts(db) == (0, 0, 0)


def test_every_bad_row_is_reported_with_its_line_and_reason(db: Database, tmp_path: Path) -> None:
    rows = sample()
    rows[0]["birth_date"] = "1984-13-02"  # line 2
    rows[1]["given_name"] = "  "  # line 3
    rows[1]["sex"] = "M"  # line 3 again: ambiguous, refused
    rows[2]["document_type"] = "driving_licence"  # line 4
    rows[3]["moved_out_on"] = "1990-01-01"  # line 5: before registered_since
    rows[5]["address_kind"] = "dwelling"  # line 7: the care home is collective on line 6
    rows[6]["registered_since"] = "2027-01-01"  # line 8: future (and after moved_out_on)
    rows[7].update(document_type="dni", document_number="11.111.111-h")  # line 9: as line 2
    report = load(db, write_rows(tmp_path / "padro.csv", rows))
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (2, "birth_date", "bad_date"),
        (3, "given_name", "missing_field"),
        (3, "sex", "bad_value"),
        (4, "document_type", "invalid_id"),
        (5, "moved_out_on", "date_order"),
        (7, "address_kind", "address_conflict"),
        (8, "registered_since", "date_order"),
        (8, "moved_out_on", "date_order"),
        (9, "document_number", "duplicate_document"),
    ]
    assert "line 2" in report.errors[-1].message
    assert counts(db) == (0, 0, 0)


def test_header_problems_stop_the_import(db: Database, tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "district"} | {"extra": "x"} for row in sample()]
    report = load(db, write_rows(tmp_path / "padro.csv", rows))
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (1, "district", "missing_column"),
        (1, "extra", "unknown_column"),
    ]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert [e.code for e in load(db, empty).errors] == ["empty_file"]
    assert counts(db) == (0, 0, 0)


def test_reimporting_the_same_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "padro.csv", sample())
    first = load(db, path)
    before = counts(db)
    second = load(db, path)
    assert first.ok and second.ok
    assert not second.changed
    assert (second.persons_unchanged, second.persons_created) == (8, 0)
    assert counts(db) == before == (8, 5, 8)


def test_corrections_update_the_person(db: Database, tmp_path: Path) -> None:
    load(db, write_rows(tmp_path / "padro.csv", sample()))
    rows = sample()
    rows[3]["surnames"] = "Martí i Serra"
    report = load(db, write_rows(tmp_path / "again.csv", rows))
    assert (report.persons_updated, report.persons_unchanged) == (1, 7)
    assert SqlPopulationRegister(db.session).find(dni("33333333P")).person is not None
    assert counts(db) == (8, 5, 8)


def test_moving_out_and_moving_house_keep_the_history(db: Database, tmp_path: Path) -> None:
    load(db, write_rows(tmp_path / "padro.csv", sample()))
    later = [
        person("22222222J", "Jordi", "Vidal Roca", "male", "1982-09-30", MALLORCA, "2014-11-28",
               moved_out_on="2026-06-01"),
        person("33333333P", "Joan", "Martí Serra", "male", "1959-10-09", BLAI, "2026-01-10"),
    ]  # fmt: skip
    report = load(db, write_rows(tmp_path / "later.csv", later))
    assert report.ok
    assert (report.registrations_opened, report.registrations_closed) == (1, 2)
    register = SqlPopulationRegister(db.session)

    jordi = register.find(dni("22222222J"))
    assert (jordi.status, jordi.moved_out_on) == (Status.MOVED_OUT, date(2026, 6, 1))
    marta = register.find(dni("11111111H"))
    assert marta.person is not None
    assert [m.person.given_name for m in register.household(marta.person.id).members] == [
        "Marta",
        "Pol",
    ]

    joan = register.find(dni("33333333P"))
    assert joan.person is not None and joan.address is not None
    assert joan.address.street == "Carrer de Blai"
    assert {m.person.given_name for m in register.household(joan.person.id).members} == {
        "Joan",
        "Youssef",
    }
    history = register.history(joan.person.id)
    assert [(h.address.street, h.since, h.until, h.end_reason) for h in history] == [
        ("Carrer de Verdi", date(1999, 11, 28), date(2026, 1, 10), EndReason.CHANGE_OF_ADDRESS),
        ("Carrer de Blai", date(2026, 1, 10), None, None),
    ]
    # people missing from the second file are untouched
    assert register.find(dni("44444444A")).status is Status.REGISTERED
    # and importing the later file again is a no-op too
    assert not load(db, tmp_path / "later.csv").changed


def test_deaths_semicolons_and_a_byte_order_mark(db: Database, tmp_path: Path) -> None:
    rows = [row | {"deceased_on": ""} for row in sample()]
    rows[5]["deceased_on"] = "2026-02-03"
    path = write_rows(
        tmp_path / "excel.csv",
        rows,
        delimiter=";",
        columns=(*COLUMNS, "deceased_on"),
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    report = load(db, path)
    assert report.ok, report.errors
    rosa = SqlPopulationRegister(db.session).find(dni("00000000T"))
    assert (rosa.status, rosa.ended_on, rosa.moved_out_on) == (
        Status.DECEASED,
        date(2026, 2, 3),
        None,
    )
    assert "Imported 8 row(s): 8 person(s) added" in format_report(report)
