"""The built-in population register: the ``padro_*`` tables in Finestreta's own database."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.padro.identity import DocumentType, IdDocument
from finestreta.padro.model import (
    Address,
    AddressKind,
    EndReason,
    Household,
    LookupResult,
    Member,
    Person,
    Registration,
    Sex,
    Status,
)
from finestreta.padro.port import NotRegistered, UnknownPerson
from finestreta.padro.records import AddressRow, PersonRow, RegistrationRow

SessionFactory = Callable[[], AbstractContextManager[Session]]


def person_of(row: PersonRow) -> Person:
    return Person(
        id=str(row.id),
        document=IdDocument(DocumentType(row.document_type), row.document_number),
        given_name=row.given_name,
        surnames=row.surnames,
        sex=Sex(row.sex),
        birth_date=row.birth_date,
        birth_place=row.birth_place,
        nationality=row.nationality,
    )


def address_of(row: AddressRow) -> Address:
    return Address(
        id=str(row.id),
        street=row.street,
        number=row.number,
        floor=row.floor,
        door=row.door,
        postcode=row.postcode,
        district=row.district,
        kind=AddressKind(row.kind),
    )


def registration_of(row: RegistrationRow) -> Registration:
    return Registration(
        address=address_of(row.address),
        since=row.from_date,
        until=row.to_date,
        reason=row.reason,
        end_reason=EndReason(row.end_reason) if row.end_reason else None,
    )


def _key(person_id: str) -> int:
    try:
        return int(person_id)
    except ValueError:
        raise UnknownPerson(person_id) from None


class SqlPopulationRegister:
    """Implements :class:`finestreta.padro.port.PopulationRegister` over the ``padro_*`` tables.

    ``sessions`` is a factory of sessions such as ``Database.session``; every call uses one
    short read-only session of its own."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def find(self, document: IdDocument) -> LookupResult:
        with self._sessions() as session:
            row = session.scalar(
                select(PersonRow).where(
                    PersonRow.document_type == document.type.value,
                    PersonRow.document_number == document.number,
                )
            )
            if row is None:
                return LookupResult(Status.NOT_FOUND, document)
            person = person_of(row)
            stays = self._registrations(session, row.id)
            current = next((r for r in stays if r.to_date is None), None)
            if current is not None:
                return LookupResult(
                    Status.REGISTERED,
                    document,
                    person=person,
                    address=address_of(current.address),
                    registered_since=current.from_date,
                )
            if not stays:  # in the table but never registered: nothing to certify
                return LookupResult(Status.NOT_FOUND, document)
            last = stays[-1]
            status = Status.DECEASED if last.end_reason == EndReason.DECEASED else Status.MOVED_OUT
            return LookupResult(
                status,
                document,
                person=person,
                address=address_of(last.address),
                registered_since=last.from_date,
                ended_on=last.to_date,
            )

    def person(self, person_id: str) -> Person:
        with self._sessions() as session:
            row = session.get(PersonRow, _key(person_id))
            if row is None:
                raise UnknownPerson(person_id)
            return person_of(row)

    def household(self, person_id: str) -> Household:
        with self._sessions() as session:
            key = _key(person_id)
            if session.get(PersonRow, key) is None:
                raise UnknownPerson(person_id)
            current = session.scalar(
                select(RegistrationRow).where(
                    RegistrationRow.person_id == key, RegistrationRow.to_date.is_(None)
                )
            )
            if current is None:
                raise NotRegistered(person_id)
            rows = session.execute(
                select(RegistrationRow.from_date, PersonRow)
                .join(PersonRow, PersonRow.id == RegistrationRow.person_id)
                .where(
                    RegistrationRow.address_id == current.address_id,
                    RegistrationRow.to_date.is_(None),
                )
                .order_by(RegistrationRow.from_date, PersonRow.birth_date, PersonRow.id)
            ).all()
            members = tuple(Member(person_of(person), since) for since, person in rows)
            return Household(address_of(current.address), members)

    def history(self, person_id: str) -> list[Registration]:
        with self._sessions() as session:
            key = _key(person_id)
            if session.get(PersonRow, key) is None:
                raise UnknownPerson(person_id)
            return [registration_of(r) for r in self._registrations(session, key)]

    @staticmethod
    def _registrations(session: Session, person_id: int) -> list[RegistrationRow]:
        return list(
            session.scalars(
                select(RegistrationRow)
                .where(RegistrationRow.person_id == person_id)
                .order_by(RegistrationRow.from_date, RegistrationRow.id)
            )
        )
