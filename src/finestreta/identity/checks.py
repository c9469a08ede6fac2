"""Recording and reading back identity checks (one row per identification in a call).

How the clerk accepted the citizen's identity (``id_on_camera`` or ``id_scanned`` with the
scan's document id) is evidence a document issued in the citizen's name rests on: rows are only
ever added, and the last one of a call is the identification in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.errors import N_, InvalidInput, declare
from finestreta.identity.records import IdentityCheckRow
from finestreta.padro.identity import DocumentType, IdDocument

METHODS = ("id_on_camera", "id_scanned")

BAD_METHOD = declare("bad_method", InvalidInput, N_("Say how the identity was checked."))
SCAN_NEEDED = declare(
    "scan_needed",
    InvalidInput,
    N_("Choose the scan of the ID, or scan it first with the booth's scanner."),
)


@dataclass(frozen=True)
class Declared:
    """Read off the ID by the clerk, for a citizen the register does not know."""

    given_name: str
    surnames: str
    birth_date: date


@dataclass(frozen=True)
class Check:
    id: int
    document: IdDocument
    method: str
    declared: Declared | None


def validate_method(method: str, scan_document_id: str | None) -> None:
    if method not in METHODS:
        raise BAD_METHOD(f"How the ID was checked: one of {METHODS}")
    if method == "id_scanned" and not scan_document_id:
        raise SCAN_NEEDED("Choose the scan of the ID document.")


def record_check(
    session: Session,
    *,
    at: datetime,
    call_id: str,
    clerk_id: int,
    document: IdDocument,
    method: str,
    scan_document_id: str | None,
    status: str,
    person_id: str | None,
    declared: Declared | None,
) -> int:
    """Write the check (flushed, in the caller's transaction) and return its id."""
    validate_method(method, scan_document_id)
    row = IdentityCheckRow(
        at=at,
        call_id=call_id,
        clerk_id=clerk_id,
        document_type=document.type.value,
        document_number=document.number,
        method=method,
        scan_document_id=scan_document_id,
        status=status,
        person_id=person_id,
        given_name=declared.given_name if declared else None,
        surnames=declared.surnames if declared else None,
        birth_date=declared.birth_date if declared else None,
    )
    session.add(row)
    session.flush()
    return row.id


def last_check(session: Session, call_id: str) -> Check | None:
    """The identification in force in a call (its last check), or None."""
    row = session.scalars(
        select(IdentityCheckRow)
        .where(IdentityCheckRow.call_id == call_id)
        .order_by(IdentityCheckRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    declared = (
        Declared(row.given_name or "", row.surnames or "", row.birth_date)
        if row.birth_date
        else None
    )
    return Check(
        row.id,
        IdDocument(DocumentType(row.document_type), row.document_number),
        row.method,
        declared,
    )
