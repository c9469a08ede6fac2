"""Who may read a signature, the audit of every attempt, and the retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from finestreta.attention.records import CallRow
from finestreta.db import Database
from finestreta.errors import FinestretaError
from finestreta.signatures import (
    Reader,
    accesses,
    purge,
    read_drawing,
    read_signature,
    record_oral_consent,
    sign,
)
from finestreta.signatures.records import SignatureRequestRow
from tests.signatures.conftest import KEY, NOW, make_call, official, stored_paths
from tests.signatures.test_sealing import SIGNATURE, new_request


def signed(db: Database, call_id: str, at: datetime = NOW) -> str:
    request_id = new_request(db, call_id, now=at)
    with db.session() as session:
        sign(session, request_id, SIGNATURE, document_sha256="ab" * 32, key=KEY, now=at)
    return request_id


def attempt(
    db: Database, request_id: str, reader: Reader, reason: str | None = None, timing: bool = False
) -> str:
    """``ok`` or the refusal's code, reading the drawing (``timing``: the whole signature); the
    audit row is committed either way, as the web layer will (it commits before the error goes
    out)."""
    with db.session() as session:
        try:
            if timing:
                read_signature(session, request_id, reader=reader, reason=reason, key=KEY, now=NOW)
            else:
                read_drawing(session, request_id, reader=reader, reason=reason, now=NOW)
        except FinestretaError as error:
            session.commit()
            return error.code
    return "ok"


def test_who_may_read_a_signature_and_every_attempt_is_recorded(db: Database) -> None:
    call_id, clerk_id = make_call(db)
    _, other_clerk = make_call(db)
    request_id = signed(db, call_id)
    outcomes = [
        attempt(db, request_id, Reader(clerk_id, "clerk")),
        attempt(db, request_id, Reader(other_clerk, "clerk")),
        attempt(db, request_id, Reader(99, "supervisor")),
        attempt(db, request_id, Reader(99, "supervisor"), "  "),
        attempt(db, request_id, Reader(99, "supervisor"), "Disputed by the citizen, case 12"),
        attempt(db, request_id, Reader(1, "admin"), "curious"),
    ]
    assert outcomes == [
        "ok",
        "signature_access_refused",
        "signature_reason_needed",
        "signature_reason_needed",
        "ok",
        "signature_access_refused",
    ]
    with db.session() as session:
        audit = [
            (a.reader_id, a.reader_role, a.reason, a.allowed, a.at)
            for a in accesses(session, request_id)
        ]
    assert audit == [
        (clerk_id, "clerk", None, True, NOW),
        (other_clerk, "clerk", None, False, NOW),
        (99, "supervisor", None, False, NOW),
        (99, "supervisor", None, False, NOW),
        (99, "supervisor", "Disputed by the citizen, case 12", True, NOW),
        (1, "admin", "curious", False, NOW),
    ]


def test_the_clerk_gets_the_drawing_and_only_a_supervisor_the_time_and_pressure(
    db: Database,
) -> None:
    call_id, clerk_id = make_call(db)
    request_id = signed(db, call_id)
    with db.session() as session:
        drawing = read_drawing(
            session, request_id, reader=Reader(clerk_id, "clerk"), reason=None, now=NOW
        )
    assert drawing.paths() == [list(map(tuple, path)) for path in stored_paths(SIGNATURE)]
    assert not hasattr(drawing, "timing")
    assert attempt(db, request_id, Reader(clerk_id, "clerk"), timing=True) == (
        "signature_access_refused"
    )
    assert attempt(db, request_id, Reader(9, "supervisor"), timing=True) == (
        "signature_reason_needed"
    )
    assert attempt(db, request_id, Reader(9, "supervisor"), "court order 4/2026", timing=True) == (
        "ok"
    )
    with db.session() as session:
        audit = [(a.reader_role, a.allowed) for a in accesses(session, request_id)]
    assert audit == [("clerk", True), ("clerk", False), ("supervisor", False), ("supervisor", True)]


def test_the_clerk_may_not_read_it_once_the_call_has_ended(db: Database) -> None:
    call_id, clerk_id = make_call(db)
    request_id = signed(db, call_id)
    with db.session() as session:
        call = session.get(CallRow, call_id)
        assert call is not None
        call.state = "ended"
    assert attempt(db, request_id, Reader(clerk_id, "clerk")) == "signature_access_refused"
    assert attempt(db, "no-such-request", Reader(clerk_id, "clerk")) == (
        "signature_request_unknown"
    )


def test_purge_deletes_the_strokes_past_retention_and_keeps_the_record(db: Database) -> None:
    call_id, clerk_id = make_call(db)
    old = signed(db, call_id, NOW - timedelta(days=31))
    recent = signed(db, call_id, NOW - timedelta(days=29))
    with db.session() as session:
        assert purge(session, now=NOW, retention_days=30) == 1
    with db.session() as session:
        assert purge(session, now=NOW, retention_days=30) == 0  # once
    with db.session() as session:
        gone = session.get(SignatureRequestRow, old)
        kept = session.get(SignatureRequestRow, recent)
        assert gone is not None and kept is not None
        assert (gone.paths, gone.timing, gone.purged_at) == (None, None, NOW)
        assert (gone.state, gone.document_sha256, gone.signer_name) == (
            "signed",
            "ab" * 32,
            "Anna Puig i Soler",
        )
        assert kept.paths == stored_paths(SIGNATURE) and kept.timing and kept.purged_at is None
    assert attempt(db, old, Reader(clerk_id, "clerk")) == "signature_not_kept"
    assert attempt(db, recent, Reader(clerk_id, "clerk")) == "ok"


def test_an_oral_consent_has_no_strokes_to_read(db: Database) -> None:
    request_id = new_request(db)
    with db.session() as session:
        record_oral_consent(
            session, request_id, official_id=official(db), reason="Cannot write", now=NOW
        )
    assert attempt(db, request_id, Reader(5, "supervisor"), "audit") == "signature_not_kept"
