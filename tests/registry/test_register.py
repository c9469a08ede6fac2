"""What ``register`` keeps, what it refuses (``ValueError``, nothing written), and reading back."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.registry import (
    AttachedDocument,
    Direction,
    PartyDocument,
    RegistryCounter,
    RegistryEntry,
    attached_documents,
    entries_of_call,
    register,
)
from tests.registry.conftest import entry_fields, make_call, register_one

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
DOC = {"title": "Instància", "sha256": HASH, "size": 2048, "media_type": "application/pdf"}


def test_an_entry_keeps_what_article_16_asks_for(registry_db: Database, registry: str) -> None:
    at = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)
    entry = register_one(
        registry_db,
        registry=registry,
        direction=Direction.OUT,
        party_name="  Joan Garcia  ",
        party_document=PartyDocument("nie", "x-1234567-l"),
        sending_body="Àrea d'Urbanisme",
        destination_unit="Joan Garcia",
        subject="Notificació de llicència",
        summary="Concessió de la llicència d'obres\nExpedient 12/2026",
        documents=[
            AttachedDocument("Resolució", HASH.upper(), 1234, "application/pdf"),
            {**DOC, "title": "Plànol"},
            AttachedDocument.of(SimpleNamespace(**{**DOC, "title": "DNI", "size": 7})),
        ],
        created_by="clerk:7",
        now=at,
    )
    with registry_db.session() as session:
        stored = session.get(RegistryEntry, entry.id)
        assert stored is not None
        kept = {
            "direction": stored.direction,
            "registered_at": stored.registered_at,
            "party": (stored.party_name, stored.party_id_type, stored.party_id_number),
            "sending_body": stored.sending_body,
            "destination_unit": stored.destination_unit,
            "subject": stored.subject,
            "summary": stored.summary,
            "created_by": stored.created_by,
            "call_id": stored.call_id,
            "documents": attached_documents(stored),
        }
    assert kept == {
        "direction": "out",
        "registered_at": at,
        "party": ("Joan Garcia", "nie", "X1234567L"),
        "sending_body": "Àrea d'Urbanisme",
        "destination_unit": "Joan Garcia",
        "subject": "Notificació de llicència",
        "summary": "Concessió de la llicència d'obres\nExpedient 12/2026",
        "created_by": "clerk:7",
        "call_id": None,
        "documents": [
            AttachedDocument("Resolució", HASH, 1234, "application/pdf"),
            AttachedDocument("Plànol", HASH, 2048, "application/pdf"),
            AttachedDocument("DNI", HASH, 7, "application/pdf"),
        ],
    }


def test_identity_documents_are_normalised(registry_db: Database, registry: str) -> None:
    given = [
        ("nif", "12.345.678-z"),
        ("NIF", "X1234567L"),  # a NIE is a NIF too
        ("nif", "B12345674"),  # a company: checked for shape only
        ("passport", "pa 123456"),
        ("other", "ab-99"),
    ]
    kept = [
        (e.party_id_type, e.party_id_number)
        for e in (register_one(registry_db, registry=registry, party_document=d) for d in given)
    ]
    assert kept == [
        ("nif", "12345678Z"),
        ("nif", "X1234567L"),
        ("nif", "B12345674"),
        ("passport", "PA123456"),
        ("other", "AB99"),
    ]


BAD: list[tuple[dict[str, Any], str]] = [
    ({"subject": ""}, "subject is empty"),
    ({"subject": "   "}, "subject is empty"),
    ({"subject": "x" * 301}, "subject is longer than 300 characters"),
    ({"subject": "Bad\x00byte"}, "subject contains control characters"),
    ({"direction": "sideways"}, "direction must be 'in' or 'out', not 'sideways'"),
    ({"direction": None}, "direction must be 'in' or 'out', not None"),
    ({"documents": [{**DOC, "sha256": "abc123"}]}, "documents[0].sha256 must be 64 hexadecimal"),
    ({"documents": [DOC, {**DOC, "sha256": "g" * 64}]}, "documents[1].sha256 must be 64 hex"),
    ({"documents": [{**DOC, "sha256": HASH + "0"}]}, "documents[0].sha256 must be 64 hex"),
    ({"documents": [{**DOC, "sha256": None}]}, "documents[0].sha256 must be 64 hexadecimal"),
    ({"documents": [{"title": "x", "sha256": HASH}]}, "documents[0] lacks media_type, size"),
    ({"documents": [{**DOC, "size": -1}]}, "documents[0].size must be a whole number"),
    ({"documents": [{**DOC, "title": " "}]}, "documents[0].title is empty"),
    ({"documents": DOC}, "documents must be a list"),
    ({"party_name": ""}, "party_name is empty"),
    ({"party_document": ("nif", "12345678A")}, "the check letter is wrong"),
    ({"party_document": ("nie", "12345678Z")}, "is not a valid NIE"),
    ({"party_document": ("dni", "12345678Z")}, "type must be one of nif, nie, passport, other"),
    ({"party_document": ("passport", "")}, "party_document number is empty"),
    ({"party_document": "12345678Z"}, "party_document must be a PartyDocument or (type, number)"),
    ({"destination_unit": ""}, "destination_unit is empty"),
    ({"created_by": ""}, "created_by is empty"),
    ({"registry": "Urbanisme!"}, "registry must be a short lower-case name"),
    ({"now": datetime(2026, 1, 1, 10, 0)}, "now must be an aware datetime"),
    ({"tz": "Europe/Nowhere"}, "unknown time zone 'Europe/Nowhere'"),
    ({"call_id": "no-such-call"}, "there is no call 'no-such-call'"),
]


def _written(db: Database, registry: str | None = None) -> tuple[int, int]:
    """How many entries and counters there are (in ``registry``, or in every registry)."""
    entries = select(func.count()).select_from(RegistryEntry)
    counters = select(func.count()).select_from(RegistryCounter)
    if registry is not None:
        entries = entries.where(RegistryEntry.registry_name == registry)
        counters = counters.where(RegistryCounter.registry_name == registry)
    with db.session() as session:
        return session.scalar(entries) or 0, session.scalar(counters) or 0


def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    registry_db: Database, registry: str
) -> None:
    before = _written(registry_db)
    messages: list[tuple[str, str]] = []
    for overrides, expected in BAD:
        with pytest.raises(ValueError) as caught, registry_db.session() as session:
            register(session, **entry_fields(**{"registry": registry, **overrides}))
        messages.append((str(caught.value), expected))
    wrong = [(got, expected) for got, expected in messages if expected not in got]
    assert wrong == []
    assert _written(registry_db) == before
    assert _written(registry_db, registry) == (0, 0)


def test_a_value_error_leaves_the_transaction_usable(registry_db: Database, registry: str) -> None:
    # Checked before the number is taken: a caller that catches the error and commits
    # whatever else it did leaves no gap.
    with registry_db.session() as session:
        with pytest.raises(ValueError, match="subject is empty"):
            register(session, **entry_fields(registry=registry, subject=""))
        entry = register(session, **entry_fields(registry=registry))
    assert entry.number == 1
    assert _written(registry_db, registry) == (1, 1)


def test_the_entries_of_a_call_in_order(registry_db: Database, registry: str) -> None:
    call_id = make_call(registry_db)
    first = register_one(registry_db, registry=registry, call_id=call_id, subject="Primera")
    register_one(registry_db, registry=registry, subject="Sense trucada")
    second = register_one(registry_db, registry=registry, call_id=call_id, subject="Segona")
    with registry_db.session() as session:
        found = [(e.code, e.subject) for e in entries_of_call(session, call_id)]
        none = entries_of_call(session, "no-such-call")
    assert found == [(first.code, "Primera"), (second.code, "Segona")]
    assert none == []
