"""HTTP side of the booth's devices: the clerk asks for prints, scans and what the booth screen
shows; the kiosk agent downloads what it prints and uploads what it scans; the booth page
fetches the document shown to the citizen; supervisors see the fleet."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from finestreta.accounts import service as accounts
from finestreta.realtime.device_desk import DeskError, document_summary
from finestreta.web import security
from finestreta.web.errors import Forbidden, NotFound, Refused, Unauthorized
from finestreta.web.security import CALL_ROLES, Staff, ctx_of

router = APIRouter()


def _clerk(request: Request) -> Staff:
    staff = security.staff_of(request)
    if staff is None:
        raise Unauthorized("Log in first")
    if staff.role not in CALL_ROLES:
        raise Forbidden("Only clerks and supervisors handle calls")
    return staff


def call_of_clerk(request: Request, call_id: str) -> tuple[Staff, Any]:
    """The staff member asking and their active call (401/403 for others, 404 for a call that
    is not theirs, 409 for one that has ended)."""
    staff = _clerk(request)
    try:
        return staff, ctx_of(request).devices.call_for_clerk(staff.id, call_id[:64])
    except DeskError as exc:
        raise Refused(exc.status, exc.code, exc.message) from None


class PrintBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: Annotated[str, Field(min_length=1, max_length=64)]
    copies: Annotated[int, Field(ge=1, le=5)] = 1


class ScanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: Annotated[int, Field(ge=75, le=600)] = 200
    mode: Literal["color", "gray"] = "color"
    source: Literal["flatbed", "feeder"] = "flatbed"
    format: Literal["png", "pdf"] = "png"


class ShowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


def _run(action: Any) -> Any:
    try:
        return action()
    except DeskError as exc:
        raise Refused(exc.status, exc.code, exc.message) from None


@router.post("/api/calls/{call_id}/print", dependencies=[Depends(security.require_same_origin)])
def print_at_booth(call_id: str, body: PrintBody, request: Request) -> dict[str, Any]:
    staff = _clerk(request)
    desk = ctx_of(request).devices
    job = _run(lambda: desk.request_print(staff.id, call_id[:64], body.document_id, body.copies))
    return {"ok": True, "job_id": job.id, "state": job.state}


@router.post("/api/calls/{call_id}/scan", dependencies=[Depends(security.require_same_origin)])
def scan_at_booth(call_id: str, body: ScanBody, request: Request) -> dict[str, Any]:
    staff = _clerk(request)
    desk = ctx_of(request).devices
    job = _run(lambda: desk.request_scan(staff.id, call_id[:64], body.model_dump()))
    return {"ok": True, "job_id": job.id, "state": job.state, "waiting_for_citizen": True}


@router.post(
    "/api/calls/{call_id}/scan/{job_id}/start", dependencies=[Depends(security.require_same_origin)]
)
def start_scan(call_id: str, job_id: str, request: Request) -> dict[str, Any]:
    """Start a scan that waits for the citizen to tap "scan" on the booth."""
    staff = _clerk(request)
    desk = ctx_of(request).devices
    _run(lambda: desk.start_scan(staff.id, call_id[:64], job_id[:64]))
    return {"ok": True}


@router.post("/api/calls/{call_id}/show", dependencies=[Depends(security.require_same_origin)])
def show_on_booth(call_id: str, body: ShowBody, request: Request) -> dict[str, Any]:
    staff = _clerk(request)
    desk = ctx_of(request).devices
    _run(lambda: desk.show(staff.id, call_id[:64], body.document_id))
    return {"ok": True}


@router.post("/api/calls/{call_id}/documents", dependencies=[Depends(security.require_same_origin)])
async def upload_document(
    call_id: str,
    request: Request,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    staff = _clerk(request)
    ctx = ctx_of(request)
    content = await file.read(ctx.settings.max_upload_bytes + 1)
    document = _upload(ctx, staff, call_id, content, title or file.filename or "document")
    return {"ok": True, **document_summary(document)}


def _upload(ctx: Any, staff: Staff, call_id: str, content: bytes, title: str) -> Any:
    from finestreta.documents.validation import RejectedDocument

    try:
        return ctx.devices.add_document(staff.id, call_id[:64], content, title)
    except RejectedDocument as exc:
        raise Refused(413 if exc.code == "too_large" else 400, exc.code, exc.message) from None
    except DeskError as exc:
        raise Refused(exc.status, exc.code, exc.message) from None


@router.get("/api/calls/{call_id}/documents")
def call_documents(call_id: str, request: Request) -> dict[str, Any]:
    from finestreta.devices import service

    staff = _clerk(request)
    ctx = ctx_of(request)
    call = _run(lambda: ctx.devices.call_for_clerk(staff.id, call_id[:64], active=False))
    with ctx.db.session() as session:
        documents = [document_summary(d) for d in service.documents_of_call(session, call.id)]
        jobs = [
            {
                "job_id": j.id,
                "kind": j.kind,
                "state": j.state,
                "reason": j.reason,
                "document_id": j.document_id,
                "result_document_id": j.result_document_id,
            }
            for j in service.jobs_of_call(session, call.id)
        ]
    return {"ok": True, "documents": documents, "jobs": jobs}


@router.get("/api/documents/{document_id}")
def get_document(document_id: str, request: Request) -> Response:
    """A document of one of the clerk's own calls; every access is audited."""
    from finestreta.documents.records import DocumentRow

    staff = _clerk(request)
    ctx = ctx_of(request)
    with ctx.db.session() as session:
        document = session.get(DocumentRow, document_id[:64])
        owner = None
        if document is not None and document.call_id:
            from finestreta.attention.records import CallRow

            row = session.get(CallRow, document.call_id)
            owner = row.clerk_id if row else None
        if document is None or document.deleted_at is not None or owner != staff.id:
            raise NotFound("No such document")
        accounts.audit(
            session, staff.username, "document_read", document.id, f"call={document.call_id}"
        )
        content = ctx.devices.documents.content(document)
        return _file(content, document.media_type, document.title)


