"""The web edges of signatures (platform: any procedure that asks for one uses them).

* ``POST /api/booth/signatures/{request_id}``: the booth's pad. Only the paired booth whose
  active call the request belongs to, while the booth shows it; same-origin; a JSON body of at
  most :data:`bodies.SIGNATURE_BYTES` (a larger one is a 413 ``too_large`` before it is read).
* ``POST /api/booth/signatures/{request_id}/started``: the same booth, at the citizen's first
  stroke (the procedure may no longer replace the document; the console hears ``signing``).
* ``POST /api/calls/{call_id}/signatures/{request_id}/oral-consent`` ``{reason}`` and
  ``DELETE /api/calls/{call_id}/signatures/{request_id}``: the clerk of the active call (the
  habilitated official) records the citizen's oral consent, or withdraws the request.
* ``GET /api/signatures/{request_id}?reason=&format=json|svg``: a kept signature, for the clerk
  of the active call it was given in (its drawing only: x, y), or a supervisor who says why
  (the JSON with the decrypted time and pressure too); every attempt audited, refusals too
  (``signatures.access``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from finestreta.errors import FinestretaError
from finestreta.signatures.access import Drawing, Reader, read_drawing, read_signature
from finestreta.signatures.desk import SignatureGiven
from finestreta.signatures.strokes import Signature
from finestreta.web import security
from finestreta.web.calls import ActiveCall
from finestreta.web.contract import CALL, STAFF, Done, refusals
from finestreta.web.security import Booth, Staff, ctx_of

router = APIRouter()

SameOrigin = [Depends(security.require_same_origin)]
RequestId = Annotated[str, PathParam(min_length=1, max_length=43, pattern=r"^[A-Za-z0-9_-]+$")]


class PadBody(BaseModel):
    """The pad as ``signatures.strokes.parse`` takes it, and the hash the booth showed."""

    model_config = ConfigDict(extra="forbid")
    document_sha256: Annotated[str, Field(min_length=64, max_length=64)]
    width: float
    height: float
    # points are checked by ``strokes.parse`` (numbers, not booleans; limits counted first)
    strokes: list[list[Any]]


class Given(BaseModel):
    ok: Literal[True]
    request_id: str
    state: Literal["signed", "oral_consent"]
    sealed_at: str


class ConsentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class Strokes(BaseModel):
    """A kept signature: x, y in pad pixels (top-left origin); with ``timing`` (a supervisor
    only) each point also has its time in ms and its pressure 0..1."""

    ok: Literal[True]
    request_id: str
    width: int
    height: int
    timing: bool
    strokes: list[list[tuple[float, float] | tuple[float, float, float, float]]]


def _given(given: SignatureGiven) -> Given:
    return Given(
        ok=True,
        request_id=given.request.id,
        state=given.request.state,
        sealed_at=given.request.sealed_at.isoformat(),
    )


@router.post(
    "/api/booth/signatures/{request_id}",
    dependencies=SameOrigin,
    responses=refusals(400, 401, 403, 404, 409, 410, 413, 422, 503),
)
def booth_signs(
    request_id: RequestId,
    body: PadBody,
    request: Request,
    booth: Annotated[Booth, Depends(security.require_booth)],
) -> Given:
    """The citizen's strokes, from the pad of the booth showing the request."""
    ctx = ctx_of(request)
    call = ctx.hub.active_of_kiosk(booth.id)
    pad = {"width": body.width, "height": body.height, "strokes": body.strokes}
    return _given(ctx.signatures.sign_at_booth(call, request_id, pad, body.document_sha256))


@router.post(
    "/api/booth/signatures/{request_id}/started",
    dependencies=SameOrigin,
    responses=refusals(400, 401, 403, 404, 409, 410),
)
def booth_started(
    request_id: RequestId,
    request: Request,
    booth: Annotated[Booth, Depends(security.require_booth)],
) -> Done:
    """The citizen made the first stroke on the pad of the request the booth shows."""
    ctx = ctx_of(request)
    ctx.signatures.started(ctx.hub.active_of_kiosk(booth.id), request_id)
    return Done(ok=True)


@router.post(
    "/api/calls/{call_id}/signatures/{request_id}/oral-consent",
    dependencies=SameOrigin,
    responses=refusals(*CALL, 400, 410),
)
def oral_consent(request_id: RequestId, body: ConsentBody, access: ActiveCall) -> Given:
    """The clerk of the call records that the citizen, who cannot sign, consented orally."""
    given = access.ctx.signatures.consent_orally(
        access.call, request_id, official_id=access.staff.id, reason=body.reason
    )
    return _given(given)


@router.delete(
    "/api/calls/{call_id}/signatures/{request_id}",
    dependencies=SameOrigin,
    responses=refusals(*CALL, 410),
)
def withdraw(request_id: RequestId, access: ActiveCall) -> Done:
    access.ctx.signatures.cancel(access.call, request_id)
    return Done(ok=True)


@router.get(
    "/api/signatures/{request_id}",
    response_model=Strokes,
    responses={
        200: {"content": {"image/svg+xml": {}}},
        **refusals(*STAFF, 400, 404, 410, 422, 503),
    },
)
def read(
    request_id: RequestId,
    request: Request,
    staff: Annotated[Staff, Depends(security.require_staff)],
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    format: Literal["json", "svg"] = "json",
) -> Any:
    """A kept signature: its drawing for the clerk of its active call; for a supervisor giving a
    reason, the JSON carries the decrypted time and pressure too (the biometric part)."""
    ctx = ctx_of(request)
    desk = ctx.signatures
    reader = Reader(staff.id, staff.role)
    timing = staff.role == "supervisor" and format == "json"
    now = ctx.clock.now()
    signature: Signature | Drawing
    with ctx.db.session() as session:
        try:
            if timing:
                signature = read_signature(
                    session,
                    request_id,
                    reader=reader,
                    reason=reason,
                    key=desk.deferred_key,
                    now=now,
                )
            else:
                signature = read_drawing(session, request_id, reader=reader, reason=reason, now=now)
        except FinestretaError:
            session.commit()  # the refused attempt stays in the audit
            raise
    if format == "svg":
        return Response(
            svg(signature),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
        )
    strokes: list[list[tuple[float, float] | tuple[float, float, float, float]]]
    if isinstance(signature, Signature):
        strokes = [[(p.x, p.y, p.t_ms, p.pressure) for p in s.points] for s in signature.strokes]
    else:
        strokes = [list(path) for path in signature.strokes]
    return Strokes(
        ok=True,
        request_id=request_id,
        width=signature.width,
        height=signature.height,
        timing=isinstance(signature, Signature),
        strokes=strokes,
    )


def svg(signature: Signature | Drawing) -> str:
    """The strokes as SVG polylines, in pad pixels (numbers only: nothing to escape)."""
    lines = "".join(
        '<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in path) + '"/>'
        for path in signature.paths()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {signature.width} '
        f'{signature.height}" width="{signature.width}" height="{signature.height}">'
        '<g fill="none" stroke="#0d1a59" stroke-width="4" stroke-linecap="round" '
        f'stroke-linejoin="round">{lines}</g></svg>'
    )
