"""A signature is given once, for the document shown, within its time; timing and pressure are
kept only encrypted."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from finestreta.db import Database
from finestreta.errors import FinestretaError
from finestreta.signatures import (
    Reader,
    SignatureKey,
    open_request,
    parse,
    read_signature,
    record_oral_consent,
    sign,
    simplify,
)
from finestreta.signatures.records import SignatureRequestRow
from finestreta.signatures.sealing import REQUEST_MINUTES
from tests.signatures.conftest import (
    DOCUMENT,
    KEY,
    NOW,
    make_call,
    official,
    pad,
    stored_paths,
)

# Distinctive times and pressures: if they are anywhere in the row in the clear, they show.
SIGNATURE = parse(
    pad(
        [
            [[60 + 9 * i, 100 + (i % 3) * 7, 7_654_321 + i * 17, 0.123456] for i in range(30)],
            [[80 + 7 * i, 160 - (i % 2) * 9, 8_765_432 + i * 17, 0.654321] for i in range(20)],
        ]
    )
)


def new_request(
    db: Database, call_id: str = "c-none", document: str = DOCUMENT, now: datetime = NOW
) -> str:
    with db.session() as session:
        return open_request(
            session,
            call_id=call_id,
            document_sha256=document,
            signer_name="Anna Puig i Soler",
            signer_id_type="nif",
            signer_id_number="12345678Z",
            now=now,
        )


def code_of(db: Database, action: object) -> str:
    with pytest.raises(FinestretaError) as caught, db.session() as session:
        action(session)  # type: ignore[operator]
    return caught.value.code


def test_the_signature_is_kept_and_read_back(db: Database) -> None:
    call_id, _ = make_call(db)
    request_id = new_request(db, call_id, DOCUMENT.upper())  # the hash's case does not matter
    assert len(request_id) >= 43  # 256 random bits
    with db.session() as session:
        sealed = sign(session, request_id, SIGNATURE, document_sha256=DOCUMENT, key=KEY, now=NOW)
    assert (sealed.state, sealed.document_sha256, sealed.sealed_at) == ("signed", DOCUMENT, NOW)
    with db.session() as session:
        back = read_signature(
            session, request_id, reader=Reader(9, "supervisor"), reason="audit", key=KEY, now=NOW
        )
    assert back == SIGNATURE


def test_timing_and_pressure_are_not_kept_in_the_clear(db: Database) -> None:
    request_id = new_request(db)
    with db.session() as session:
        sign(session, request_id, SIGNATURE, document_sha256=DOCUMENT, key=KEY, now=NOW)
    with db.session() as session:
        timing, paths = session.execute(
            text("SELECT timing, paths FROM signature_requests WHERE id = :id"), {"id": request_id}
        ).one()
    stored = bytes(timing) + (paths if isinstance(paths, str) else json.dumps(paths)).encode()
    for secret in (b"7654321", b"8765432", b"123456", b"654321"):
        assert secret not in stored
    assert b"87.0" in stored or b"87," in stored  # the x, y are there, in the clear
    assert KEY.open(bytes(timing), request_id) == SIGNATURE.timing()


def test_the_timing_opens_only_with_its_key_and_its_request(db: Database) -> None:
    first, second = new_request(db), new_request(db)
    with db.session() as session:
        sign(session, first, SIGNATURE, document_sha256=DOCUMENT, key=KEY, now=NOW)
        blob = session.get(SignatureRequestRow, first).timing  # type: ignore[union-attr]
    assert blob is not None
    other_key = SignatureKey("another signature key, also 32 characters long")
    for key, request_id in ((other_key, first), (KEY, second)):
        with pytest.raises(FinestretaError) as caught:
            key.open(blob, request_id)
        assert caught.value.code == "signature_key_wrong"
    with pytest.raises(FinestretaError) as caught:
        SignatureKey("")
    assert caught.value.code == "signature_key_missing"
    assert "32 characters" not in repr(KEY) + str(KEY)


def test_sign_twice_is_refused(db: Database) -> None:
    request_id = new_request(db)
    with db.session() as session:
        sign(session, request_id, SIGNATURE, document_sha256=DOCUMENT, key=KEY, now=NOW)
    other = simplify(SIGNATURE, 3.0)

    def again(session: object) -> None:
        sign(session, request_id, other, document_sha256=DOCUMENT, key=KEY, now=NOW)  # type: ignore[arg-type]

    assert code_of(db, again) == "signature_already_given"
    with db.session() as session:
        assert session.get(SignatureRequestRow, request_id).paths == stored_paths(SIGNATURE)  # type: ignore[union-attr]


def test_a_changed_document_is_refused_and_nothing_is_kept(db: Database) -> None:
    request_id = new_request(db)

    def changed(session: object) -> None:
        sign(session, request_id, SIGNATURE, document_sha256="cd" * 32, key=KEY, now=NOW)  # type: ignore[arg-type]

    assert code_of(db, changed) == "signature_document_changed"
    with db.session() as session:
        row = session.get(SignatureRequestRow, request_id)
        assert row is not None and (row.state, row.paths, row.timing) == ("open", None, None)


def test_unknown_expired_and_bad_hash_are_refused(db: Database) -> None:
    request_id = new_request(db)
    late = NOW + timedelta(minutes=REQUEST_MINUTES)

    def signing(rid: str, at: datetime = NOW, document: str = DOCUMENT) -> object:
        return lambda session: sign(
            session, rid, SIGNATURE, document_sha256=document, key=KEY, now=at
        )

    assert code_of(db, signing("no-such-request")) == "signature_request_unknown"
    assert code_of(db, signing(request_id, late)) == "signature_request_expired"
    assert code_of(db, signing(request_id, NOW, "not a hash")) == "signature_malformed"
    # still open just before the end
    with db.session() as session:
        sign(
            session,
            request_id,
            SIGNATURE,
            document_sha256=DOCUMENT,
            key=KEY,
            now=late - timedelta(seconds=1),
        )
    with pytest.raises(FinestretaError) as caught:
        new_request(db, document="ab" * 31)
    assert caught.value.code == "signature_malformed"


def test_oral_consent_is_the_alternative(db: Database) -> None:
    request_id = new_request(db)
    official_id = official(db)
    with db.session() as session:
        sealed = record_oral_consent(
            session,
            request_id,
            official_id=official_id,
            reason="  Cannot hold a pen (arm in plaster).  ",
            now=NOW,
        )
    assert (sealed.state, sealed.official_id, sealed.consent_reason) == (
        "oral_consent",
        official_id,
        "Cannot hold a pen (arm in plaster).",
    )
    assert sealed.official_name is not None and sealed.official_name.startswith("Official ")

    def then_sign(session: object) -> None:
        sign(session, request_id, SIGNATURE, document_sha256=DOCUMENT, key=KEY, now=NOW)  # type: ignore[arg-type]

    assert code_of(db, then_sign) == "signature_already_given"
    with db.session() as session:
        row = session.get(SignatureRequestRow, request_id)
        assert row is not None and (row.paths, row.timing) == (None, None)


def test_oral_consent_needs_a_reason(db: Database) -> None:
    request_id = new_request(db)
    official_id = official(db)
    for reason in ("", "   ", "x" * 1001):

        def consent(session: object, reason: str = reason) -> None:
            record_oral_consent(
                session,  # type: ignore[arg-type]
                request_id,
                official_id=official_id,
                reason=reason,
                now=NOW,
            )

        assert code_of(db, consent) == "signature_reason_needed"


def test_oral_consent_only_before_a_habilitated_official(db: Database) -> None:
    request_id = new_request(db)
    for official_id in (
        official(db, habilitated=False),
        official(db, active=False),  # habilitated, but the account is closed
        999_999,  # nobody
    ):

        def consent(session: object, official_id: int = official_id) -> None:
            record_oral_consent(
                session,  # type: ignore[arg-type]
                request_id,
                official_id=official_id,
                reason="Cannot write",
                now=NOW,
            )

        assert code_of(db, consent) == "signature_not_habilitated"
    with db.session() as session:
        row = session.get(SignatureRequestRow, request_id)
        assert row is not None and row.state == "open"


def test_two_submissions_at_once_seal_once(db: Database) -> None:
    """A double tap: the second submission arrives while the first is not yet committed."""
    request_id = new_request(db)
    second = simplify(SIGNATURE, 4.0)
    outcome: list[str] = []

    def submit_second() -> None:
        try:
            with db.session() as session:
                sign(session, request_id, second, document_sha256=DOCUMENT, key=KEY, now=NOW)
            outcome.append("signed")
        except FinestretaError as error:
            outcome.append(error.code)

    with db.session() as session:
        sign(session, request_id, SIGNATURE, document_sha256=DOCUMENT, key=KEY, now=NOW)
        racing = threading.Thread(target=submit_second)
        racing.start()
        racing.join(0.3)  # the second waits on the first's lock (or has read the row open)
    racing.join(30)
    assert outcome == ["signature_already_given"]
    with db.session() as session:
        row = session.get(SignatureRequestRow, request_id)
        assert row is not None and row.paths == stored_paths(SIGNATURE)
