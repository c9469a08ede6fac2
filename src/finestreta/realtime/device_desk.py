"""The booth's devices during a call: the kiosk agent's socket, print and scan jobs, documents
shown on the booth screen, and the device health everyone needs to see.

Jobs live in the database (``devices.service``); this desk delivers them to the agent, follows
the agent's reports, and tells the clerk (``job``, ``devices``, ``document`` frames) and the
citizen (``device_prompt``, ``show_document``, ``show_entry``, ``hide_document``) what is going on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from finestreta.attention.states import CallState
from finestreta.db import Database
from finestreta.devices import service
from finestreta.devices.jobs import PRINT_REASONS, SCAN_REASONS, JobState
from finestreta.devices.records import DeviceHealthRow, DeviceJobRow
from finestreta.documents.records import DocumentRow
from finestreta.documents.service import Documents
from finestreta.realtime import frames as f
from finestreta.realtime.connections import Connection

if TYPE_CHECKING:
    from finestreta.realtime.hub import Hub

log = logging.getLogger(__name__)

# What the citizen is asked to do while a job runs, by kind and state.
_PROMPTS = {
    ("scan", JobState.SENT): "place_on_scanner",
    ("scan", JobState.RECEIVED): "place_on_scanner",
    ("scan", JobState.PROCESSING): "scanning",
    ("scan", JobState.DONE): None,
    ("scan", JobState.FAILED): "device_problem",
    ("print", JobState.SENT): "printing",
    ("print", JobState.RECEIVED): "printing",
    ("print", JobState.PROCESSING): "printing",
    ("print", JobState.DONE): "collect_printout",
    ("print", JobState.FAILED): "device_problem",
}


# A catalogue slug (docs/catalogue.md): lower-case letters, digits, single hyphens, ≤ 80.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DeskError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class DeviceDesk:
    def __init__(
        self, hub: Hub, db: Database, documents: Documents, health_interval_s: float
    ) -> None:
        self.hub = hub
        self.db = db
        self.documents = documents
        self.health_interval_s = health_interval_s
        self.agents: dict[int, Connection] = {}
        self.shown: dict[int, str] = {}  # kiosk id -> document id on its screen
        self.shown_entries: dict[int, str] = {}  # kiosk id -> catalogue slug on its screen
        self._zone = ZoneInfo(getattr(hub.settings, "city_timezone", "Europe/Madrid"))

    # ------------------------------------------------------------------ who is in which call
    def _active_call_of_kiosk(self, kiosk_id: int) -> Any | None:
        for call in self.hub.board.calls.values():
            if call.kiosk_id == kiosk_id and call.state == CallState.ACTIVE:
                return call
        return None

    def call_for_clerk(self, clerk_id: int, call_id: str, active: bool = True) -> Any:
        call = self.hub.board.calls.get(call_id)
        if call is None or call.clerk_id != clerk_id:
            raise DeskError(404, "no_call", "No call of yours with that id")
        if active and call.state != CallState.ACTIVE:
            raise DeskError(409, "call_ended", "The call has ended")
        return call

    # ------------------------------------------------------------------ frames
    def _job_frame(self, job: DeviceJobRow, document: DocumentRow | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "type": "job",
            "job_id": job.id,
            "call_id": job.call_id,
            "kind": job.kind,
            "state": job.state,
            "reason": job.reason,
            "detail": job.detail,
            "waiting_for_citizen": job.params.get("ready") is False
            and JobState(job.state) == JobState.QUEUED,
            "document_id": job.document_id,
            "params": job.params,
        }
        if document is not None:
            frame["result_document"] = document_summary(document)
        return frame

    def devices_frame(self, kiosk_id: int) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(DeviceHealthRow, kiosk_id)
            agent = dict(row.agent) if row else {}
            page = dict(row.page) if row else {}
            last_error = row.last_error if row else ""
            reported = row.reported_at.isoformat() if row else None
        online = kiosk_id in self.agents
        can_print, print_reason = service.printer_can_print(agent, online)
        scanner = agent.get("scanner") or {}
        can_scan = online and bool(scanner.get("present"))
        return {
            "type": "devices",
            "kiosk_id": kiosk_id,
            "agent_online": online,
            "reported_at": reported,
            "printer": {
                "ok": can_print,
                "reason": print_reason,
                "state": (agent.get("printer") or {}).get("state"),
                "reasons": (agent.get("printer") or {}).get("reasons") or [],
                "markers": (agent.get("printer") or {}).get("markers") or [],
            },
            "scanner": {
                "ok": can_scan,
                "reason": ""
                if can_scan
                else ("agent_offline" if not online else "scanner_missing"),
            },
            "camera": page.get("camera"),
            "microphone": page.get("microphone"),
            "last_error": last_error,
        }

    def _tell_clerk_of_kiosk(self, kiosk_id: int, frame: dict[str, Any]) -> None:
        call = self._active_call_of_kiosk(kiosk_id)
        if call is not None:
            self.hub.send_to_clerk(call.clerk_id, frame)

    def _after_move(self, move: service.Move, document: DocumentRow | None = None) -> None:
        job = move.job
        if job.call_id:
            call = self.hub.board.calls.get(job.call_id)
            clerk_id = call.clerk_id if call else None
            if clerk_id is None:
                clerk_id = _clerk_of(job.created_by)
            if clerk_id is not None:
                self.hub.send_to_clerk(clerk_id, self._job_frame(job, document))
        state = JobState(job.state)
        if (job.kind, state) in _PROMPTS and self._active_call_of_kiosk(job.kiosk_id):
            self.hub.send_to_kiosk(
                job.kiosk_id,
                {
                    "type": "device_prompt",
                    "prompt": _PROMPTS[(job.kind, state)],
                    "job_id": job.id,
                    "source": job.params.get("source"),
                },
            )
        if state == JobState.FAILED:
            with self.db.session() as session:
                service.record_health(session, job.kiosk_id, error=f"{job.kind}: {job.reason}")

    # ------------------------------------------------------------------ agent socket
    def agent_joined(self, conn: Connection) -> None:
        kiosk_id = conn.party_id
        old = self.agents.get(kiosk_id)
        if old is not None and old is not conn:
            old.send({"type": "closed", "reason": "replaced"})
            old.close(4409, "replaced by a newer connection")
        self.agents[kiosk_id] = conn
        kiosk = self.hub.directory.kiosk(kiosk_id)
        conn.send(
            {
                "type": "hello",
                "protocol": f.PROTOCOL_VERSION,
                "kiosk": {"code": kiosk.get("code", ""), "name": kiosk["name"]},
                "health_interval_s": self.health_interval_s,
            }
        )
        self._deliver_pending(kiosk_id)
        self._tell_clerk_of_kiosk(kiosk_id, self.devices_frame(kiosk_id))

    def agent_left(self, conn: Connection) -> None:
        kiosk_id = conn.party_id
        if self.agents.get(kiosk_id) is not conn:
            return
        del self.agents[kiosk_id]
        moves: list[service.Move] = []
        with self.db.session() as session:
            for job in service.pending_for_kiosk(session, kiosk_id):
                if job.state in (JobState.SENT.value, JobState.RECEIVED.value):
                    moved = service.move(session, job.id, JobState.QUEUED, by="server")
                    if moved:
                        moves.append(moved)
        self._tell_clerk_of_kiosk(kiosk_id, self.devices_frame(kiosk_id))

    def _deliver_pending(self, kiosk_id: int) -> None:
        conn = self.agents.get(kiosk_id)
        if conn is None:
            return
        moves: list[service.Move] = []
        frames: list[dict[str, Any]] = []
        with self.db.session() as session:
            for job in service.pending_for_kiosk(session, kiosk_id):
                if job.params.get("ready") is False:
                    continue  # a scan that waits for the citizen to place the document
                frames.append(self._agent_job_frame(session, job))
                if job.state == JobState.QUEUED.value:
                    moved = service.move(session, job.id, JobState.SENT, by="server")
                    if moved:
                        moves.append(moved)
        for frame in frames:
            conn.send(frame)
        for moved in moves:
            self._after_move(moved)

    def _agent_job_frame(self, session: Any, job: DeviceJobRow) -> dict[str, Any]:
        if job.kind == "print":
            document = session.get(DocumentRow, job.document_id)
            return {
                "type": "job",
                "job_id": job.id,
                "kind": "print",
                "copies": int(job.params.get("copies", 1)),
                "document": {
                    "id": document.id,
                    "url": f"/api/agent/documents/{document.id}",
                    "sha256": document.sha256,
                    "media_type": document.media_type,
                    "title": document.title,
                    "pages": document.pages,
                },
            }
        return {
            "type": "job",
            "job_id": job.id,
            "kind": "scan",
            "options": {k: job.params.get(k, v) for k, v in service.SCAN_DEFAULTS.items()},
            "upload_url": f"/api/agent/jobs/{job.id}/scan",
        }

    def agent_frame(self, conn: Connection, frame: Any) -> None:
        kiosk_id = conn.party_id
        match frame:
            case f.Ping():
                conn.send({"type": "pong", "t": frame.t})
            case f.JobStatus():
                self._job_status(conn, kiosk_id, frame)
            case f.Health():
                report = frame.model_dump(exclude={"type", "ref"})
                with self.db.session() as session:
                    service.record_health(session, kiosk_id, agent=report)
                self._tell_clerk_of_kiosk(kiosk_id, self.devices_frame(kiosk_id))

    def _job_status(self, conn: Connection, kiosk_id: int, frame: f.JobStatus) -> None:
        with self.db.session() as session:
            job = session.get(DeviceJobRow, frame.job_id)
            if job is None or job.kiosk_id != kiosk_id:
                conn.send(f.error("no_job", "No job of this booth with that id", frame.ref))
                return
            allowed = PRINT_REASONS if job.kind == "print" else SCAN_REASONS
            reason = frame.reason or ""
            if frame.state == "failed" and reason not in allowed:
                reason = "printer_error" if job.kind == "print" else "scanner_error"
            if frame.state == "done" and job.kind == "scan":
                return  # a scan is done when its upload is accepted
            moved = service.move(
                session,
                job.id,
                JobState(frame.state),
                reason=reason,
                detail=frame.detail or "",
                by=f"agent:{kiosk_id}",
            )
        if moved:
            self._after_move(moved)

    # ------------------------------------------------------------------ clerk's commands
    def request_print(
        self, clerk_id: int, call_id: str, document_id: str, copies: int
    ) -> DeviceJobRow:
        call = self.call_for_clerk(clerk_id, call_id)
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            if document is None or document.call_id != call.id or document.deleted_at is not None:
                raise DeskError(404, "no_document", "No such document in this attention")
            job = service.new_job(
                session,
                kiosk_id=call.kiosk_id,
                call_id=call.id,
                kind="print",
                created_by=f"clerk:{clerk_id}",
                params={"copies": copies},
                document_id=document.id,
            )
        self.hub.send_to_clerk(clerk_id, self._job_frame(job))
        self._deliver_pending(call.kiosk_id)
        return job

    def request_scan(self, clerk_id: int, call_id: str, options: dict[str, Any]) -> DeviceJobRow:
        """A scan waits for the citizen: the booth asks them to place the document and tap
        "scan" (``scan_ready``); only then does the agent scan. The clerk may start it too
        (:meth:`start_scan`), e.g. for a citizen who cannot reach the screen."""
        call = self.call_for_clerk(clerk_id, call_id)
        with self.db.session() as session:
            job = service.new_job(
                session,
                kiosk_id=call.kiosk_id,
                call_id=call.id,
                kind="scan",
                created_by=f"clerk:{clerk_id}",
                params={**service.SCAN_DEFAULTS, **options, "ready": False},
            )
        self.hub.send_to_clerk(clerk_id, self._job_frame(job))
        self.hub.send_to_kiosk(call.kiosk_id, _scan_prompt(job))
        return job

    def start_scan(self, clerk_id: int, call_id: str, job_id: str) -> None:
        """The clerk starts a scan that waits for the citizen."""
        call = self.call_for_clerk(clerk_id, call_id)
        if not self._release_scan(call.kiosk_id, job_id, by=f"clerk:{clerk_id}"):
            raise DeskError(404, "no_job", "No scan of this attention waits to start")

    def scan_ready(self, kiosk_id: int, job_id: str) -> bool:
        """The citizen tapped "scan" on the booth. False when no such scan waits."""
        return self._release_scan(kiosk_id, job_id, by=f"kiosk:{kiosk_id}")

    def _release_scan(self, kiosk_id: int, job_id: str, by: str) -> bool:
        call = self._active_call_of_kiosk(kiosk_id)
        with self.db.session() as session:
            job = session.get(DeviceJobRow, job_id)
            if (
                job is None
                or call is None
                or job.kiosk_id != kiosk_id
                or job.call_id != call.id
                or job.kind != "scan"
                or JobState(job.state) != JobState.QUEUED
            ):
                return False
            if job.params.get("ready") is False:
                job.params = {**job.params, "ready": True}  # a new dict: JSON columns
                log.info("scan %s released by %s", job.id, by)
            frame = self._job_frame(job)
        self.hub.send_to_clerk(call.clerk_id, frame)
        self._deliver_pending(kiosk_id)
        return True

    def show(self, clerk_id: int, call_id: str, document_id: str | None) -> None:
        """Show a document of the attention on the booth screen; ``None`` clears the screen
        (a document or a catalogue entry alike)."""
        call = self.call_for_clerk(clerk_id, call_id)
        if document_id is None:
            self.shown.pop(call.kiosk_id, None)
            self.shown_entries.pop(call.kiosk_id, None)
            self.hub.send_to_kiosk(call.kiosk_id, {"type": "hide_document"})
            return
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            if document is None or document.call_id != call.id or document.deleted_at is not None:
                raise DeskError(404, "no_document", "No such document in this attention")
            summary = document_summary(document, base="/api/kiosk/documents")
        self.shown[call.kiosk_id] = document_id
        self.shown_entries.pop(call.kiosk_id, None)  # the booth shows one thing at a time
        self.hub.send_to_kiosk(call.kiosk_id, {"type": "show_document", **summary})

    def show_entry(
        self, clerk_id: int, call_id: str, slug: str, *, exists: Callable[[str], bool]
    ) -> None:
        """Show a catalogue entry on the booth screen, next to the call; it replaces a document
        shown before. ``exists(slug)`` says whether the catalogue has it (e.g.
        ``lambda s: catalogue_of(ctx).entry(s) is not None``). The booth fetches the entry in
        the citizen's language; ``show(…, None)`` or the end of the call removes it."""
        call = self.call_for_clerk(clerk_id, call_id)
        if not (len(slug) <= 80 and _SLUG.match(slug) and exists(slug)):
            raise DeskError(404, "no_entry", "No such entry in the catalogue")
        self.shown.pop(call.kiosk_id, None)  # a document no longer on screen is not readable
        self.shown_entries[call.kiosk_id] = slug
        self.hub.send_to_kiosk(call.kiosk_id, {"type": "show_entry", "slug": slug})

    def add_document(self, clerk_id: int, call_id: str, content: bytes, title: str) -> DocumentRow:
        call = self.call_for_clerk(clerk_id, call_id)
        with self.db.session() as session:
            row = self.documents.add(
                session,
                content,
                kind="upload",
                title=title,
                created_by=f"clerk:{clerk_id}",
                call_id=call.id,
                kiosk_id=call.kiosk_id,
            )
        self.hub.send_to_clerk(clerk_id, {"type": "document", **document_summary(row)})
        return row

    # ------------------------------------------------------------------ agent's uploads
    def scan_uploaded(self, kiosk_id: int, job_id: str, content: bytes) -> DocumentRow:
        from finestreta.documents.validation import RejectedDocument

        with self.db.session() as session:
            job = session.get(DeviceJobRow, job_id)
            if job is None or job.kiosk_id != kiosk_id or job.kind != "scan":
                raise DeskError(404, "no_job", "No scan job of this booth with that id")
            if JobState(job.state).final:
                raise DeskError(409, "job_final", f"The job is already {job.state}")
            try:
                document = self.documents.add(
                    session,
                    content,
                    kind="scan",
                    # the time in the city, no words: the console labels it "scan" in the
                    # clerk's language and the booth shows it to the citizen as it is
                    title=job.created_at.astimezone(self._zone).strftime("%H:%M:%S"),
                    created_by=f"kiosk:{kiosk_id}",
                    call_id=job.call_id,
                    kiosk_id=kiosk_id,
                )
            except RejectedDocument as exc:
                failed = service.move(
                    session,
                    job.id,
                    JobState.FAILED,
                    reason="upload_failed",
                    detail=exc.message,
                    by=f"agent:{kiosk_id}",
                )
                session.commit()
                if failed:
                    self._after_move(failed)
                raise DeskError(
                    413 if exc.code == "too_large" else 400, exc.code, exc.message
                ) from None
            job.result_document_id = document.id
            if JobState(job.state) == JobState.SENT:
                service.move(session, job.id, JobState.PROCESSING, by=f"agent:{kiosk_id}")
            moved = service.move(session, job.id, JobState.DONE, by=f"agent:{kiosk_id}")
        if moved:
            self._after_move(moved, document)
            call = self.hub.board.calls.get(job.call_id or "")
            if call is not None:
                self.hub.send_to_clerk(
                    call.clerk_id, {"type": "document", **document_summary(document)}
                )
        return document

    def document_for_agent(self, kiosk_id: int, document_id: str) -> tuple[DocumentRow, bytes]:
        """A document a print job of this booth refers to; nothing else."""
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            referenced = session.scalar(_print_job_query(kiosk_id, document_id))
            if document is None or referenced is None or document.deleted_at is not None:
                raise DeskError(404, "no_document", "No such document for this booth")
            return document, self.documents.content(document)

    def document_for_kiosk_page(self, kiosk_id: int, document_id: str) -> tuple[DocumentRow, bytes]:
        """Only the document the clerk is showing on this booth's screen right now."""
        if self.shown.get(kiosk_id) != document_id:
            raise DeskError(404, "no_document", "No such document on this screen")
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            if document is None or document.deleted_at is not None:
                raise DeskError(404, "no_document", "No such document on this screen")
            return document, self.documents.content(document)

    # ------------------------------------------------------------------ hub hooks
    def media_status(self, kiosk_id: int, camera: bool, microphone: bool) -> None:
        with self.db.session() as session:
            service.record_health(
                session, kiosk_id, page={"camera": camera, "microphone": microphone}
            )
        self._tell_clerk_of_kiosk(kiosk_id, self.devices_frame(kiosk_id))

    def kiosk_page_back(self, kiosk_id: int) -> None:
        """The booth page came back during a call (a reload, a network cut): it gets again
        what it was showing and any scan still waiting for the citizen's "scan"."""
        call = self._active_call_of_kiosk(kiosk_id)
        if call is None:
            return
        frames: list[dict[str, Any]] = []
        with self.db.session() as session:
            for job in service.jobs_of_call(session, call.id):
                waiting = job.state == JobState.QUEUED.value and job.params.get("ready") is False
                if job.kind == "scan" and waiting:
                    frames.append(_scan_prompt(job))
            shown = self.shown.get(kiosk_id)
            document = session.get(DocumentRow, shown) if shown else None
            if document is not None and document.deleted_at is None:
                frames.append(
                    {
                        "type": "show_document",
                        **document_summary(document, base="/api/kiosk/documents"),
                    }
                )
        entry = self.shown_entries.get(kiosk_id)
        if entry is not None:
            frames.append({"type": "show_entry", "slug": entry})
        for frame in frames:
            self.hub.send_to_kiosk(kiosk_id, frame)

    def call_started(self, kiosk_id: int, clerk_id: int) -> None:
        self.hub.send_to_clerk(clerk_id, self.devices_frame(kiosk_id))

    def call_ended(self, call_id: str, kiosk_id: int) -> None:
        """Jobs not yet started expire with the call; the screen is cleared."""
        moves: list[service.Move] = []
        with self.db.session() as session:
            for job in service.jobs_of_call(session, call_id):
                if not JobState(job.state).started and not JobState(job.state).final:
                    moved = service.move(
                        session, job.id, JobState.EXPIRED, reason="call_ended", by="server"
                    )
                    if moved:
                        moves.append(moved)
        agent = self.agents.get(kiosk_id)
        for moved in moves:
            if agent is not None and moved.previous != JobState.QUEUED:
                agent.send({"type": "cancel", "job_id": moved.job.id})
            self._after_move(moved)
        document = self.shown.pop(kiosk_id, None)
        entry = self.shown_entries.pop(kiosk_id, None)
        if document is not None or entry is not None:
            self.hub.send_to_kiosk(kiosk_id, {"type": "hide_document"})
        self.hub.send_to_kiosk(kiosk_id, {"type": "device_prompt", "prompt": None})

    def purge_expired(self) -> int:
        with self.db.session() as session:
            return self.documents.purge(session)

    def kiosk_disabled(self, kiosk_id: int) -> None:
        conn = self.agents.get(kiosk_id)
        if conn is not None:
            conn.send({"type": "closed", "reason": "disabled"})
            conn.close(4403, "kiosk disabled")


def _scan_prompt(job: DeviceJobRow) -> dict[str, Any]:
    """The booth asks the citizen to place the document and tap "scan" (``scan_ready``)."""
    return {
        "type": "device_prompt",
        "prompt": "place_on_scanner",
        "job_id": job.id,
        "source": job.params.get("source"),
        "confirm": True,
    }


def document_summary(document: DocumentRow, base: str = "/api/documents") -> dict[str, Any]:
    return {
        "document_id": document.id,
        "title": document.title,
        "kind": document.kind,
        "media_type": document.media_type,
        "pages": document.pages,
        "size": document.size,
        "sha256": document.sha256,
        "created_at": document.created_at.isoformat(),
        "url": f"{base}/{document.id}",
    }


def _clerk_of(created_by: str) -> int | None:
    if created_by.startswith("clerk:"):
        try:
            return int(created_by.split(":", 1)[1])
        except ValueError:
            return None
    return None


def _print_job_query(kiosk_id: int, document_id: str) -> Any:
    from sqlalchemy import select

    return (
        select(DeviceJobRow.id)
        .where(
            DeviceJobRow.kiosk_id == kiosk_id,
            DeviceJobRow.kind == "print",
            DeviceJobRow.document_id == document_id,
        )
        .limit(1)
    )
