"""A signature is asked for one document, fixed before the citizen signs, and given once.

``open_request`` is made when the booth shows the document: its SHA-256 is fixed then and the
booth shows it, so there is no "signature" for a document the citizen has not been shown.
``sign`` seals the request with the strokes, ``record_oral_consent`` with the habilitated
official's record instead (Ley 39/2015 art. 12.2) for a citizen who cannot sign. Either is
refused when the request is unknown, already sealed, expired, or (``sign``) when the document
is no longer the one shown. Functions flush in the caller's transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finestreta.accounts.models import StaffUser
from finestreta.errors import N_, Conflict, Gone, InvalidInput, NotAllowed, NotFound, declare
from finestreta.signatures.encryption import SignatureKey
from finestreta.signatures.records import SignatureRequestRow
from finestreta.signatures.strokes import SIGNATURE_MALFORMED, Signature

# Long enough to read the document and sign slowly; short enough that a request left open on
# a booth is not signed later by someone else.
REQUEST_MINUTES = 15
MAX_REASON = 1000
SHA256 = re.compile(r"[0-9a-f]{64}")

REQUEST_UNKNOWN = declare(
    "signature_request_unknown",
    NotFound,
    N_("There is no signature request with that reference."),
)
REQUEST_EXPIRED = declare(
    "signature_request_expired",
    Gone,
    N_("The signature request has expired: show the document to the citizen again."),
    N_("The time to sign has run out. The staff will show you the document again."),
)
ALREADY_SEALED = declare(
    "signature_already_given",
    Conflict,
    N_("This document has already been signed or consented to."),
)
DOCUMENT_CHANGED = declare(
    "signature_document_changed",
    Conflict,
    N_("The document changed after it was shown to the citizen: show it again before signing."),
    N_("The document has changed. The staff will show it to you again before you sign."),
)
REQUEST_WITHDRAWN = declare(
    "signature_request_withdrawn",
    Gone,
    N_("The signature request was withdrawn."),
    N_("The staff withdrew this document. You do not need to sign it."),
)
REASON_NEEDED = declare(
    "signature_reason_needed",
    InvalidInput,
    N_("Write the reason (up to 1,000 characters)."),
)
NOT_HABILITATED = declare(
    "signature_not_habilitated",
    NotAllowed,
    N_(
        "Only a habilitated official may record a citizen's oral consent: ask one to take the call."
    ),
)


@dataclass(frozen=True)
class SealedRequest:
    """What a document layout prints beside the citizen's name."""

    id: str
    document_sha256: str
    signer_name: str
    state: str  # signed | oral_consent
    sealed_at: datetime
    official_id: int | None
    consent_reason: str | None
    # The habilitated official's name as the account gives it, for the document to print
    # beside "consented orally before …" (None for a signature on the pad).
    official_name: str | None = None


def open_request(
    session: Session,
    *,
    call_id: str,
    document_sha256: str,
    signer_name: str,
    signer_id_type: str,
    signer_id_number: str,
    now: datetime,
    procedure: str | None = None,
    purpose: str | None = None,
    document_id: str | None = None,
) -> str:
    """Fix the document being shown and return the request's unguessable id (``procedure``
    and ``purpose``: who asked and for what; ``document_id``: the document shown)."""
    digest = _sha256(document_sha256)
    if not signer_name.strip() or len(signer_name) > 250:
        raise SIGNATURE_MALFORMED("the signer's name: 1 to 250 characters")
    row = SignatureRequestRow(
        id=secrets.token_urlsafe(32),
        call_id=call_id,
        document_sha256=digest,
        signer_name=signer_name.strip(),
        signer_id_type=signer_id_type,
        signer_id_number=signer_id_number,
        opened_at=now,
        expires_at=now + timedelta(minutes=REQUEST_MINUTES),
        state="open",
        procedure=procedure,
        purpose=purpose,
        document_id=document_id,
    )
    session.add(row)
    session.flush()
    return row.id


def sign(
    session: Session,
    request_id: str,
    signature: Signature,
    *,
    document_sha256: str,
    key: SignatureKey,
    now: datetime,
) -> SealedRequest:
    """Seal the request with ``signature`` (already parsed and simplified), if the document
    about to carry it (``document_sha256``) is still the one shown."""
    row = _open_row(session, request_id, now)
    if _sha256(document_sha256) != row.document_sha256:
        raise DOCUMENT_CHANGED(f"signature request {request_id[:6]}…: the document's hash differs")
    _seal(
        session,
        row,
        state="signed",
        sealed_at=now,
        pad_width=signature.width,
        pad_height=signature.height,
        # JSON's own shape (lists), so the row reads the same before and after a reload
        paths=[[[x, y] for x, y in path] for path in signature.paths()],
        timing=key.seal(signature.timing(), row.id),
    )
    return sealed(row)


