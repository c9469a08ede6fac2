"""Who may read a kept signature, the audit of every attempt, and how long it is kept.

A signature is personal data (and its timing biometric): it is read only by

* the clerk of the call it was given in, while that call is active (to draw it into the
  document and check it with the citizen): the drawing only (``read_drawing``: the paths'
  x, y, kept in the clear), never the decrypted time and pressure, and
* a supervisor, who must say why (a dispute, a court's request): the drawing, or the whole
  signature with its time and pressure (``read_signature``).

Every attempt, allowed or not, leaves a row in ``signature_accesses``. After
``FINESTRETA_SIGNATURE_RETENTION_DAYS`` the strokes and their timing are deleted (``purge``);
the request stays, with the document's hash, the signer and the time, as the record that the
document was signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finestreta.attention.records import CallRow
from finestreta.errors import N_, Gone, NotAllowed, declare
from finestreta.signatures.encryption import SignatureKey
from finestreta.signatures.records import SignatureAccessRow, SignatureRequestRow
from finestreta.signatures.sealing import MAX_REASON, REASON_NEEDED, REQUEST_UNKNOWN
from finestreta.signatures.strokes import Point, Signature, Stroke

ACCESS_REFUSED = declare(
    "signature_access_refused",
    NotAllowed,
    N_(
        "Only the clerk of the call, during the call, or a supervisor giving a reason may see "
        "a signature."
    ),
)
NO_STROKES = declare(
    "signature_not_kept",
    Gone,
    N_("That signature is no longer kept (past its retention) or was given orally."),
)


@dataclass(frozen=True)
class Reader:
    staff_id: int
    role: str  # clerk | supervisor | admin


@dataclass(frozen=True)
class Drawing:
    """What a signature looks like: its strokes' x, y in pad pixels, without time or
    pressure (what the clerk of the call gets)."""

    width: int
    height: int
    strokes: tuple[tuple[tuple[float, float], ...], ...]

    def paths(self) -> list[list[tuple[float, float]]]:
        return [list(stroke) for stroke in self.strokes]


def read_drawing(
    session: Session, request_id: str, *, reader: Reader, reason: str | None, now: datetime
) -> Drawing:
    """The drawing of a signature (no time, no pressure: nothing is decrypted), for the clerk
    of its active call or a supervisor giving a reason; audited like ``read_signature``."""
    row = _checked(session, request_id, reader, reason, now, timing=False)
    if row.paths is None or row.pad_width is None or row.pad_height is None:
        raise NO_STROKES()
    return Drawing(
        row.pad_width,
        row.pad_height,
        tuple(tuple((float(x), float(y)) for x, y in path) for path in row.paths),
    )


def read_signature(
    session: Session,
    request_id: str,
    *,
    reader: Reader,
    reason: str | None,
    key: SignatureKey,
    now: datetime,
) -> Signature:
    """The whole signature of a request, its decrypted time and pressure included: only for a
    supervisor giving a reason (the clerk of the call gets ``read_drawing``). The attempt is
    recorded whatever its outcome (flushed in the caller's transaction, which must commit it:
    a refusal raised here is recorded before it is raised, so commit before letting the error
    out)."""
    row = _checked(session, request_id, reader, reason, now, timing=True)
    if row.paths is None or row.timing is None or row.pad_width is None or row.pad_height is None:
        raise NO_STROKES()
    timing = key.open(row.timing, row.id)
    return Signature(
        tuple(
            Stroke(tuple(Point(x, y, t, p) for (x, y), (t, p) in zip(path, times, strict=True)))
            for path, times in zip(row.paths, timing, strict=True)
        ),
        row.pad_width,
        row.pad_height,
    )


def _checked(
    session: Session,
    request_id: str,
    reader: Reader,
    reason: str | None,
    now: datetime,
    *,
    timing: bool,
) -> SignatureRequestRow:
    """The request if ``reader`` may read it (``timing``: its time and pressure too), after
    recording the attempt; else the refusal, recorded first."""
    row = session.get(SignatureRequestRow, request_id)
    if row is None:
        raise REQUEST_UNKNOWN()
    reason = (reason or "").strip() or None
    allowed = _allowed(session, row, reader, reason, timing=timing)
    session.add(
        SignatureAccessRow(
            at=now,
            request_id=row.id,
            reader_id=reader.staff_id,
            reader_role=reader.role,
            reason=reason,
            allowed=allowed,
        )
    )
    session.flush()
    if not allowed:
        if reader.role == "supervisor" and reason is None:
            raise REASON_NEEDED("a supervisor reads a signature for a reason")
        raise ACCESS_REFUSED(f"{reader.role} {reader.staff_id} may not read this signature")
    return row


def _allowed(
    session: Session, row: SignatureRequestRow, reader: Reader, reason: str | None, *, timing: bool
) -> bool:
    if reader.role == "supervisor":
        return reason is not None and len(reason) <= MAX_REASON
    if reader.role == "clerk" and not timing:  # the biometric part is never the clerk's
        call = session.get(CallRow, row.call_id)
        return call is not None and call.clerk_id == reader.staff_id and call.state == "active"
    return False


def accesses(session: Session, request_id: str) -> list[SignatureAccessRow]:
    """The audit of a signature, oldest first."""
    return list(
        session.scalars(
            select(SignatureAccessRow)
            .where(SignatureAccessRow.request_id == request_id)
            .order_by(SignatureAccessRow.id)
        )
    )


def purge(session: Session, *, now: datetime, retention_days: float) -> int:
    """Delete the strokes and timing of signatures sealed more than ``retention_days`` ago;
    return how many were purged."""
    cutoff = now - timedelta(days=retention_days)
    result = session.execute(
        update(SignatureRequestRow)
        .where(
            SignatureRequestRow.sealed_at < cutoff,
            SignatureRequestRow.purged_at.is_(None),
        )
        .values(paths=None, timing=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