@router.get("/api/kiosk/documents/{document_id}")
def kiosk_document(document_id: str, request: Request) -> Response:
    booth = security.booth_of(request)
    if booth is None:
        raise Unauthorized("Pair the booth first")
    desk = ctx_of(request).devices
    document, content = _run(lambda: desk.document_for_kiosk_page(booth.id, document_id[:64]))
    return _file(content, document.media_type, document.title)


@router.get("/api/agent/documents/{document_id}")
def agent_document(document_id: str, request: Request) -> Response:
    booth = security.booth_of_agent(request)
    if booth is None:
        raise Unauthorized("Unknown booth or wrong secret")
    desk = ctx_of(request).devices
    document, content = _run(lambda: desk.document_for_agent(booth.id, document_id[:64]))
    return _file(content, document.media_type, document.title)


@router.post("/api/agent/jobs/{job_id}/scan")
async def agent_scan_upload(job_id: str, request: Request) -> dict[str, Any]:
    booth = security.booth_of_agent(request)
    if booth is None:
        raise Unauthorized("Unknown booth or wrong secret")
    ctx = ctx_of(request)
    limit = ctx.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Refused(413, "too_large", f"Files are at most {limit // (1024 * 1024)} MiB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, "too_large", f"Files are at most {limit // (1024 * 1024)} MiB")
    document = _run(lambda: ctx.devices.scan_uploaded(booth.id, job_id[:64], bytes(body)))
    return {"ok": True, "document_id": document.id}


@router.get("/api/fleet")
def fleet(request: Request) -> dict[str, Any]:
    staff = security.staff_of(request)
    if staff is None:
        raise Unauthorized("Log in first")
    if staff.role not in ("supervisor", "admin"):
        raise Forbidden("Only supervisors and admins see the fleet")
    return {"ok": True, "booths": fleet_status(request)}


def fleet_status(request: Request) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from finestreta.accounts.models import Kiosk

    ctx = ctx_of(request)
    hub = ctx.hub
    with ctx.db.session() as session:
        kiosks = list(session.scalars(select(Kiosk).order_by(Kiosk.code)))
        booths = [(k.id, k.code, k.name, k.site.name, k.enabled) for k in kiosks]
    result = []
    for kiosk_id, code, name, site, enabled in booths:
        devices = ctx.devices.devices_frame(kiosk_id)
        in_call = any(
            c.kiosk_id == kiosk_id and c.state == "active" for c in hub.board.calls.values()
        )
        request_live = hub.board.live_request_of(kiosk_id)
        result.append(
            {
                "kiosk_id": kiosk_id,
                "code": code,
                "name": name,
                "site": site,
                "enabled": enabled,
                "online": kiosk_id in hub.kiosks,
                "agent_online": devices["agent_online"],
                "activity": "in_call" if in_call else ("waiting" if request_live else "idle"),
                "last_seen": devices["reported_at"],
                "printer": devices["printer"],
                "scanner": devices["scanner"],
                "camera": devices["camera"],
                "microphone": devices["microphone"],
                "last_error": devices["last_error"],
            }
        )
    return result


def _file(content: bytes, media_type: str, title: str) -> Response:
    # Titles are Catalan/Spanish ("Volant de residència"): an ASCII name for old clients and the
    # real one per RFC 6266/5987 (headers are Latin-1 on the wire).
    name = "".join(c for c in title if c.isalnum() or c in " ._-")[:80].strip() or "document"
    ascii_name = "".join(c if c.isascii() else "_" for c in name)
    disposition = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        },
    )
