"""The agent proper: one WebSocket to the server (``/ws/agent``), the jobs it delivers, and the
health of the booth's devices (``docs/agent-protocol.md``).

* The socket is reopened with exponential backoff and jitter (0.5 s doubling to 30 s) whenever
  it drops, including after a server restart. The agent pings every ``heartbeat_s``; a socket
  that brings no frame for three heartbeats is taken as dead and reopened. A socket the server
  closes with 1012 (it drains before a restart) is reopened after 0–0.5 s, without backoff.
* A booth the server refuses (HTTP 401/403 at the handshake, close codes 4401/4403) stops the
  agent with exit status 3 and a log line that says why: retrying cannot fix a revoked secret.
* Jobs run one at a time per device (a print and a scan may run side by side). The journal
  makes each run at most once; see ``journal.py``.
* A job keeps running when the socket drops; its outcome, journaled, is repeated when the server
  delivers the job again after the reconnection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import shutil
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from finestreta import __version__
from finestreta.devices.jobs import PRINT_REASONS, SCAN_REASONS
from finestreta.kiosk_agent.config import AgentConfig
from finestreta.kiosk_agent.health import HealthMonitor, summary
from finestreta.kiosk_agent.journal import Entry, Journal
from finestreta.kiosk_agent.printer import IppPrinter, PrintOutcome
from finestreta.kiosk_agent.scanner import SaneScanner, ScanError
from finestreta.kiosk_agent.server import DocumentUnavailable, ServerClient, ssl_context

log = logging.getLogger(__name__)

PROTOCOL = 1
EXIT_OK = 0
EXIT_REFUSED = 3
REFUSED_CLOSE_CODES = {4401: "unknown booth or wrong secret", 4403: "booth disabled"}
REPLACED_CLOSE_CODE = 4409
# Service Restart: the server is draining before a restart (docs/protocol.md, close codes)
RESTART_CLOSE_CODE = 1012
MAX_FRAME_BYTES = 64 * 1024
JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


# ---------------------------------------------------------------------- job frames
class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DocumentRef(_Lenient):
    id: str
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")]
    media_type: Annotated[str, Field(min_length=3, max_length=100)]
    title: str = ""
    pages: int | None = None


class PrintJob(_Lenient):
    job_id: Annotated[str, Field(pattern=JOB_ID_PATTERN)]
    kind: Literal["print"]
    document: DocumentRef
    copies: Annotated[int, Field(ge=1, le=99)] = 1


class ScanOptions(_Lenient):
    resolution: Annotated[int, Field(ge=75, le=600)] = 200
    mode: Literal["color", "gray"] = "color"
    source: Literal["flatbed", "feeder"] = "flatbed"
    format: Literal["png", "pdf"] = "png"


class ScanJob(_Lenient):
    job_id: Annotated[str, Field(pattern=JOB_ID_PATTERN)]
    kind: Literal["scan"]
    options: ScanOptions = ScanOptions()
    upload_url: Annotated[str, Field(min_length=1, max_length=2000)]


Job = Annotated[PrintJob | ScanJob, Field(discriminator="kind")]
_job_adapter: TypeAdapter[PrintJob | ScanJob] = TypeAdapter(Job)  # type: ignore[arg-type, unused-ignore]


@dataclass(frozen=True)
class Outcome:
    state: str  # done | failed
    reason: str = ""
    detail: str = ""


# ---------------------------------------------------------------------- backoff
@dataclass
class Backoff:
    """0.5 s doubling to 30 s; each wait drawn between half and all of that (jitter), so that a
    fleet of booths does not reconnect in step after a server restart."""

    base_s: float = 0.5
    cap_s: float = 30.0
    rng: random.Random | None = None

    def ceiling(self, attempt: int) -> float:
        return float(min(self.cap_s, self.base_s * 2 ** min(attempt, 30)))

    def delay(self, attempt: int) -> float:
        high = self.ceiling(attempt)
        return (self.rng or random).uniform(high / 2, high)

    def restart(self) -> float:
        """After 1012 (the server drains for a restart): at once, spread over half a second
        so that the booths do not come back in the same instant; no backoff."""
        return (self.rng or random).uniform(0.0, 0.5)


class AgentStopped(Exception):
    """The server refused this booth; the agent must not retry."""


class Agent:
    def __init__(
        self,
        config: AgentConfig,
        *,
        printer: IppPrinter | None = None,
        scanner: SaneScanner | None = None,
        server: ServerClient | None = None,
        journal: Journal | None = None,
        backoff: Backoff | None = None,
        health_probe_s: float | None = None,
        shutdown_grace_s: float = 30,
    ) -> None:
        self.config = config
        self.printer = (
            printer
            if printer is not None
            else IppPrinter(
                config.printer_uri,
                job_timeout_s=config.print_timeout_s,
                user_name=f"finestreta-{config.kiosk_code}"[:64],
                user_agent=f"finestreta-kiosk-agent/{__version__}",
            )
        )
        self.scanner = (
            scanner
            if scanner is not None
            else SaneScanner(
                config.scanner_device,
                sane_config_dir=config.sane_config_dir,
                timeout_s=config.scan_timeout_s,
                feeder_max_pages=config.feeder_max_pages,
                work_dir=config.spool_dir,
            )
        )
        ca_file = str(config.server_ca_file) if config.server_ca_file else None
        self.server = (
            server
            if server is not None
            else ServerClient(config.server_url, config.authorization, ca_file=ca_file)
        )
        self.journal = journal if journal is not None else Journal(config.journal_path)
        self.backoff = backoff or Backoff()
        self.health = HealthMonitor(self.printer, self.scanner, config.spool_dir, self.pending)
        self.health_interval_s = config.health_interval_s
        self.health_probe_s = health_probe_s
        self.shutdown_grace_s = shutdown_grace_s

        self._ws: ClientConnection | None = None
        self._send_lock = asyncio.Lock()
        self._inflight: dict[str, str] = {}  # job id -> received | processing
        self._cancelled: set[str] = set()
        self._queues: dict[str, asyncio.Queue[PrintJob | ScanJob]] = {
            "print": asyncio.Queue(),
            "scan": asyncio.Queue(),
        }
        self._stop = asyncio.Event()
        self._health_wake = asyncio.Event()
        self._health_force = False
        self._last_health_at = 0.0
        self._closed_reason = ""
        # For tests and logs: connections made, and the event of being connected now.
        self.connections = 0
        self.connected = asyncio.Event()
        self._recover_interrupted()
        self._remove_leftover_scans()

    # ------------------------------------------------------------------ public
    def pending(self) -> int:
        return len(self._inflight)

    def stop(self) -> None:
        """Finish: no new job starts; a running one gets ``shutdown_grace_s`` to end."""
        self._stop.set()
        ws = self._ws
        if ws is not None:
            self._spawn(ws.close(1001, "agent stopping"))

    async def run(self) -> int:
        keep_secret_out_of_logs()
        tasks = [
            asyncio.create_task(self._worker("print"), name="print-worker"),
            asyncio.create_task(self._worker("scan"), name="scan-worker"),
            asyncio.create_task(self._health_loop(), name="health"),
        ]
        connection = asyncio.create_task(self._connection_loop(), name="connection")
        stopping = asyncio.create_task(self._stop.wait(), name="stop")
        try:
            await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not connection.done():  # stopped from outside: give the socket a moment to close
                await asyncio.wait({connection}, timeout=6)
            if connection.done() and not connection.cancelled():
                return connection.result()
            return EXIT_OK
        finally:
            self._stop.set()
            stopping.cancel()
            if not connection.done():
                connection.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connection
            await self._wind_down(tasks)

    # ------------------------------------------------------------------ start and end
    def _recover_interrupted(self) -> None:
        for entry in self.journal.unfinished():
            log.warning(
                "job %s (%s) was running when the agent stopped; it is reported as failed "
                "(job_aborted) rather than run twice",
                entry.job_id,
                entry.kind or "?",
            )
            try:
                self.journal.outcome(
                    entry.job_id,
                    entry.kind,
                    "failed",
                    "job_aborted",
                    "the kiosk agent stopped while this job ran; it was not repeated",
                )
            except OSError as exc:  # still reported as job_aborted when it is delivered again
                log.error("the journal cannot be written: %s", exc)

    def _remove_leftover_scans(self) -> None:
        """Pages of a scan that a crash left in the spool are citizens' papers: delete them."""
        for leftover in self.config.spool_dir.glob("scan-*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
                log.info("removed %s, left over from an interrupted scan", leftover)

    async def _wind_down(self, tasks: list[asyncio.Task[None]]) -> None:
        running = [j for j, state in self._inflight.items() if state == "processing"]
        if running:
            log.info(
                "waiting up to %.0f s for job(s) %s", self.shutdown_grace_s, ", ".join(running)
            )
            deadline = time.monotonic() + self.shutdown_grace_s
            while time.monotonic() < deadline and any(
                self._inflight.get(j) == "processing" for j in running
            ):
                await asyncio.sleep(0.1)
        await cancel_all(tasks)
        await self.server.aclose()
        self.journal.close()

    # ------------------------------------------------------------------ the connection
    async def _connection_loop(self) -> int:
        attempt = 0
        url = self.config.websocket_url
        ca = self.config.server_ca_file
        ssl = ssl_context(str(ca)) if (url.startswith("wss://") and ca) else None
        while not self._stop.is_set():
            hold_off = restart = False
            try:
                async with connect(
                    url,
                    additional_headers={"Authorization": self.config.authorization},
                    user_agent_header=f"finestreta-kiosk-agent/{__version__}",
                    open_timeout=15,
                    ping_interval=None,
                    ping_timeout=None,
                    close_timeout=5,
                    max_size=MAX_FRAME_BYTES,
                    ssl=ssl,
                ) as ws:
                    established = await self._session(ws)
                    if established:
                        attempt = 0
                    code = ws.close_code
                    if code in REFUSED_CLOSE_CODES:
                        log.error(
                            "the server closed the socket with code %d (%s%s): this booth's "
                            "secret is revoked or the booth is disabled; the agent stops. Fix "
                            "kiosk_code/kiosk_secret or enable the booth, then restart it.",
                            code,
                            REFUSED_CLOSE_CODES[code],
                            f", {self._closed_reason}" if self._closed_reason else "",
                        )
                        return EXIT_REFUSED
                    if code == REPLACED_CLOSE_CODE or self._closed_reason == "replaced":
                        log.error(
                            "another connection with this booth's code replaced this one: is a "
                            "second agent running with the same secret? retrying slowly"
                        )
                        hold_off = True
                    elif code == RESTART_CLOSE_CODE:
                        log.info("the server is restarting (close code 1012); reconnecting")
                        restart, attempt = True, 0
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in (401, 403):
                    log.error(
                        "the server refused this booth at the handshake (HTTP %d): unknown "
                        "kiosk_code, wrong or revoked secret, or booth disabled; the agent "
                        "stops. Fix the configuration or enable the booth, then restart it.",
                        status,
                    )
                    return EXIT_REFUSED
                log.warning("the server answered HTTP %d to the socket; retrying", status)
            except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as exc:
                log.warning("cannot reach the server at %s: %s", url, _describe(exc))
            except Exception:  # whatever it was, the booth must come back on its own
                log.exception("the connection to the server failed unexpectedly")
            if self._stop.is_set():
                break
            if hold_off:
                delay = self.backoff.cap_s
            elif restart:  # the next attempt that fails backs off from the start again
                delay = self.backoff.restart()
            else:
                delay = self.backoff.delay(attempt)
                attempt += 1
            log.info("reconnecting in %.1f s", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
        return EXIT_OK

    async def _session(self, ws: ClientConnection) -> bool:
        """Serve one open socket until it closes or goes silent; True once hello came."""
        dead_after = 3 * self.config.heartbeat_s
        self._closed_reason = ""
        established = False
        heartbeat: asyncio.Task[None] | None = None
        try:
            first = await asyncio.wait_for(ws.recv(), dead_after)
            self._ws = ws
            self.connections += 1
            self.connected.set()
            heartbeat = asyncio.create_task(self._heartbeat(ws), name="heartbeat")
            established = self._dispatch(first)
            self.health.forget()
            self._health_force = True
            self._health_wake.set()
            while True:
                try:
                    raw = await asyncio.wait_for(ws.recv(), dead_after)
                except TimeoutError:
                    log.warning("no frame from the server for %.0f s; reconnecting", dead_after)
                    await ws.close(1001, "no frame for three heartbeats")
                    break
                established = self._dispatch(raw) or established
        except ConnectionClosed:
            pass
        except TimeoutError:
            log.warning("the server sent no hello within %.0f s", dead_after)
            await ws.close(1001, "no hello")
        finally:
            self._ws = None
            self.connected.clear()
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        if established:
            log.info("socket closed (code %s)", ws.close_code)
        return established

    async def _heartbeat(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_s)
            try:
                await self._send_on(ws, {"type": "ping", "t": round(time.time(), 3)})
            except ConnectionClosed:
                return

    async def _send_on(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        async with self._send_lock:
            await ws.send(text)

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send if connected; a frame that cannot go now is not queued (the server resends
        unfinished jobs on reconnection, and health is sent afresh)."""
        ws = self._ws
        if ws is None:
            return False
        try:
            await self._send_on(ws, frame)
        except ConnectionClosed:
            return False
        return True

    # ------------------------------------------------------------------ frames from the server
    def _dispatch(self, raw: str | bytes) -> bool:
        """Handle one frame; True if it was the hello."""
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("the server sent a frame that is not JSON; ignored")
            return False
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            log.warning("the server sent a frame without a type; ignored")
            return False
        kind = frame["type"]
        if kind == "hello":
            self._on_hello(frame)
            return True
        if kind == "job":
            self._on_job(frame)
        elif kind == "cancel":
            self._on_cancel(frame.get("job_id"))
        elif kind == "error":
            log.warning(
                "the server refused a frame: %s: %s (ref %s)",
                frame.get("code"),
                frame.get("message"),
                frame.get("ref"),
            )
        elif kind == "closed":
            self._closed_reason = str(frame.get("reason") or "")
            if self._closed_reason == "draining":  # a restart: nothing is wrong
                log.info("the server is closing this socket to restart")
            else:
                log.warning("the server is closing this socket: %s", self._closed_reason or "?")
        elif kind != "pong":
            log.debug("frame of unknown type %r ignored", kind)
        return False

    def _on_hello(self, frame: dict[str, Any]) -> None:
        kiosk: dict[str, Any] = frame["kiosk"] if isinstance(frame.get("kiosk"), dict) else {}
        protocol = frame.get("protocol")
        if protocol != PROTOCOL:
            log.warning("the server speaks protocol %r; this agent speaks %d", protocol, PROTOCOL)
        interval = frame.get("health_interval_s")
        if isinstance(interval, int | float) and not isinstance(interval, bool) and interval >= 1:
            self.health_interval_s = float(interval)
        code = str(kiosk.get("code") or "")
        if code and code.lower() != self.config.kiosk_code.lower():
            log.warning(
                "the server knows this booth as %r, the config says %r",
                code,
                self.config.kiosk_code,
            )
        log.info(
            "connected to %s as booth %s (%s); health every %.0f s",
            self.config.server_url,
            code or self.config.kiosk_code,
            kiosk.get("name") or "?",
            self.health_interval_s,
        )

    def _on_job(self, frame: dict[str, Any]) -> None:
        job_id = frame.get("job_id")
        if not isinstance(job_id, str) or not job_id:
            log.warning("a job frame without a job_id; ignored")
            return
        if job_id in self._inflight:  # delivered again while queued or running here
            self._spawn(self._send_status(job_id, self._inflight[job_id]))
            return
        entry = self.journal.last(job_id)
        if entry is not None:
            self._repeat(entry)
            return
        try:
            job = _job_adapter.validate_python(frame)
        except ValidationError as exc:
            kind = frame.get("kind")
            reason = "scanner_error" if kind == "scan" else "printer_error"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
            )
            log.warning("job %s refused: %s", job_id, problems)
            if len(job_id) <= 64:  # nothing was started, so nothing is journaled
                self._spawn(self._send_status(job_id, "failed", reason, f"bad job: {problems}"))
            return
        log.info("job %s (%s) received", job.job_id, job.kind)
        self._inflight[job.job_id] = "received"
        self._spawn(self._accept(job))

    async def _accept(self, job: PrintJob | ScanJob) -> None:
        """Say ``received`` first, then queue: ``processing`` must never overtake it."""
        await self._send_status(job.job_id, "received")
        self._queues[job.kind].put_nowait(job)
        self._health_wake.set()

    def _repeat(self, entry: Entry) -> None:
        if entry.finished:
            log.info(
                "job %s delivered again; repeating its outcome (%s)", entry.job_id, entry.state
            )
            self._spawn(self._send_status(entry.job_id, entry.state, entry.reason, entry.detail))
            return
        # Started by an earlier run of the agent that died before the outcome: never rerun.
        detail = "the kiosk agent stopped while this job ran; it was not repeated"
        with contextlib.suppress(OSError):
            self.journal.outcome(entry.job_id, entry.kind, "failed", "job_aborted", detail)
        self._spawn(self._send_status(entry.job_id, "failed", "job_aborted", detail))

    def _on_cancel(self, job_id: Any) -> None:
        if not isinstance(job_id, str):
            return
        state = self._inflight.get(job_id)
        if state == "received":
            self._cancelled.add(job_id)
            del self._inflight[job_id]
            log.info("job %s canceled before it started; dropped", job_id)
            self._health_wake.set()
        elif state == "processing":
            log.info(
                "job %s canceled by the server, but it has started; it runs to its end", job_id
            )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def _send_status(
        self, job_id: str, state: str, reason: str = "", detail: str = ""
    ) -> bool:
        frame: dict[str, Any] = {"type": "job_status", "job_id": job_id, "state": state}
        if state == "failed":
            frame["reason"] = reason[:60] or "job_aborted"
        if detail:
            frame["detail"] = detail[:500]
        return await self.send(frame)

    # ------------------------------------------------------------------ running jobs
    async def _worker(self, kind: str) -> None:
        queue = self._queues[kind]
        while True:
            job = await queue.get()
            if job.job_id in self._cancelled:
                self._cancelled.discard(job.job_id)
                continue
            if self._stop.is_set():  # not started: the server sends it again next time
                self._inflight.pop(job.job_id, None)
                continue
            try:
                await self._run_job(job)
            except Exception:  # never lose the worker
                log.exception("job %s: unexpected failure", job.job_id)
                self._inflight.pop(job.job_id, None)

    async def _run_job(self, job: PrintJob | ScanJob) -> None:
        device_error = "printer_error" if job.kind == "print" else "scanner_error"
        try:
            self.journal.processing(job.job_id, job.kind)
        except OSError as exc:  # without the journal entry, running could mean running twice
            log.error("job %s not started: the journal cannot be written: %s", job.job_id, exc)
            self._inflight.pop(job.job_id, None)
            detail = f"the booth's journal cannot be written ({exc.strerror or exc}); not started"
            await self._send_status(job.job_id, "failed", device_error, detail)
            return
        self._inflight[job.job_id] = "processing"
        await self._send_status(job.job_id, "processing")
        started = time.monotonic()
        try:
            if isinstance(job, PrintJob):
                outcome = await self._print(job)
            else:
                outcome = await self._scan(job)
        except Exception as exc:  # a bug costs this job, never the agent
            log.exception("job %s failed inside the agent", job.job_id)
            outcome = Outcome("failed", device_error, f"agent error: {type(exc).__name__}: {exc}")
        allowed = PRINT_REASONS if job.kind == "print" else SCAN_REASONS
        if outcome.state == "failed" and outcome.reason not in allowed:
            log.error("job %s: reason %r is not in the protocol", job.job_id, outcome.reason)
            outcome = Outcome("failed", allowed[-1], outcome.detail)
        try:
            self.journal.outcome(
                job.job_id, job.kind, outcome.state, outcome.reason, outcome.detail
            )
        except OSError as exc:  # the next delivery will say job_aborted: safe, if pessimistic
            log.error("job %s: its outcome cannot be journaled: %s", job.job_id, exc)
        self._inflight.pop(job.job_id, None)
        log.info(
            "job %s (%s) %s%s in %.1f s%s",
            job.job_id,
            job.kind,
            outcome.state,
            f" ({outcome.reason})" if outcome.reason else "",
            time.monotonic() - started,
            f": {outcome.detail}" if outcome.detail else "",
        )
        if not (job.kind == "scan" and outcome.state == "done"):  # the server marks scans done
            await self._send_status(job.job_id, outcome.state, outcome.reason, outcome.detail)
        self._health_wake.set()

    async def _print(self, job: PrintJob) -> Outcome:
        # A printer that cannot print now fails the job before the document is fetched.
        blocked = (await self.printer.status()).blocking_reason()
        if blocked is not None:
            return Outcome("failed", *blocked)
        try:
            data = await self.server.fetch_document(job.document.url, job.document.sha256)
        except DocumentUnavailable as exc:
            return Outcome("failed", "document_unavailable", exc.detail)
        result: PrintOutcome = await self.printer.print_document(
            # The printer's panel and job history get the job id, not the document's title.
            data,
            job.document.media_type,
            f"finestreta-{job.job_id}",
            job.copies,
        )
        return Outcome(result.state, result.reason, result.detail)

    async def _scan(self, job: ScanJob) -> Outcome:
        o = job.options
        try:
            result = await self.scanner.scan(o.resolution, o.mode, o.source, o.format)
        except ScanError as exc:
            return Outcome("failed", exc.reason, exc.detail)
        uploaded = await self.server.upload_scan(job.upload_url, result.data, result.content_type)
        if not uploaded.ok:
            return Outcome("failed", "upload_failed", uploaded.detail)
        pages = f", {result.pages} pages" if result.pages > 1 else ""
        return Outcome(
            "done", "", f"uploaded {len(result.data)} bytes{pages} as {uploaded.document_id}"
        )

    # ------------------------------------------------------------------ health
    async def _health_loop(self) -> None:
        # The stop flag, not only cancellation, ends this loop: Python 3.11's wait_for returns
        # the inner result when a cancellation arrives just as the wake-up is set (a hello then
        # an immediate close does that), and the cancellation is lost.
        while not self._stop.is_set():
            probe_every = self.health_probe_s or min(10.0, self.health_interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._health_wake.wait(), probe_every)
            self._health_wake.clear()
            if self._stop.is_set():
                return
            try:
                report = await self.health.collect()
            except Exception:
                log.exception("the health probe failed")
                continue
            due = time.monotonic() - self._last_health_at >= self.health_interval_s
            wanted = self._health_force or due or self.health.changed(report)
            if wanted and await self.send(report):
                self._health_force = False
                self._last_health_at = time.monotonic()
                self.health.mark_sent(report)
                log.debug("health sent: %s", summary(report))


_background: set[asyncio.Task[Any]] = set()


def keep_secret_out_of_logs() -> None:
    """websockets and httpx log request headers at debug level, and the Authorization header
    carries the booth's secret: their loggers never go below INFO."""
    for name in ("websockets", "httpx", "httpcore", "hpack"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    logging.getLogger("httpcore").setLevel(
        max(logging.WARNING, logging.getLogger("httpcore").level)
    )


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]


async def cancel_all(tasks: list[asyncio.Task[None]], rounds: int = 50) -> None:
    """Cancel tasks and wait until they end, cancelling again those that swallowed it (see
    ``_health_loop``): stopping must never hang on one lost cancellation."""
    pending = {task for task in tasks if not task.done()}
    for _ in range(rounds):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.2)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: an error while stopping is not worth a warning
