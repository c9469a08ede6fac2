"""HTTP side of the booth's devices: the clerk asks for prints, scans and what the booth screen
shows; the kiosk agent downloads what it prints and uploads what it scans; the booth page
fetches the document shown to the citizen; supervisors see the fleet.

Who may call what: the call's endpoints only the clerk holding the call (``ActiveCall``:
401/403/404/409 otherwise); ``/api/documents/{id}`` only the clerk holding the document's purpose
(its call, until the wrap-up), else a supervisor's look-up with a reason (both audited:
``web/document_access.py``); ``/api/kiosk/documents/{id}`` only the booth it is shown on, while it is shown;
``/api/agent/…`` only the booth's agent (device secret); ``/api/fleet`` supervisors and admins.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from finestreta.devices.desk import summary
from finestreta.documents.naming import file_name, title_from_filename
from finestreta.documents.validation import EXTENSIONS, PDF
from finestreta.errors import INVALID, TOO_LARGE
from finestreta.realtime.frames import DocumentSummary, PrinterStatus, ScannerStatus
from finestreta.web import security
from finestreta.web.calls import ActiveCall, OwnCall
from finestreta.web.contract import CALL, OWN_CALL, STAFF, Done, refusals
from finestreta.web.document_access import held_document, looked_up_document
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


class JobAnswer(BaseModel):
    ok: bool
    job_id: str
    state: str


class PrintAnswer(JobAnswer):
    # a job for a printer that is not there waits, and expires when the call ends
    printer_ready: bool
    printer_reason: str


class ScanAnswer(JobAnswer):
    waiting_for_citizen: bool


class UploadAnswer(DocumentSummary):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ok: bool


class JobSummary(BaseModel):
    job_id: str
    kind: str
    state: str
    reason: str | None
    document_id: str | None
    result_document_id: str | None


class CallDocuments(BaseModel):
    ok: bool
    documents: list[DocumentSummary]
    jobs: list[JobSummary]


class AgentScanAnswer(BaseModel):
    ok: bool
    document_id: str


class BoothStatus(BaseModel):
    kiosk_id: int
    code: str
    name: str
    site: str
    enabled: bool
    online: bool
    agent_online: bool
    activity: Literal["in_call", "waiting", "idle"]
    last_seen: str | None
    printer: PrinterStatus
    scanner: ScannerStatus
    camera: bool | None
    microphone: bool | None
    last_error: str | None


class Fleet(BaseModel):
    ok: bool
    booths: list[BoothStatus]


SameOrigin = [Depends(security.require_same_origin)]
# A file answer: the document's bytes (PDF, PNG or JPEG) or a refusal.
FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in EXTENSIONS}, "description": "The document's bytes"}
}


@router.post("/api/calls/{call_id}/print", dependencies=SameOrigin, responses=refusals(*CALL))
def print_at_booth(body: PrintBody, access: ActiveCall) -> PrintAnswer:
    desk = access.ctx.devices
    job = desk.request_print(access.staff.id, access.call.id, body.document_id, body.copies)
    return PrintAnswer(ok=True, job_id=job.id, state=job.state, **desk.printer_now(job.kiosk_id))


@router.post("/api/calls/{call_id}/scan", dependencies=SameOrigin, responses=refusals(*CALL))
def scan_at_booth(body: ScanBody, access: ActiveCall) -> ScanAnswer:
    job = access.ctx.devices.request_scan(access.staff.id, access.call.id, body.model_dump())
    return ScanAnswer(ok=True, job_id=job.id, state=job.state, waiting_for_citizen=True)


@router.post(
    "/api/calls/{call_id}/scan/{job_id}/start",
    dependencies=SameOrigin,
    responses=refusals(*CALL),
)
def start_scan(job_id: IdInPath, access: ActiveCall) -> Done:
    """Start a scan that waits for the citizen to tap "scan" on the booth."""
    access.ctx.devices.start_scan(access.staff.id, access.call.id, job_id)
    return Done(ok=True)


@router.post("/api/calls/{call_id}/show", dependencies=SameOrigin, responses=refusals(*CALL))
def show_on_booth(body: ShowBody, access: ActiveCall) -> Done:
    access.ctx.devices.show(access.staff.id, access.call.id, body.document_id)
    return Done(ok=True)


UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string", "maxLength": 200},
                    },
                }
            }
        },
    }
}


@router.post(
    "/api/calls/{call_id}/documents",
    dependencies=SameOrigin,
    openapi_extra=UPLOAD_FORM,
    responses=refusals(*CALL, 400, 413),
)
async def upload_document(request: Request, access: ActiveCall) -> UploadAnswer:
    """A multipart form: ``file`` and an optional ``title``. It is parsed here, after the
    dependencies have checked the clerk and the call: a parameter declared with ``File()``
    would make FastAPI read (and spool) the whole body before knowing who sends it. Its size is
    limited before it is read (``web/bodies.py``)."""
    limit = access.ctx.settings.max_upload_bytes
    async with request.form(max_files=1, max_fields=4, max_part_size=1024) as form:
        file, title = form.get("file"), form.get("title", "")
        if not isinstance(file, UploadFile) or not isinstance(title, str):
            raise INVALID("file: a file is required (multipart/form-data)")
        if len(title) > 200:
            raise INVALID("title: at most 200 characters")
        content = await file.read(limit + 1)
        filename = file.filename
    # the uploader's file name is a title at most: the stored file's name comes from the type
    # the bytes are detected as (documents/naming.py)
    title = title or title_from_filename(filename or "") or "document"
    document = access.ctx.devices.add_document(access.staff.id, access.call.id, content, title)
    return UploadAnswer(ok=True, **summary(document).model_dump())


@router.get("/api/calls/{call_id}/documents", responses=refusals(*OWN_CALL))
def call_documents(access: OwnCall) -> CallDocuments:
    from finestreta.devices import service

    with access.ctx.db.session() as session:
        documents = [summary(d) for d in service.documents_of_call(session, access.call.id)]
        jobs = [
            JobSummary(
                job_id=j.id,
                kind=j.kind,
                state=j.state,
                reason=j.reason,
                document_id=j.document_id,
                result_document_id=j.result_document_id,
            )
            for j in service.jobs_of_call(session, access.call.id)
        ]
    return CallDocuments(ok=True, documents=documents, jobs=jobs)


@router.get(
    "/api/documents/{document_id}",
    response_class=Response,
    responses={**FILE, **refusals(*STAFF, 404, 422)},
)
def get_document(
    document_id: IdInPath,
    request: Request,
    staff: Annotated[Staff, Depends(security.require_clerk)],
) -> Response:
    """A document of a purpose the clerk holds now (their call until its wrap-up); audited."""
    document, content = held_document(ctx_of(request), staff, document_id)
    return _file(content, document.media_type, document.title)


class LookUpBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=8, max_length=500)]


@router.post(
    "/api/documents/{document_id}/look-up",
    dependencies=SameOrigin,
    response_class=Response,
    responses={**FILE, **refusals(*STAFF, 404, 422)},
)
def look_up_document(
    document_id: IdInPath,
    body: LookUpBody,
    request: Request,
    staff: Annotated[Staff, Depends(security.require_supervisor)],
) -> Response:
    """Any document, for a supervisor or admin who says why (the reason is audited)."""
    document, content = looked_up_document(ctx_of(request), staff, document_id, body.reason)
    return _file(content, document.media_type, document.title)


@router.get(
    "/api/kiosk/documents/{document_id}",
    response_class=Response,
    responses={**FILE, **refusals(401, 404, 422)},
)
def kiosk_document(
    document_id: IdInPath,
    request: Request,
    booth: Annotated[Booth, Depends(security.require_booth)],
) -> Response:
    desk = ctx_of(request).devices
    document, content = desk.document_for_kiosk_page(booth.id, document_id)
    return _file(content, document.media_type, document.title)


@router.get(
    "/api/agent/documents/{document_id}",
    response_class=Response,
    responses={**FILE, **refusals(401, 404, 410, 422)},
)
def agent_document(
    document_id: IdInPath,
    request: Request,
    booth: Annotated[Booth, Depends(security.require_agent)],
) -> Response:
    desk = ctx_of(request).devices
    document, content = desk.document_for_agent(booth.id, document_id)
    return _file(content, document.media_type, document.title)


@router.post(
    "/api/agent/jobs/{job_id}/scan",
    responses=refusals(400, 401, 404, 409, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in EXTENSIONS},
        }
    },
)
async def agent_scan_upload(
    job_id: IdInPath, request: Request, booth: Annotated[Booth, Depends(security.require_agent)]
) -> AgentScanAnswer:
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
    return AgentScanAnswer(ok=True, document_id=document.id)


@router.get("/api/fleet", responses=refusals(*STAFF))
def fleet(
    request: Request, _staff: Annotated[Staff, Depends(security.require_supervisor)]
) -> Fleet:
    return Fleet.model_validate({"ok": True, "booths": fleet_status(request)})


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


# Types shown in the browser (every stored document was checked to be one of them, by its
# bytes); anything else would be downloaded.
INLINE_TYPES = frozenset(EXTENSIONS)
# A document is never a page of ours: no script, no plugin, no form, no framing; as a sandbox
# it would also have an opaque origin. PDFs get no ``sandbox``: Chromium and Safari refuse to
# run their PDF viewer in a sandboxed document (Chromium strips a PDF's CSP anyway) — what
# keeps a PDF harmless is the upload check (no active content, documents/validation.py).
DOCUMENT_CSP = "default-src 'none'; img-src 'self' data: blob:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _file(content: bytes, media_type: str, title: str) -> Response:
    # Titles are Catalan/Spanish ("Volant de residència"): an ASCII name for old clients and the
    # real one per RFC 6266/5987 (headers are Latin-1 on the wire).
    name = file_name(title, media_type)
    ascii_name = "".join(c if c.isascii() else "_" for c in name)
    shown = "inline" if media_type in INLINE_TYPES else "attachment"
    disposition = f"{shown}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    policy = DOCUMENT_CSP if media_type == PDF else f"sandbox; {DOCUMENT_CSP}"
    return Response(
        content,
        media_type=media_type if media_type in INLINE_TYPES else "application/octet-stream",
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
            "Content-Security-Policy": policy,
        },
    )
