"""HTTP side of the booth's devices: the clerk asks for prints, scans and what the booth screen
shows; the kiosk agent downloads what it prints and uploads what it scans; the booth page
fetches the document shown to the citizen; supervisors see the fleet.

Who may call what: the call's endpoints only the clerk holding the call (``ActiveCall``:
401/403/404/409 otherwise); ``/api/documents/{id}`` only the clerk of the document's call
(audited); ``/api/kiosk/documents/{id}`` only the booth it is shown on, while it is shown;
``/api/agent/…`` only the booth's agent (device secret); ``/api/fleet`` supervisors and admins.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from finestreta.accounts import service as accounts
from finestreta.devices.desk import NO_DOCUMENT, summary
from finestreta.errors import TOO_LARGE
from finestreta.web import security
from finestreta.web.calls import ActiveCall, OwnCall
from finestreta.web.security import Booth, Staff, ctx_of

router = APIRouter()

DocumentId = Annotated[str, Field(min_length=1, max_length=64)]
# A document or job id in the path: longer ones are refused (422) before anything is looked up.
IdInPath = Annotated[str, PathParam(min_length=1, max_length=64)]


class PrintBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: DocumentId
    copies: Annotated[int, Field(ge=1, le=5)] = 1


class ScanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: Annotated[int, Field(ge=75, le=600)] = 200
    mode: Literal["color", "gray"] = "color"
    source: Literal["flatbed", "feeder"] = "flatbed"
    format: Literal["png", "pdf"] = "png"


class ShowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_id: DocumentId | None = None


SameOrigin = [Depends(security.require_same_origin)]


@router.post("/api/calls/{call_id}/print", dependencies=SameOrigin)
def print_at_booth(body: PrintBody, access: ActiveCall) -> dict[str, Any]:
    desk = access.ctx.devices
    job = desk.request_print(access.staff.id, access.call.id, body.document_id, body.copies)
    return {"ok": True, "job_id": job.id, "state": job.state, **desk.printer_now(job.kiosk_id)}


@router.post("/api/calls/{call_id}/scan", dependencies=SameOrigin)
def scan_at_booth(body: ScanBody, access: ActiveCall) -> dict[str, Any]:
    job = access.ctx.devices.request_scan(access.staff.id, access.call.id, body.model_dump())
    return {"ok": True, "job_id": job.id, "state": job.state, "waiting_for_citizen": True}


@router.post("/api/calls/{call_id}/scan/{job_id}/start", dependencies=SameOrigin)
def start_scan(job_id: IdInPath, access: ActiveCall) -> dict[str, Any]:
    """Start a scan that waits for the citizen to tap "scan" on the booth."""
    access.ctx.devices.start_scan(access.staff.id, access.call.id, job_id)
    return {"ok": True}


@router.post("/api/calls/{call_id}/show", dependencies=SameOrigin)
def show_on_booth(body: ShowBody, access: ActiveCall) -> dict[str, Any]:
    access.ctx.devices.show(access.staff.id, access.call.id, body.document_id)
    return {"ok": True}


@router.post("/api/calls/{call_id}/documents", dependencies=SameOrigin)
async def upload_document(
    access: ActiveCall,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    limit = access.ctx.settings.max_upload_bytes
    content = await file.read(limit + 1)
    document = access.ctx.devices.add_document(
        access.staff.id, access.call.id, content, title or file.filename or "document"
    )
    return {"ok": True, **summary(document).model_dump()}


@router.get("/api/calls/{call_id}/documents")
def call_documents(access: OwnCall) -> dict[str, Any]:
    from finestreta.devices import service

    with access.ctx.db.session() as session:
        documents = [
            summary(d).model_dump() for d in service.documents_of_call(session, access.call.id)
        ]
        jobs = [
            {
                "job_id": j.id,
                "kind": j.kind,
                "state": j.state,
                "reason": j.reason,
                "document_id": j.document_id,
                "result_document_id": j.result_document_id,
            }
            for j in service.jobs_of_call(session, access.call.id)
        ]
    return {"ok": True, "documents": documents, "jobs": jobs}


@router.get("/api/documents/{document_id}")
def get_document(
    document_id: IdInPath,
    request: Request,
    staff: Annotated[Staff, Depends(security.require_clerk)],
) -> Response:
    """A document of one of the clerk's own calls; every access is audited."""
    from finestreta.attention.records import CallRow
    from finestreta.documents.records import DocumentRow

    ctx = ctx_of(request)
    with ctx.db.session() as session:
        document = session.get(DocumentRow, document_id)
        owner = None
        if document is not None and document.call_id:
            row = session.get(CallRow, document.call_id)
            owner = row.clerk_id if row else None
        if document is None or document.deleted_at is not None or owner != staff.id:
            raise NO_DOCUMENT("No such document")
        accounts.audit(
            session, staff.username, "document_read", document.id, f"call={document.call_id}"
        )
        content = ctx.devices.documents.content(document)
        return _file(content, document.media_type, document.title)


@router.get("/api/kiosk/documents/{document_id}")
def kiosk_document(
    document_id: IdInPath,
    request: Request,
    booth: Annotated[Booth, Depends(security.require_booth)],
) -> Response:
    desk = ctx_of(request).devices
    document, content = desk.document_for_kiosk_page(booth.id, document_id)
    return _file(content, document.media_type, document.title)


@router.get("/api/agent/documents/{document_id}")
def agent_document(
    document_id: IdInPath,
    request: Request,
    booth: Annotated[Booth, Depends(security.require_agent)],
) -> Response:
    desk = ctx_of(request).devices
    document, content = desk.document_for_agent(booth.id, document_id)
    return _file(content, document.media_type, document.title)


@router.post("/api/agent/jobs/{job_id}/scan")
async def agent_scan_upload(
    job_id: IdInPath, request: Request, booth: Annotated[Booth, Depends(security.require_agent)]
) -> dict[str, Any]:
    ctx = ctx_of(request)
    limit = ctx.settings.max_upload_bytes
    too_large = f"Files are at most {limit // (1024 * 1024)} MiB"
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TOO_LARGE(too_large)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TOO_LARGE(too_large)
    document = ctx.devices.scan_uploaded(booth.id, job_id, bytes(body))
    return {"ok": True, "document_id": document.id}


@router.get("/api/fleet")
def fleet(
    request: Request, _staff: Annotated[Staff, Depends(security.require_supervisor)]
) -> dict[str, Any]:
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
        in_call = hub.active_of_kiosk(kiosk_id) is not None
        request_live = hub.board.live_request_of(kiosk_id)
        result.append(
            {
                "kiosk_id": kiosk_id,
                "code": code,
                "name": name,
                "site": site,
                "enabled": enabled,
                "online": kiosk_id in hub.kiosks,
                "agent_online": devices.agent_online,
                "activity": "in_call" if in_call else ("waiting" if request_live else "idle"),
                "last_seen": devices.reported_at,
                "printer": devices.printer.model_dump(),
                "scanner": devices.scanner.model_dump(),
                "camera": devices.camera,
                "microphone": devices.microphone,
                "last_error": devices.last_error,
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
