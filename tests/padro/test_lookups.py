"""Every look-up is audited: found, not found, refused, failed (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from finestreta.db import Database
from finestreta.padro.identity import DocumentType, IdDocument
from finestreta.padro.importer import import_csv
from finestreta.padro.lookups import LookupService
from finestreta.padro.model import Household, LookupResult, Person, Registration, Status
from finestreta.padro.port import NotRegistered, RegisterUnavailable, UnknownPerson
from finestreta.padro.records import LookupRow
from finestreta.padro.sql_register import SqlPopulationRegister
from tests.padro.conftest import TODAY, sample, write_rows

NOW = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)


@pytest.fixture
def service(db: Database, tmp_path: Path) -> LookupService:
    with db.session() as session:
        assert import_csv(session, write_rows(tmp_path / "padro.csv", sample()), today=TODAY).ok
    return LookupService(SqlPopulationRegister(db.session), db.session, clock=lambda: NOW)


def audit(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        return [
            (r.clerk_id, r.call_id, r.action, r.document_type, r.document_number, r.person_id,
             r.outcome, r.purpose, r.at)
            for r in session.scalars(select(LookupRow).order_by(LookupRow.id))
        ]  # fmt: skip


def test_found_and_not_found_are_both_audited(db: Database, service: LookupService) -> None:
    marta = service.find(
        IdDocument(DocumentType.DNI, "11111111H"), clerk_id=7, call_id="c1", purpose="volant"
    )
    assert marta.status is Status.REGISTERED and marta.person is not None
    nobody = service.find(
        IdDocument(DocumentType.DNI, "12345678Z"), clerk_id=7, call_id="c1", purpose="  volant  "
    )
    assert nobody.status is Status.NOT_FOUND
    moved = service.find(
        IdDocument(DocumentType.DNI, "55555555K"), clerk_id=8, call_id=None, purpose="check"
    )
    assert moved.person is not None
    assert audit(db) == [
        (7, "c1", "find", "dni", "11111111H", marta.person.id, "registered", "volant", NOW),
        (7, "c1", "find", "dni", "12345678Z", None, "not_found", "volant", NOW),
        (8, None, "find", "dni", "55555555K", moved.person.id, "moved_out", "check", NOW),
    ]


def test_household_and_history_lookups_are_audited(db: Database, service: LookupService) -> None:
    register = service.register
    marta = register.find(IdDocument(DocumentType.DNI, "11111111H")).person
    alex = register.find(IdDocument(DocumentType.DNI, "55555555K")).person
    assert marta is not None and alex is not None
    household = service.household(marta.id, clerk_id=3, call_id="c2", purpose="household volant")
    assert len(household.members) == 3
    assert len(service.history(marta.id, clerk_id=3, call_id="c2", purpose="history")) == 1
    assert service.person(marta.id, clerk_id=3, call_id="c2", purpose="print").given_name == "Marta"
    with pytest.raises(NotRegistered):
        service.household(alex.id, clerk_id=3, call_id="c2", purpose="household volant")
    with pytest.raises(UnknownPerson):
        service.household("424242", clerk_id=3, call_id="c2", purpose="household volant")
    assert [(row[2], row[4], row[5], row[6]) for row in audit(db)] == [
        ("household", "11111111H", marta.id, "found"),
        ("history", None, marta.id, "found"),
        ("person", "11111111H", marta.id, "found"),
        ("household", None, alex.id, "not_registered"),
        ("household", None, "424242", "unknown_person"),
    ]


def test_the_audit_outlives_the_callers_transaction(db: Database, service: LookupService) -> None:
    with pytest.raises(RuntimeError), db.session():
        service.find(
            IdDocument(DocumentType.NIE, "X1234567L"), clerk_id=1, call_id="c3", purpose="x"
        )
        raise RuntimeError("the caller fails afterwards")
    assert [row[6] for row in audit(db)] == ["registered"]


class BrokenRegister:
    def find(self, document: IdDocument) -> LookupResult:
        raise RegisterUnavailable("the city's service timed out")

    def person(self, person_id: str) -> Person:
        raise RegisterUnavailable("down")

    def household(self, person_id: str) -> Household:
        raise RegisterUnavailable("down")

    def history(self, person_id: str) -> list[Registration]:
        raise RegisterUnavailable("down")


def test_failures_are_audited_and_a_purpose_is_required(db: Database) -> None:
    service = LookupService(BrokenRegister(), db.session, clock=lambda: NOW)
    document = IdDocument(DocumentType.DNI, "11111111H")
    with pytest.raises(RegisterUnavailable):
        service.find(document, clerk_id=5, call_id="c4", purpose="volant")
    with pytest.raises(RegisterUnavailable):
        service.household("1", clerk_id=5, call_id="c4", purpose="volant")
    with pytest.raises(ValueError, match="purpose"):
        service.find(document, clerk_id=5, call_id="c4", purpose="   ")
    assert [(row[2], row[4], row[6]) for row in audit(db)] == [
        ("find", "11111111H", "error"),
        ("household", None, "error"),
    ]
