"""The call an HTTP request acts on: one dependency for every endpoint under
``/api/calls/{call_id}/…`` (the platform's and every procedure's).

``require_call`` answers 401 to nobody, 403 to a role that answers no calls, 404 for a call
that is not the asker's (its existence is not confirmed) or an id that cannot be a call's, and
409 for a call that has ended; ``require_own_call`` lets an ended call through (to read what
it produced).

Both are ``async``: their work is a look-up in memory, and a dependency run on the event loop
shares the request's context, so the call's ids it binds for the log lines (``log_context``)
reach the endpoint (a sync one would bind them in a worker thread's copy, lost on return).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from finestreta import log_context
from finestreta.attention.errors import CALL_ENDED, NO_CALL
from finestreta.context import AppContext
from finestreta.realtime.ports import CallView
from finestreta.web.security import Staff, ctx_of, require_clerk

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class CallAccess:
    """Who asks (``staff``), about which call, and the running app's context."""

    staff: Staff
    call: CallView
    ctx: AppContext


def _access(request: Request, call_id: str, staff: Staff, active: bool) -> CallAccess:
    ctx = ctx_of(request)
    call = ctx.hub.get(call_id) if _ID.match(call_id) else None
    if call is None or call.clerk_id != staff.id:
        raise NO_CALL("No call of yours with that id")
    if active and not call.active:
        raise CALL_ENDED("The call has ended")
    log_context.bind_call(call.id, call.request_id)
    return CallAccess(staff, call, ctx)


async def require_call(
    request: Request, call_id: str, staff: Annotated[Staff, Depends(require_clerk)]
) -> CallAccess:
    """The asker's active call."""
    return _access(request, call_id, staff, active=True)


async def require_own_call(
    request: Request, call_id: str, staff: Annotated[Staff, Depends(require_clerk)]
) -> CallAccess:
    """The asker's call, active or ended."""
    return _access(request, call_id, staff, active=False)


ActiveCall = Annotated[CallAccess, Depends(require_call)]
OwnCall = Annotated[CallAccess, Depends(require_own_call)]


def still_active(access: CallAccess) -> None:
    """The call may have ended while a register answered: personal data is not given to a
    call that is over."""
    call = access.ctx.hub.get(access.call.id)
    if call is None or not call.active:
        raise CALL_ENDED("The call has ended")


def scan_of_call(access: CallAccess, document_id: str) -> None:
    """The scan of an ID the clerk names as evidence of an identity check is a scan or an
    upload of this attention (else 404, as for any document not of the call)."""
    from finestreta.devices.desk import NO_DOCUMENT
    from finestreta.documents.records import DocumentRow

    with access.ctx.db.session() as session:
        row = session.get(DocumentRow, document_id)
        if (
            row is None
            or row.call_id != access.call.id
            or row.deleted_at is not None
            or row.kind not in ("scan", "upload")
        ):
            raise NO_DOCUMENT("No scan or upload of this attention with that id")
