"""Entries are never updated or deleted: the database refuses it, however it is asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finestreta.db import Database
from finestreta.registry import RegistryCounter, RegistryEntry, service
from tests.registry.conftest import register_one

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def snapshot(db: Database, entry_id: int) -> dict[str, Any]:
    with db.session() as session:
        entry = session.get(RegistryEntry, entry_id)
        assert entry is not None
        return {c.key: getattr(entry, c.key) for c in inspect(RegistryEntry).column_attrs}


def _orm_attribute(session: Session, entry_id: int) -> None:
    entry = session.get(RegistryEntry, entry_id)
    assert entry is not None
    entry.subject = "Something else"
    session.flush()


def _orm_documents(session: Session, entry_id: int) -> None:
    entry = session.get(RegistryEntry, entry_id)
    assert entry is not None
    entry.documents = []
    session.flush()


def _orm_delete(session: Session, entry_id: int) -> None:
    entry = session.get(RegistryEntry, entry_id)
    assert entry is not None
    session.delete(entry)
    session.flush()


def _orm_bulk_update(session: Session, entry_id: int) -> None:
    session.execute(
        update(RegistryEntry).where(RegistryEntry.id == entry_id).values(party_name="Nobody")
    )


def _orm_bulk_delete(session: Session, entry_id: int) -> None:
    session.execute(delete(RegistryEntry).where(RegistryEntry.id == entry_id))


def _sql_update(session: Session, entry_id: int) -> None:
    session.execute(
        text("UPDATE registry_entries SET subject = 'x' WHERE id = :id"), {"id": entry_id}
    )


def _sql_update_number(session: Session, entry_id: int) -> None:
    session.execute(
        text("UPDATE registry_entries SET number = number + 1000 WHERE id = :id"), {"id": entry_id}
    )


def _sql_delete(session: Session, entry_id: int) -> None:
    session.execute(text("DELETE FROM registry_entries WHERE id = :id"), {"id": entry_id})


def _sql_delete_all(session: Session, entry_id: int) -> None:
    session.execute(text("DELETE FROM registry_entries"))


ATTEMPTS: dict[str, Callable[[Session, int], None]] = {
    "ORM attribute change": _orm_attribute,
    "ORM documents change": _orm_documents,
    "ORM delete": _orm_delete,
    "ORM bulk update": _orm_bulk_update,
    "ORM bulk delete": _orm_bulk_delete,
    "SQL UPDATE": _sql_update,
    "SQL UPDATE of the number": _sql_update_number,
    "SQL DELETE": _sql_delete,
    "SQL DELETE of every entry": _sql_delete_all,
}


def test_no_update_or_delete_of_an_entry_gets_through(registry_db: Database, registry: str) -> None:
    entry = register_one(
        registry_db,
        registry=registry,
        documents=[{"title": "Sol·licitud", "sha256": HASH, "size": 4, "media_type": "text/plain"}],
    )
    before = snapshot(registry_db, entry.id)
    refused: dict[str, str] = {}
    for name, attempt in ATTEMPTS.items():
        with pytest.raises(IntegrityError) as caught, registry_db.session() as session:
            attempt(session, entry.id)
        refused[name] = str(caught.value.orig)
        assert snapshot(registry_db, entry.id) == before, f"{name} changed the entry"
    assert all("registry entries are immutable" in message for message in refused.values()), refused
    assert set(refused) == set(ATTEMPTS)


def test_the_service_offers_no_way_to_change_an_entry() -> None:
    verbs = ("update", "delete", "remove", "edit", "change", "modify", "set", "purge")
    public = [name for name in dir(service) if not name.startswith("_")]
    assert [n for n in public if n.lower().startswith(verbs)] == []


def test_a_counter_only_goes_up_by_one_and_is_never_deleted(
    registry_db: Database, registry: str
) -> None:
    entry = register_one(registry_db, registry=registry)
    key = {"registry": registry, "year": entry.year}
    statements = {
        "skip numbers": "UPDATE registry_counters SET last_number = last_number + 5"
        " WHERE registry = :registry AND year = :year",
        "go back": "UPDATE registry_counters SET last_number = 0"
        " WHERE registry = :registry AND year = :year",
        "move to another year": "UPDATE registry_counters SET year = year + 1"
        " WHERE registry = :registry AND year = :year",
        "delete": "DELETE FROM registry_counters WHERE registry = :registry AND year = :year",
    }
    messages = []
    for name, statement in statements.items():
        with pytest.raises(IntegrityError) as caught, registry_db.session() as session:
            session.execute(text(statement), key)
        messages.append((name, str(caught.value.orig).splitlines()[0]))
    with registry_db.session() as session:
        counter = session.scalar(
            select(RegistryCounter).where(RegistryCounter.registry_name == registry)
        )
    assert counter is not None and (counter.year, counter.last_number) == (entry.year, 1)
    assert all("registry counters" in message for _, message in messages), messages
