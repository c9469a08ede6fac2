"""The booth's devices during a call: the kiosk agent's socket, print and scan jobs, documents
shown on the booth screen, and the device health everyone needs to see.

Jobs live in the database (``devices.service``); this desk delivers them to the agent, follows
the agent's reports, and tells the clerk (``job``, ``devices``, ``document`` frames) and the
citizen (``device_prompt``, ``show_document``, ``hide_document``) what is going on. It sees
calls through the hub's read-only :class:`Calls`, sends through its :class:`Outbox` and hears
about calls as a :class:`CallListener`. The agents' sockets are registered, looked up and
written to through the hub's :class:`AgentLink` (on several nodes the agent may be connected to
another node than the clerk's: a frame for it crosses the bus, and the jobs queued elsewhere are
delivered by its node's :meth:`deliver_queued`, about once a second).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from finestreta.accounts.directory import Directory
from finestreta.attention.errors import CALL_ENDED, NO_CALL
from finestreta.attention.memory import ended_calls
from finestreta.db import Database
from finestreta.devices import service
from finestreta.devices.jobs import PRINT_REASONS, SCAN_REASONS, JobState
from finestreta.devices.records import DeviceHealthRow, DeviceJobRow
from finestreta.devices.screen import BoothScreen
from finestreta.documents.records import DocumentRow
from finestreta.documents.service import Documents
from finestreta.errors import N_, NotFound, declare
from finestreta.realtime import frames as f
from finestreta.realtime.connections import Connection, Sockets
from finestreta.realtime.ports import AgentLink, CallListener, Calls, CallView, Outbox

log = logging.getLogger(__name__)

NO_JOB = declare("no_job", NotFound, N_("That job is no longer waiting."))
NO_DOCUMENT = declare("no_document", NotFound, N_("That document is no longer in this attention."))

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


class DeviceDesk(CallListener):
    def __init__(
        self,
        *,
        outbox: Outbox,
        calls: Calls,
        agents: Sockets,
        link: AgentLink,
        screen: BoothScreen,
        directory: Directory,
        db: Database,
        documents: Documents,
        health_interval_s: float,
        timezone: str,
    ) -> None:
        self.outbox = outbox
        self.calls = calls
        self.agents = agents  # the sockets this node holds (jobs are sent on them)
        self.link = link
        self.screen = screen
        self.directory = directory
        self.db = db
        self.documents = documents
        self.health_interval_s = health_interval_s
        self._zone = ZoneInfo(timezone)

    # ------------------------------------------------------------------ whose call
    def call_for_clerk(self, clerk_id: int, call_id: str, active: bool = True) -> CallView:
        """The clerk's call (404 for anyone else's: its existence is not confirmed; 409 when
        it has ended and ``active`` is asked)."""
        call = self.calls.get(call_id)
        if call is None or call.clerk_id != clerk_id:
            raise NO_CALL("No call of yours with that id")
        if active and not call.active:
            raise CALL_ENDED("The call has ended")
        return call

    # ------------------------------------------------------------------ frames
    def _job_frame(self, job: DeviceJobRow, document: DocumentRow | None = None) -> f.Job:
        return f.Job(
            job_id=job.id,
            call_id=job.call_id,
            kind=job.kind,
            state=job.state,
            reason=job.reason,
            detail=job.detail,
            waiting_for_citizen=job.params.get("ready") is False
            and JobState(job.state) == JobState.QUEUED,
            document_id=job.document_id,
            params=job.params,
            result_document=summary(document) if document is not None else None,
        )

    def printer_now(self, kiosk_id: int) -> dict[str, Any]:
        """Whether the booth's printer can print now, for the answer to a print request: a job
        for a printer that is not there waits, and expires when the call ends, so the clerk
        must not be told it was sent."""
        with self.db.session() as session:
            row = session.get(DeviceHealthRow, kiosk_id)
            agent = dict(row.agent) if row else {}
        ready, reason = service.printer_can_print(agent, self.link.agent_online(kiosk_id))
        return {"printer_ready": ready, "printer_reason": reason}

    def devices_frame(self, kiosk_id: int) -> f.Devices:
        with self.db.session() as session:
            row = session.get(DeviceHealthRow, kiosk_id)
            agent = dict(row.agent) if row else {}
            page = dict(row.page) if row else {}
            last_error = row.last_error if row else ""
            reported = row.reported_at.isoformat() if row else None
        online = self.link.agent_online(kiosk_id)
        can_print, print_reason = service.printer_can_print(agent, online)
        scanner = agent.get("scanner") or {}
        can_scan = online and bool(scanner.get("present"))
        printer = agent.get("printer") or {}
        return f.Devices(
            kiosk_id=kiosk_id,
            agent_online=online,
            reported_at=reported,
            printer=f.PrinterStatus(
                ok=can_print,
                reason=print_reason,
                state=printer.get("state"),
                reasons=printer.get("reasons") or [],
                markers=printer.get("markers") or [],
            ),
            scanner=f.ScannerStatus(
                ok=can_scan,
                reason="" if can_scan else ("agent_offline" if not online else "scanner_missing"),
            ),
            camera=page.get("camera"),
            microphone=page.get("microphone"),
            last_error=last_error,
            citizen_muted=bool(page.get("muted")),
            citizen_camera_off=bool(page.get("camera_off")),
        )

    def _tell_clerk_of_kiosk(self, kiosk_id: int, frame: f.Outbound) -> None:
        call = self.calls.active_of_kiosk(kiosk_id)
        if call is not None:
            self.outbox.to_clerk(call.clerk_id, frame)

    def _after_move(self, move: service.Move, document: DocumentRow | None = None) -> None:
        """Tell the clerk and the citizen about a job that changed state."""
        job = move.job
        if job.call_id:
            call = self.calls.get(job.call_id)
            clerk_id = call.clerk_id if call else _clerk_of(job.created_by)
            if clerk_id is not None:
                self.outbox.to_clerk(clerk_id, self._job_frame(job, document))
        state = JobState(job.state)
        if (job.kind, state) in _PROMPTS and self.calls.active_of_kiosk(job.kiosk_id):
            self.outbox.to_kiosk(
                job.kiosk_id,
                f.DevicePrompt(
                    prompt=_PROMPTS[(job.kind, state)],
                    job_id=job.id,
                    source=job.params.get("source"),
                ),
            )
        if state == JobState.FAILED:
            with self.db.session() as session:
                service.record_health(session, job.kiosk_id, error=f"{job.kind}: {job.reason}")

    # ------------------------------------------------------------------ agent socket
    def agent_joined(self, conn: Connection) -> None:
        kiosk_id = conn.party_id
        self.link.agent_joined(conn)
        with self.db.session() as session:
            service.record_agent_presence(session, kiosk_id, connected=True)
        kiosk = self.directory.kiosk(kiosk_id)
        conn.send(
            f.AgentHello(
                kiosk=f.AgentKiosk(code=kiosk.get("code", ""), name=kiosk["name"]),
                health_interval_s=self.health_interval_s,
            )
        )
        self._deliver_pending(kiosk_id)
        self._tell_clerk_of_kiosk(kiosk_id, self.devices_frame(kiosk_id))

    def agent_left(self, conn: Connection) -> None:
        """Jobs the agent had not started go back to the queue (delivered again when it comes
        back); the clerk sees each of them move and the devices panel says the agent is gone."""
        kiosk_id = conn.party_id
        if not self.link.agent_left(conn):  # replaced by a newer socket, here or elsewhere
            return
        moves: list[service.Move] = []
        with self.db.session() as session:
            service.record_agent_presence(session, kiosk_id, connected=False)
            for job in service.pending_for_kiosk(session, kiosk_id):
                if job.state in (JobState.SENT.value, JobState.RECEIVED.value):
                    moved = service.move(session, job.id, JobState.QUEUED, by="server")
                    if moved:
                        moves.append(moved)
        for moved in moves:
            self._after_move(moved)
        self._tell_clerk_of_kiosk(kiosk_id, self.devices_frame(kiosk_id))

    def deliver_queued(self) -> None:
        """Deliver the jobs waiting in the queue for the agents this node holds: one query,
        then each booth's delivery. Several nodes: a clerk on another node queued them (its
        node cannot reach this socket), so each node runs this about once a second."""
        held = self.agents.ids()
        if not held:
            return
        with self.db.session() as session:
            rows = session.execute(
                select(DeviceJobRow.kiosk_id, DeviceJobRow.params).where(
                    DeviceJobRow.kiosk_id.in_(held),
                    DeviceJobRow.state == JobState.QUEUED.value,
                )
            ).all()
        # a scan that waits for the citizen's "scan" is not due yet
        due = sorted({kiosk_id for kiosk_id, params in rows if (params or {}).get("ready", True)})
        for kiosk_id in due:
            self._deliver_pending(kiosk_id)

    def _deliver_pending(self, kiosk_id: int) -> None:
        conn = self.agents.get(kiosk_id)
        if conn is None:
            return
        moves: list[service.Move] = []
        frames: list[f.AgentJob] = []
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

    def _agent_job_frame(self, session: Session, job: DeviceJobRow) -> f.AgentJob:
        if job.kind == "print":
            document = session.get(DocumentRow, job.document_id)
            assert document is not None  # print jobs are made for stored documents only
            return f.AgentJob(
                job_id=job.id,
                kind="print",
                copies=int(job.params.get("copies", 1)),
                document=f.PrintDocument(
                    id=document.id,
                    url=f"/api/agent/documents/{document.id}",
                    sha256=document.sha256,
                    media_type=document.media_type,
                    title=document.title,
                    pages=document.pages,
                ),
            )
        return f.AgentJob(
            job_id=job.id,
            kind="scan",
            options=f.ScanOptions.model_validate(
                {k: job.params.get(k, v) for k, v in service.SCAN_DEFAULTS.items()}
            ),
            upload_url=f"/api/agent/jobs/{job.id}/scan",
        )

    def agent_frame(self, conn: Connection, frame: Any) -> None:
        kiosk_id = conn.party_id
        match frame:
            case f.Ping():
                conn.send(f.Pong(t=frame.t))
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
                conn.send(f.error_frame(NO_JOB("No job of this booth with that id"), frame.ref))
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

    # ------------------------------------------------------------------ booth page frames
    def media_status(self, conn: Connection, frame: f.MediaStatus) -> None:
        with self.db.session() as session:
            service.record_health(
                session,
                conn.party_id,
                page={
                    "camera": frame.camera,
                    "microphone": frame.microphone,
                    "muted": frame.muted,
                    "camera_off": frame.camera_off,
                },
            )
        self._tell_clerk_of_kiosk(conn.party_id, self.devices_frame(conn.party_id))

    def scan_ready_frame(self, conn: Connection, frame: f.ScanReady) -> None:
        """The citizen tapped "scan" on the booth."""
        if not self.scan_ready(conn.party_id, frame.job_id):
            raise NO_JOB("No scan of this booth waits for that")

    # ------------------------------------------------------------------ clerk's commands
    def request_print(
        self, clerk_id: int, call_id: str, document_id: str, copies: int
    ) -> DeviceJobRow:
        call = self.call_for_clerk(clerk_id, call_id)
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            if document is None or document.call_id != call.id or document.deleted_at is not None:
                raise NO_DOCUMENT("No such document in this attention")
            job = service.new_job(
                session,
                kiosk_id=call.kiosk_id,
                call_id=call.id,
                kind="print",
                created_by=f"clerk:{clerk_id}",
                params={"copies": copies},
                document_id=document.id,
            )
        self.outbox.to_clerk(clerk_id, self._job_frame(job))
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
        self.outbox.to_clerk(clerk_id, self._job_frame(job))
        self.outbox.to_kiosk(call.kiosk_id, _scan_prompt(job))
        return job

    def start_scan(self, clerk_id: int, call_id: str, job_id: str) -> None:
        """The clerk starts a scan that waits for the citizen."""
        call = self.call_for_clerk(clerk_id, call_id)
        if not self._release_scan(call.kiosk_id, job_id, by=f"clerk:{clerk_id}"):
            raise NO_JOB("No scan of this attention waits to start")

    def scan_ready(self, kiosk_id: int, job_id: str) -> bool:
        """The citizen tapped "scan" on the booth. False when no such scan waits."""
        return self._release_scan(kiosk_id, job_id, by=f"kiosk:{kiosk_id}")

    def _release_scan(self, kiosk_id: int, job_id: str, by: str) -> bool:
        call = self.calls.active_of_kiosk(kiosk_id)
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
        self.outbox.to_clerk(call.clerk_id, frame)
        self._deliver_pending(kiosk_id)
        return True

    def show(self, clerk_id: int, call_id: str, document_id: str | None) -> None:
        """Show a document of the attention on the booth screen; ``None`` clears the screen
        (whatever it showed)."""
        call = self.call_for_clerk(clerk_id, call_id)
        if document_id is None:
            if not self.screen.clear(call):
                self.outbox.to_kiosk(call.kiosk_id, f.HideDocument())
            return
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            if document is None or document.call_id != call.id or document.deleted_at is not None:
                raise NO_DOCUMENT("No such document in this attention")
            shown = summary(document, base="/api/kiosk/documents")
        self.screen.show(call, f.ShowDocument(**shown.model_dump()))

    def add_document(self, clerk_id: int, call_id: str, content: bytes, title: str) -> DocumentRow:
        """An upload by the clerk, as a document of the call (checked by its content)."""
        call = self.call_for_clerk(clerk_id, call_id)
        return self.attach(call, content, kind="upload", title=title, by=f"clerk:{clerk_id}")

    def attach(
        self, call: CallView, content: bytes, *, kind: str, title: str, by: str
    ) -> DocumentRow:
        """Store ``content`` as a document of the call (checked by its content, kept as long
        as its kind's retention says) and tell the clerk's console (``document``)."""
        with self.db.session() as session:
            row = self.documents.add(
                session,
                content,
                kind=kind,
                title=title,
                created_by=by,
                call_id=call.id,
                kiosk_id=call.kiosk_id,
            )
        self.attached(call, row)
        return row

    def attached(self, call: CallView, row: DocumentRow) -> None:
        """Tell the clerk's console about a document stored for the call elsewhere (e.g. a
        sealed certificate, stored in the transaction that registered it)."""
        self.outbox.to_clerk(call.clerk_id, document_frame(row))

    # ------------------------------------------------------------------ agent's uploads
    def scan_uploaded(self, kiosk_id: int, job_id: str, content: bytes) -> DocumentRow:
        from finestreta.documents.validation import RejectedDocument

        with self.db.session() as session:
            job = session.get(DeviceJobRow, job_id)
            if job is None or job.kind != "scan" or not self._live_for_agent(job, kiosk_id):
                raise NO_JOB("No live scan job of this booth with that id")
            try:
                document = self.documents.add(
                    session,
                    content,
                    kind="scan",
                    # the time in the city with its zone ("10:02:33 CET", as the console
                    # shows times), no words: the console labels it "scan" in the clerk's
                    # language and the booth shows it to the citizen as it is
                    title=job.created_at.astimezone(self._zone).strftime("%H:%M:%S %Z"),
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
                raise
            job.result_document_id = document.id
            if JobState(job.state) == JobState.SENT:
                service.move(session, job.id, JobState.PROCESSING, by=f"agent:{kiosk_id}")
            moved = service.move(session, job.id, JobState.DONE, by=f"agent:{kiosk_id}")
        if moved:
            self._after_move(moved, document)
            call = self.calls.get(job.call_id or "")
            if call is not None:
                self.outbox.to_clerk(call.clerk_id, document_frame(document))
        return document

    def document_for_agent(self, kiosk_id: int, document_id: str) -> tuple[DocumentRow, bytes]:
        """A document a live print job of this booth refers to; nothing else."""
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            jobs = session.scalars(_print_job_query(kiosk_id, document_id))
            live = any(self._live_for_agent(job, kiosk_id) for job in jobs)
            if document is None or not live or document.deleted_at is not None:
                raise NO_DOCUMENT("No such document for this booth")
            return document, self.documents.content(document)

    def _live_for_agent(self, job: DeviceJobRow, kiosk_id: int) -> bool:
        """The agent's credential reaches a job only while it can still run: the booth's, not
        finished, its call still active, and (a scan) released by the citizen. The device
        secret lives on the booth's computer for years; what it opens must not outlive the
        call."""
        if job.kiosk_id != kiosk_id or JobState(job.state).final:
            return False
        call = self.calls.get(job.call_id or "")
        if call is None or not call.active:
            return False
        return job.kind != "scan" or bool((job.params or {}).get("ready", True))

    def document_for_kiosk_page(self, kiosk_id: int, document_id: str) -> tuple[DocumentRow, bytes]:
        """Only the document the clerk is showing on this booth's screen right now."""
        call = self.calls.active_of_kiosk(kiosk_id)
        shown = self.screen.shown(call) if call is not None else None
        # a document shown, or one shown to be signed (signatures/desk.py)
        if (
            shown is None
            or shown.get("type") not in ("show_document", "signature_show")
            or shown.get("document_id") != document_id
        ):
            raise NO_DOCUMENT("No such document on this screen")
        with self.db.session() as session:
            document = session.get(DocumentRow, document_id)
            if document is None or document.deleted_at is not None:
                raise NO_DOCUMENT("No such document on this screen")
            return document, self.documents.content(document)

    # ------------------------------------------------------------------ the call's life
    def call_started(self, call: CallView) -> None:
        self.outbox.to_clerk(call.clerk_id, self.devices_frame(call.kiosk_id))

    def console_back(self, call: CallView) -> None:
        """The devices panel is current after a console reload too."""
        self.outbox.to_clerk(call.clerk_id, self.devices_frame(call.kiosk_id))

    def kiosk_back(self, call: CallView) -> None:
        """The booth page came back during a call (a reload, a network cut): it gets again what
        it was showing and any scan still waiting for the citizen's "scan"."""
        with self.db.session() as session:
            for job in service.jobs_of_call(session, call.id):
                waiting = job.state == JobState.QUEUED.value and job.params.get("ready") is False
                if job.kind == "scan" and waiting:
                    self.outbox.to_kiosk(call.kiosk_id, _scan_prompt(job))
        self.screen.show_again(call)

    def call_ended(self, call: CallView) -> None:
        """Jobs not yet started expire with the call (the clerk is told); the screen is
        cleared."""
        with self.db.session() as session:
            moves = expire_unstarted(session, [call.id])
        self._expired(moves)
        self.screen.clear(call)
        self.outbox.to_kiosk(call.kiosk_id, f.DevicePrompt(prompt=None))

    def sweep_ended_calls(self, before: datetime) -> int:
        """What ``call_ended`` would have done to the jobs of calls that ended before
        ``before`` whose process died before its listeners ran (the periodic sweep, on one
        node): they expire the same way. A connected agent is told to cancel (through the bus
        when another node holds it); one not connected learns nothing until its reports
        (changing nothing, the job being final) or its next connection (final jobs are not
        delivered again)."""
        with self.db.session() as session:
            moves = expire_unstarted(session, ended_calls(before))
        self._expired(moves)
        return len(moves)

    def _expired(self, moves: list[service.Move]) -> None:
        for moved in moves:
            if moved.previous != JobState.QUEUED:  # sent: the agent may be working on it
                self.link.to_agent(moved.job.kiosk_id, f.AgentCancel(job_id=moved.job.id))
            self._after_move(moved)

    def purge_expired(self) -> int:
        with self.db.session() as session:
            return self.documents.purge(session)


