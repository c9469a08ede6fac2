"""Corrections: a new entry that refers to the one it corrects (which stays as it was), refused
with a declared error for an unknown entry or another registry's; the receipt says what it
corrects; and registered documents survive the scan retention purge."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from finestreta.db import Database
from finestreta.documents.records import DocumentRow
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.errors import InvalidInput, NotFound
from finestreta.registry import (
    AttachedDocument,
    RegistryAttachment,
    RegistryCounter,
    RegistryEntry,
    corrections_of,
    get_by_code,
    register,
    registered_hashes,
)
from finestreta.registry.receipt import render_receipt
from tests.registry.conftest import entry_fields, register_one
from tests.registry.test_receipt import CITY, pdf_text

TZ = "Europe/Madrid"


def counter(db: Database, registry: str) -> int | None:
    with db.session() as session:
        return session.scalar(
            select(RegistryCounter.last_number).where(RegistryCounter.registry_name == registry)
        )


def test_a_correction_is_a_new_entry_and_the_old_one_stays(
    registry_db: Database, registry: str
) -> None:
    first = register_one(registry_db, registry=registry, party_name="Ana Puig")
    fix = register_one(registry_db, registry=registry, party_name="Anna Puig", corrects=first.code)
    again = register_one(
        registry_db, registry=registry, party_name="Anna Puig i Soler", corrects=first.code
    )
    assert (first.number, fix.number, again.number) == (1, 2, 3)
    assert (first.corrects, fix.corrects, again.corrects) == (None, first.code, first.code)
    with registry_db.session() as session:
        old = get_by_code(session, first.code)
        assert old is not None
        assert (old.party_name, old.corrects) == ("Ana Puig", None)
        assert [e.code for e in corrections_of(session, first.code)] == [fix.code, again.code]
        assert [e.code for e in corrections_of(session, old)] == [fix.code, again.code]
        assert corrections_of(session, fix.code) == []
    # A correction can be corrected in turn.
    third = register_one(registry_db, registry=registry, corrects=fix.code)
    assert third.corrects == fix.code


@pytest.mark.parametrize("code", ["2026/9999999", "  ", "x" * 41, "general:2026/0000001"])
def test_a_correction_of_an_unknown_entry_is_refused_before_numbering(
    registry_db: Database, registry: str, code: str
) -> None:
    register_one(registry_db, registry=registry)
    with pytest.raises(NotFound) as refused, registry_db.session() as session:
        register(session, **entry_fields(registry=registry, corrects=code))
    assert refused.value.code == "corrected_entry_unknown"
    assert counter(registry_db, registry) == 1  # no number taken


def test_a_correction_in_another_registry_is_refused(registry_db: Database, registry: str) -> None:
    other = register_one(registry_db, registry=registry + "o")
    register_one(registry_db, registry=registry)
    with pytest.raises(InvalidInput) as refused, registry_db.session() as session:
        register(session, **entry_fields(registry=registry, corrects=other.code))
    assert refused.value.code == "correction_other_registry"
    assert refused.value.details == {"corrects": other.code, "registry": registry + "o"}
    assert counter(registry_db, registry) == 1
    with registry_db.session() as session:
        assert corrections_of(session, other.code) == []


def test_the_database_refuses_a_dangling_correction(registry_db: Database, registry: str) -> None:
    """Even written around ``register``, a correction must name an entry that exists."""
    entry = register_one(registry_db, registry=registry)
    with pytest.raises(IntegrityError), registry_db.session() as session:
        session.add(
            RegistryEntry(
                **{
                    c: getattr(entry, c)
                    for c in (
                        "registry_name",
                        "direction",
                        "registered_at",
                        "party_name",
                        "party_id_type",
                        "party_id_number",
                        "destination_unit",
                        "subject",
                        "summary",
                        "created_by",
                        "documents",
                    )
                },
                year=1999,
                number=1,
                code=f"{registry}:1999/0000001",
                corrects=f"{registry}:1999/0000000",
            )
        )
        session.flush()


@pytest.mark.parametrize(
    ("lang", "label"),
    [
        ("ca", "Corregeix l'assentament"),
        ("es", "Corrige el asiento"),
        ("en", "Corrects entry"),
    ],
)
def test_the_receipt_says_which_entry_it_corrects(
    registry_db: Database, registry: str, lang: str, label: str
) -> None:
    first = register_one(registry_db, registry=registry)
    fix = register_one(registry_db, registry=registry, corrects=first.code)
    _, text_of_fix = pdf_text(render_receipt(fix, city=CITY, lang=lang, tz=TZ))
    _, text_of_first = pdf_text(render_receipt(first, city=CITY, lang=lang, tz=TZ))
    assert f"{label} {first.number_text}" in text_of_fix
    assert label not in text_of_first


def png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_registered_scans_survive_the_retention_purge(
    registry_db: Database, registry: str, tmp_path: Path
) -> None:
    documents = Documents(BlobStore(tmp_path / "blobs"), 30, 1024 * 1024)
    with registry_db.session() as session:
        kept = documents.add(session, png("white"), kind="scan", title="DNI", created_by="t")
        gone = documents.add(session, png("black"), kind="scan", title="Full", created_by="t")
        register(
            session,
            **entry_fields(registry=registry, documents=[AttachedDocument.of(kept)]),
        )
        kept_id, gone_id = kept.id, gone.id
    later = datetime.now(UTC) + timedelta(days=31)
    with registry_db.session() as session:
        documents.purge(session, now=later)
    with registry_db.session() as session:
        kept_row = session.get(DocumentRow, kept_id)
        gone_row = session.get(DocumentRow, gone_id)
        assert kept_row is not None and gone_row is not None
        assert (kept_row.deleted_at, kept_row.expires_at) == (None, None)
        assert documents.content(kept_row) == png("white")
        assert gone_row.deleted_at is not None
        assert not documents.blobs.exists(gone_row.sha256)
        assert registered_hashes(session, [kept_row.sha256.upper(), gone_row.sha256]) == {
            kept_row.sha256
        }


def test_attachments_are_listed_once_and_cannot_be_changed(
    registry_db: Database, registry: str
) -> None:
    hashes = ["a" * 64, "b" * 64, "a" * 64]
    entry = register_one(
        registry_db,
        registry=registry,
        documents=[AttachedDocument(f"d{i}", h, 1, "image/png") for i, h in enumerate(hashes)],
    )
    with registry_db.session() as session:
        rows = session.scalars(
            select(RegistryAttachment)
            .where(RegistryAttachment.entry_id == entry.id)
            .order_by(RegistryAttachment.position)
        ).all()
        assert [(r.position, r.sha256) for r in rows] == list(enumerate(hashes))
    with pytest.raises(IntegrityError), registry_db.session() as session:
        session.execute(
            text("UPDATE registry_attachments SET sha256 = :h WHERE entry_id = :e"),
            {"h": "c" * 64, "e": entry.id},
        )
    with pytest.raises(IntegrityError), registry_db.session() as session:
        session.execute(
            text("DELETE FROM registry_attachments WHERE entry_id = :e"), {"e": entry.id}
        )
    with registry_db.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(RegistryAttachment)
            .where(RegistryAttachment.entry_id == entry.id)
        )
        assert count == 3
