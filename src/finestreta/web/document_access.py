"""Who may read a stored document: access follows the document's *purpose*, not its call alone.

A document belongs to one purpose (today a call: ``DocumentRow.call_id``; a case or a registry
entry when those procedures come). Whoever holds the purpose now may read it: a call is held by
its clerk until the wrap-up is saved (the switchboard keeps the call until then; afterwards the
call's list answers 404 too). Anyone else, and the clerk after the wrap-up, reads it only through
a look-up: a supervisor or admin gives a reason, and the reason is written to the audit log with
the read.

Every read of ``/api/documents/…`` goes through :func:`held_document` or
:func:`looked_up_document`. The booth page and the kiosk agent have narrower rules of their own
(what is shown now, what a live job prints: ``devices/desk.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from finestreta.accounts import service as accounts
from finestreta.context import AppContext
from finestreta.devices.desk import NO_DOCUMENT
from finestreta.documents.records import DocumentRow
from finestreta.web.errors import FORBIDDEN
from finestreta.web.security import Staff

LOOK_UP_ROLES = ("supervisor", "admin")

# Whether ``staff`` holds the purpose ``key`` now. Case and registry purposes add theirs here.
Holder = Callable[[AppContext, Staff, str], bool]


def _holds_call(ctx: AppContext, staff: Staff, call_id: str) -> bool:
    call = ctx.hub.get(call_id)  # live, or ended and waiting for its wrap-up
    return call is not None and call.clerk_id == staff.id


HOLDERS: dict[str, Holder] = {"call": _holds_call}


def purpose_of(document: DocumentRow) -> tuple[str, str] | None:
    """The purpose a document was made for, as (kind, key); None: it belongs to none."""
    if document.call_id:
        return "call", document.call_id
    return None


def _stored(ctx: AppContext, document_id: str) -> tuple[DocumentRow, bytes]:
    with ctx.db.session() as session:
        document = session.get(DocumentRow, document_id)
        if document is None or document.deleted_at is not None:
            raise NO_DOCUMENT("No such document")
        session.expunge(document)
    return document, ctx.devices.documents.content(document)


def held_document(ctx: AppContext, staff: Staff, document_id: str) -> tuple[DocumentRow, bytes]:
    """A document of a purpose ``staff`` holds now (audited); 404 otherwise, also for documents
    that exist: whether they do is not confirmed."""
    with ctx.db.session() as session:
        document = session.get(DocumentRow, document_id)
        purpose = purpose_of(document) if document is not None else None
        holder = HOLDERS.get(purpose[0]) if purpose is not None else None
        if purpose is None or holder is None or not holder(ctx, staff, purpose[1]):
            raise NO_DOCUMENT("No such document")
        assert document is not None
        accounts.audit(
            session, staff.username, "document_read", document.id, f"{purpose[0]}={purpose[1]}"
        )
    return _stored(ctx, document_id)


def looked_up_document(
    ctx: AppContext, staff: Staff, document_id: str, reason: str
) -> tuple[DocumentRow, bytes]:
    """Any document, for a supervisor or admin who says why; the reason is audited."""
    if staff.role not in LOOK_UP_ROLES:
        raise FORBIDDEN("Only supervisors and admins may look documents up")
    with ctx.db.session() as session:
        document = session.get(DocumentRow, document_id)
        if document is None or document.deleted_at is not None:
            raise NO_DOCUMENT("No such document")
        purpose = purpose_of(document)
        where = f"{purpose[0]}={purpose[1]}" if purpose is not None else "none"
        accounts.audit(
            session, staff.username, "document_looked_up", document.id, f"{where} reason={reason}"
        )
    return _stored(ctx, document_id)