def record_oral_consent(
    session: Session, request_id: str, *, official_id: int, reason: str, now: datetime
) -> SealedRequest:
    """Seal the request with the habilitated official's record of the citizen's oral consent
    and why the citizen could not sign; the document says so instead of showing strokes.
    ``official_id`` must be an active staff account in the register of habilitated officials
    (``staff_users.habilitated``, Ley 39/2015 art. 12.3), else ``signature_not_habilitated``."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise REASON_NEEDED("the reason the citizen cannot sign: 1 to 1,000 characters")
    official = session.get(StaffUser, official_id)
    if official is None or not official.active or not official.habilitated:
        raise NOT_HABILITATED(f"staff {official_id} is not a habilitated official")
    row = _open_row(session, request_id, now)
    _seal(
        session,
        row,
        state="oral_consent",
        sealed_at=now,
        official_id=official_id,
        consent_reason=reason,
    )
    return sealed(row, session)


def start(session: Session, request_id: str, *, now: datetime) -> bool:
    """The citizen made the first stroke on the pad: the request is marked started (the clerk
    may no longer replace the document, only withdraw it). True the first time; refused as
    ``sign`` would be when the request is no longer open."""
    row = _open_row(session, request_id, now)
    result = session.execute(
        update(SignatureRequestRow)
        .where(
            SignatureRequestRow.id == row.id,
            SignatureRequestRow.state == "open",
            SignatureRequestRow.started_at.is_(None),
        )
        .values(started_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return getattr(result, "rowcount", 0) == 1


def cancel(session: Session, request_id: str, *, call_id: str) -> bool:
    """Withdraw the open request ``request_id`` of the call ``call_id`` (the clerk changed their
    mind, or asks again); False when there was no such open request."""
    result = session.execute(
        update(SignatureRequestRow)
        .where(
            SignatureRequestRow.id == request_id,
            SignatureRequestRow.call_id == call_id,
            SignatureRequestRow.state == "open",
        )
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return getattr(result, "rowcount", 0) == 1


def sealed(row: SignatureRequestRow, session: Session | None = None) -> SealedRequest:
    """The sealed request as a document prints it (with ``session``, the official's name)."""
    assert row.sealed_at is not None, "only a sealed request"
    official = (
        session.get(StaffUser, row.official_id)
        if session is not None and row.official_id is not None
        else None
    )
    return SealedRequest(
        row.id,
        row.document_sha256,
        row.signer_name,
        row.state,
        row.sealed_at,
        row.official_id,
        row.consent_reason,
        official.display_name if official is not None else None,
    )


def _open_row(session: Session, request_id: str, now: datetime) -> SignatureRequestRow:
    # FOR UPDATE: two submissions of one signature (a double tap) seal it once.
    row = session.scalars(
        select(SignatureRequestRow).where(SignatureRequestRow.id == request_id).with_for_update()
    ).first()
    if row is None:
        raise REQUEST_UNKNOWN()
    if row.state == "cancelled":
        raise REQUEST_WITHDRAWN(f"signature request {request_id[:6]}… was withdrawn")
    if row.state != "open":
        raise ALREADY_SEALED(f"signature request {request_id[:6]}… is {row.state}")
    if now >= row.expires_at:
        raise REQUEST_EXPIRED(f"signature request {request_id[:6]}… expired at {row.expires_at}")
    return row


def _seal(session: Session, row: SignatureRequestRow, **values: object) -> None:
    """Seal the row only if it is still open, in one statement: the ``FOR UPDATE`` above makes
    PostgreSQL wait for a concurrent seal, and SQLite (which ignores it, and reads outside the
    write lock) is held to the same answer by the condition on ``state``."""
    result = session.execute(
        update(SignatureRequestRow)
        .where(SignatureRequestRow.id == row.id, SignatureRequestRow.state == "open")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ALREADY_SEALED(f"signature request {row.id[:6]}… was sealed meanwhile")
    session.refresh(row)


def _sha256(value: str) -> str:
    digest = value.strip().lower()
    if not SHA256.fullmatch(digest):
        raise SIGNATURE_MALFORMED("a document's SHA-256 is 64 hexadecimal digits")
    return digest