def expire_unstarted(
    session: Session, call_ids: Iterable[str] | Select[tuple[str]]
) -> list[service.Move]:
    """The jobs of these calls (ids, or a query of them) that the booth has not started yet
    expire with reason ``call_ended``: the one move of the end-of-call listener and of the
    sweep. A job already expired (or started, or final) is not selected again: idempotent."""
    waiting = [s.value for s in JobState if not s.started and not s.final]
    jobs = session.scalars(
        select(DeviceJobRow)
        .where(DeviceJobRow.call_id.in_(call_ids), DeviceJobRow.state.in_(waiting))
        .order_by(DeviceJobRow.created_at)
    ).all()
    moves: list[service.Move] = []
    for job in jobs:
        moved = service.move(session, job.id, JobState.EXPIRED, reason="call_ended", by="server")
        if moved:
            moves.append(moved)
    return moves


def _scan_prompt(job: DeviceJobRow) -> f.DevicePrompt:
    """The booth asks the citizen to place the document and tap "scan" (``scan_ready``)."""
    return f.DevicePrompt(
        prompt="place_on_scanner", job_id=job.id, source=job.params.get("source"), confirm=True
    )


def summary(document: DocumentRow, base: str = "/api/documents") -> f.DocumentSummary:
    return f.DocumentSummary(
        document_id=document.id,
        title=document.title,
        kind=document.kind,
        media_type=document.media_type,
        pages=document.pages,
        size=document.size,
        sha256=document.sha256,
        created_at=document.created_at.isoformat(),
        url=f"{base}/{document.id}",
    )


def document_frame(document: DocumentRow) -> f.Document:
    return f.Document(**summary(document).model_dump())


def _clerk_of(created_by: str) -> int | None:
    if created_by.startswith("clerk:"):
        try:
            return int(created_by.split(":", 1)[1])
        except ValueError:
            return None
    return None


def _print_job_query(kiosk_id: int, document_id: str) -> Any:
    return select(DeviceJobRow).where(
        DeviceJobRow.kiosk_id == kiosk_id,
        DeviceJobRow.kind == "print",
        DeviceJobRow.document_id == document_id,
    )
