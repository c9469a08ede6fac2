"""Issuing a volant end to end (registry entry, render, seal, store, record) and the records
behind the public verification: look-up, revocation, a damaged or purged file."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.issuing import IssuedCertificate
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import Seal, check_seal
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.documents.verification import (
    AlreadyRevoked,
    CodeError,
    Status,
    format_code,
    issue,
    lookup,
    new_code,
    parse_code,
    revoke,
    verify,
)
from finestreta.procedures.census.volant import issue_volant
from finestreta.registry.records import RegistryEntry
from finestreta.registry.service import get_by_code
from tests.documents.conftest import ADDRESS, CITY, PERSONS, REQUESTER, TZ, pdf_text

PUBLIC_URL = "https://oac.example.cat/"
NOW = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)


@pytest.fixture
def documents(tmp_path: Path) -> Documents:
    return Documents(BlobStore(tmp_path / "blobs"), 30, 20 * 1024 * 1024)


def issue_one(
    db: Database, seal: Seal, documents: Documents, registry: str, **changes: object
) -> IssuedCertificate:
    fields: dict[str, object] = {
        "registry": registry,
        "kind": "household",
        "persons": PERSONS,
        "address": ADDRESS,
        "requester": REQUESTER,
        "city": CITY,
        "lang": "ca",
        "seal": seal,
        "documents": documents,
        "public_url": PUBLIC_URL,
        "created_by": "clerk:1",
        "tz": TZ,
        "now": NOW,
    }
    fields.update(changes)
    with db.session() as session:
        return issue_volant(session, **fields)  # type: ignore[arg-type]


def test_issuing_a_volant_registers_seals_stores_and_records_it(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    db = documents_db
    issued = issue_one(db, seal, documents, registry)
    assert issued.registry_number == "2026/0000001"
    assert issued.registry_code == f"{registry}:2026/0000001"
    assert issued.verify_url == f"https://oac.example.cat/verify/{issued.code}"
    assert format_code(parse_code(issued.code)) == issued.code
    _pages, text = pdf_text(issued.pdf)
    assert [
        s for s in (issued.code, "2026/0000001", "05/03/2026 10:07:03 CET") if s not in text
    ] == []
    assert check_seal(issued.pdf, {seal.info.sha256}).ok
    with db.session() as session:
        entry = get_by_code(session, issued.registry_code)
        assert isinstance(entry, RegistryEntry)
        assert (entry.direction, entry.party_name, entry.party_id_number, entry.subject) == (
            "out",
            "Núria Puig i Ferrer",
            "12345678Z",
            "Volant de convivència",
        )
        assert entry.registered_at == NOW == issued.issued_at
        row = session.get(DocumentRow, issued.document_id)
        assert row is not None and row.kind == "certificate" and row.media_type == "application/pdf"
        assert row.sha256 == issued.sha256 == hashlib.sha256(issued.pdf).hexdigest()
        record = lookup(session, issued.code.lower())
        assert record is not None
        assert (record.kind, record.registry_code, record.document_id, record.seal_sha256) == (
            "household",
            issued.registry_code,
            issued.document_id,
            seal.info.sha256,
        )
        checked = verify(session, issued.code, documents.blobs)
    assert checked is not None
    result, content = checked
    assert content == issued.pdf
    assert (result.status, result.seal_intact, result.hash_matches) == (Status.VALID, True, True)


def test_bad_input_takes_no_registry_number(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    db = documents_db
    with pytest.raises(ValueError, match="exactly one person"):
        issue_one(db, seal, documents, registry, kind="residence")
    with pytest.raises(ValueError, match="check letter"):
        issue_one(
            db, seal, documents, registry, requester=REQUESTER.__class__("Anna", "dni", "12345678A")
        )
    issued = issue_one(
        db, seal, documents, registry, kind="residence", persons=PERSONS[:1], lang="es"
    )
    assert issued.registry_number == "2026/0000001"
    with db.session() as session:
        mine = select(func.count()).where(IssuedDocument.registry_code.startswith(registry))
        assert session.scalar(mine.select_from(IssuedDocument)) == 1


def test_revocation(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    db = documents_db
    issued = issue_one(db, seal, documents, registry)
    when = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
    with db.session() as session:
        row = revoke(session, issued.code, "Dades errònies", by="clerk:2", now=when)
        assert (row.revoked_at, row.revoked_reason, row.revoked_by) == (
            when,
            "Dades errònies",
            "clerk:2",
        )
    with db.session() as session:
        with pytest.raises(AlreadyRevoked):
            revoke(session, issued.code, "again")
        with pytest.raises(ValueError, match="needs a reason"):
            revoke(session, issued.code, "  ")
        with pytest.raises(LookupError):
            revoke(session, new_code(), "unknown")
        checked = verify(session, issued.code, documents.blobs)
    assert checked is not None and checked[0].status is Status.REVOKED
    assert checked[0].revoked_reason == "Dades errònies"


def test_a_damaged_or_purged_file_is_reported(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    db = documents_db
    issued = issue_one(db, seal, documents, registry)
    path = documents.blobs.path(issued.sha256)
    path.write_bytes(issued.pdf.replace(b"Volant de conviv", b"Volent de conviv", 1))
    with db.session() as session:
        damaged = verify(session, issued.code, documents.blobs)
    assert damaged is not None
    assert (damaged[0].status, damaged[0].hash_matches) == (Status.DAMAGED, False)
    assert damaged[0].seal is not None and not damaged[0].seal.intact
    with db.session() as session:
        row = session.get(DocumentRow, issued.document_id)
        assert row is not None
        row.deleted_at = NOW
    with db.session() as session:
        purged = verify(session, issued.code, documents.blobs)
    assert purged is not None and purged[1] is None
    assert (purged[0].status, purged[0].hash_matches, purged[0].seal) == (
        Status.UNAVAILABLE,
        None,
        None,
    )


def test_lookups(documents_db: Database) -> None:
    db = documents_db
    code = new_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with db.session() as session:
        issue(
            session,
            code=code,
            kind="household",
            sha256="a" * 64,
            size=1,
            lang="ca",
            seal_sha256="b" * 64,
            issued_by="system",
        )
        assert lookup(session, format_code(code)) is not None
        assert lookup(session, new_code()) is None
        with pytest.raises(CodeError, match="typing mistake"):
            lookup(session, wrong)
        with pytest.raises(ValueError, match="hexadecimal"):
            issue(
                session,
                code=new_code(),
                kind="household",
                sha256="x",
                size=1,
                lang="ca",
                seal_sha256="b" * 64,
                issued_by="system",
            )
