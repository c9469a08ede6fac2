"""The agent loop against a minimal fake of the server's endpoints (``fake_server.py``), with the
real printer and scanner stand-ins: exactly-once, reconnection, close codes, heartbeats, health.

The full end-to-end test against the real server belongs with the server side."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import io
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from finestreta import __version__
from finestreta.kiosk_agent.agent import Agent, Backoff, cancel_all
from finestreta.kiosk_agent.config import AgentConfig, parse_config, prepare_spool
from finestreta.kiosk_agent.journal import Entry, Journal
from tests.devices.conftest import PDF, IppEvePrinter, closed_port
from tests.devices.fake_server import FakeServer, Frame

SECRET = "ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2"
AUTH = f"Kiosk booth-1:{SECRET}"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(AUTH).start()
    yield fake
    fake.close()


def make_config(
    server: FakeServer, printer_uri: str, sane: Path | None, spool: Path, **over: Any
) -> AgentConfig:
    config = parse_config(
        {
            "server_url": server.url,
            "kiosk_code": "booth-1",
            "kiosk_secret": SECRET,
            "printer_uri": printer_uri,
            "scanner_device": "test",
            **({"sane_config_dir": str(sane)} if sane else {}),
            "spool_dir": str(spool),
            "heartbeat_s": 1,
            **over,
        }
    )
    prepare_spool(config)
    return config


def run_agent(
    config: AgentConfig, until: Callable[[], bool], timeout: float = 20, **kw: Any
) -> tuple[int, Agent]:
    """Run an agent until ``until()`` holds (then stop it) or it ends by itself."""

    async def main() -> tuple[int, Agent]:
        agent = Agent(
            config,
            backoff=kw.pop("backoff", Backoff(0.05, 0.4)),
            health_probe_s=kw.pop("health_probe_s", 0.3),
            shutdown_grace_s=5,
            **kw,
        )
        task = asyncio.create_task(agent.run())
        deadline = time.monotonic() + timeout
        # The script waits on the fake server (blocking), so it runs in a thread of its own.
        while not task.done():
            if time.monotonic() > deadline:
                agent.stop()
                await asyncio.wait_for(task, 15)
                raise AssertionError(f"condition not met within {timeout} s")
            check = asyncio.ensure_future(asyncio.to_thread(until))
            await asyncio.wait({task, check}, return_when=asyncio.FIRST_COMPLETED)
            if not check.done():
                await check  # the agent ended by itself; let the script finish its wait
            if check.result():
                break
            await asyncio.sleep(0.05)
        if not task.done():
            agent.stop()
        return await asyncio.wait_for(task, 15), agent

    return asyncio.run(main())


def print_job(job_id: str, document_id: str, data: bytes, copies: int = 1) -> Frame:
    return {
        "type": "job",
        "job_id": job_id,
        "kind": "print",
        "copies": copies,
        "document": {
            "id": document_id,
            "url": f"/api/agent/documents/{document_id}",
            "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": "application/pdf",
            "title": "Certificat",
            "pages": 1,
        },
    }


def scan_job(job_id: str, **options: Any) -> Frame:
    return {
        "type": "job",
        "job_id": job_id,
        "kind": "scan",
        "options": {
            "resolution": 100,
            "mode": "color",
            "source": "flatbed",
            "format": "png",
            **options,
        },
        "upload_url": f"/api/agent/jobs/{job_id}/scan",
    }


def _is_status(job_id: str, state: str) -> Callable[[Frame], bool]:
    return lambda f: f.get("type") == "job_status" and f["job_id"] == job_id and f["state"] == state


def status_into(
    frames: list[Frame], server: FakeServer, job_id: str, state: str
) -> Callable[[], bool]:
    """An ``until`` for ``run_agent``: waits for the job's status frame, kept in ``frames``."""

    def until() -> bool:
        frames.append(server.expect(_is_status(job_id, state)))
        return True

    return until


# ---------------------------------------------------------------------- exactly once
def test_a_print_job_delivered_again_and_again_prints_once(
    server: FakeServer, printer: Callable[..., IppEvePrinter], tmp_path: Path
) -> None:
    eve = printer(command="/bin/true")
    server.documents["doc-1"] = (PDF, "application/pdf")
    job = print_job("job-1", "doc-1", PDF)
    server.jobs = [job]
    config = make_config(server, eve.uri, None, tmp_path / "spool")
    steps: list[str] = []

    def script() -> bool:
        # 1. delivered on connect; delivered again while it is queued or running
        if not steps:
            server.expect(_is_status("job-1", "received"), what="received")
            server.push(job)
            steps.append("pushed while in flight")
        # 2. done; delivered again on the same socket
        elif len(steps) == 1:
            server.expect(_is_status("job-1", "done"), what="done")
            server.push(job)
            server.expect(_is_status("job-1", "done"), what="repeated done")
            steps.append("pushed after done")
        # 3. the server restarts: the job comes again on the new socket
        elif len(steps) == 2:
            server.stop()
            time.sleep(0.3)
            server.start()
            steps.append("restarted")
        elif len(steps) == 3:
            server.expect(_is_status("job-1", "done"), what="done after reconnection")
            steps.append("done again")
            return True
        return False

    code, agent = run_agent(config, script, timeout=30)
    assert code == 0
    assert agent.connections == 2
    # 4. the agent itself restarts (a new process, same spool): still only repeated
    run_agent(config, lambda: bool(server.expect(_is_status("job-1", "done"), what="done, 3")))
    assert len(eve.printed()) == 1
    assert eve.printed()[0].read_bytes() == PDF
    assert "finestreta-job-1" in eve.printed()[0].name  # not the document's title
    states = [s for s, _ in server.statuses("job-1")]
    # The copy delivered while the job was in flight got its current state repeated.
    order = {"received": 0, "processing": 1, "done": 2}
    assert [order[s] for s in states] == sorted(order[s] for s in states)
    journal = (tmp_path / "spool" / "journal.jsonl").read_text().splitlines()
    assert sum('"processing"' in line for line in journal) == 1
    assert states.count("done") == 4


def test_a_job_found_started_without_outcome_is_aborted_not_repeated(
    server: FakeServer, printer: Callable[..., IppEvePrinter], tmp_path: Path
) -> None:
    eve = printer(command="/bin/true")
    spool = tmp_path / "spool"
    spool.mkdir()
    journal = Journal(spool / "journal.jsonl")
    journal.processing("job-9", "print")  # and then the power went out
    journal.close()
    server.documents["doc-9"] = (PDF, "application/pdf")
    server.jobs = [print_job("job-9", "doc-9", PDF)]
    config = make_config(server, eve.uri, None, spool)
    frame: list[Frame] = []
    run_agent(config, status_into(frame, server, "job-9", "failed"))
    assert frame[0]["reason"] == "job_aborted"
    assert eve.printed() == []
    assert server.statuses("job-9") == [("failed", "job_aborted")]


# ---------------------------------------------------------------------- printing and scanning
def test_a_document_whose_checksum_differs_is_not_printed(
    server: FakeServer, printer: Callable[..., IppEvePrinter], tmp_path: Path
) -> None:
    eve = printer(command="/bin/true")
    server.documents["doc-2"] = (PDF + b"tampered", "application/pdf")
    server.jobs = [print_job("job-2", "doc-2", PDF), print_job("job-3", "missing", PDF)]
    config = make_config(server, eve.uri, None, tmp_path / "spool")
    got: dict[str, Frame] = {}

    def both_failed() -> bool:
        frame = server.expect(lambda f: f.get("state") == "failed", what="a failure")
        got[frame["job_id"]] = frame
        return len(got) == 2

    run_agent(config, both_failed)
    assert got["job-2"]["reason"] == "document_unavailable"
    assert "SHA-256" in got["job-2"]["detail"]
    assert got["job-3"]["reason"] == "document_unavailable"
    assert "404" in got["job-3"]["detail"]
    assert eve.printed() == []


def test_the_secret_is_only_sent_to_the_servers_origin(
    server: FakeServer,
    printer: Callable[..., IppEvePrinter],
    sane_config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    eve = printer(command="/bin/true")
    job = print_job("job-x", "doc-x", PDF)
    job["document"]["url"] = f"http://127.0.0.1:{closed_port()}/api/agent/documents/doc-x"
    scan = scan_job("scan-x")
    scan["upload_url"] = "https://elsewhere.example/upload"
    server.jobs = [job, scan]
    config = make_config(server, eve.uri, sane_config(), tmp_path / "spool")
    got: dict[str, Frame] = {}

    def both_failed() -> bool:
        frame = server.expect(lambda f: f.get("state") == "failed", what="a failure")
        got[frame["job_id"]] = frame
        return len(got) == 2

    run_agent(config, both_failed)
    assert got["job-x"]["reason"] == "document_unavailable"
    assert "not on the server's origin" in got["job-x"]["detail"]
    assert got["scan-x"]["reason"] == "upload_failed"
    assert "not on the server's origin" in got["scan-x"]["detail"]
    assert eve.printed() == []


def test_a_scan_is_uploaded_and_left_for_the_server_to_mark_done(
    server: FakeServer, sane_config: Callable[..., Path], tmp_path: Path
) -> None:
    server.jobs = [scan_job("scan-1")]
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", sane_config(), tmp_path / "spool"
    )
    run_agent(config, lambda: len(server.uploads) == 1)
    job_id, content_type, body = server.uploads[0]
    assert (job_id, content_type) == ("scan-1", "image/png")
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (314, 393)  # 80 x 100 mm at 100 dpi
    assert server.statuses("scan-1") == [("received", ""), ("processing", "")]


def test_a_refused_upload_fails_the_scan(
    server: FakeServer, sane_config: Callable[..., Path], tmp_path: Path
) -> None:
    server.upload_answer = (
        413,
        {"ok": False, "error": {"code": "too_large", "message": "Files are at most 1 MiB"}},
    )
    server.jobs = [scan_job("scan-2", format="pdf", source="feeder")]
    config = make_config(
        server,
        f"ipp://127.0.0.1:{closed_port()}/ipp/print",
        sane_config(),
        tmp_path / "spool",
        feeder_max_pages=2,
    )
    frame: list[Frame] = []
    run_agent(config, status_into(frame, server, "scan-2", "failed"))
    assert frame[0]["reason"] == "upload_failed"
    assert "too_large" in frame[0]["detail"] and "1 MiB" in frame[0]["detail"]
    assert server.uploads[0][1] == "application/pdf"


def test_a_scan_from_an_empty_feeder_fails_as_feeder_empty(
    server: FakeServer, sane_config: Callable[..., Path], tmp_path: Path
) -> None:
    server.jobs = [scan_job("scan-3", source="feeder")]
    sane = sane_config("read-status-code SANE_STATUS_NO_DOCS")
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", sane, tmp_path / "spool"
    )
    frame: list[Frame] = []
    run_agent(config, status_into(frame, server, "scan-3", "failed"))
    assert frame[0]["reason"] == "feeder_empty"
    assert server.uploads == []


def test_a_job_canceled_before_it_starts_is_dropped(
    server: FakeServer,
    printer: Callable[..., IppEvePrinter],
    printer_command: Callable[[str], str],
    tmp_path: Path,
) -> None:
    eve = printer(command=printer_command("sleep 1"))
    server.documents["doc-1"] = (PDF, "application/pdf")
    server.jobs = [print_job("job-a", "doc-1", PDF), print_job("job-b", "doc-1", PDF)]
    config = make_config(server, eve.uri, None, tmp_path / "spool")

    def script() -> bool:
        server.expect(_is_status("job-b", "received"))
        server.push({"type": "cancel", "job_id": "job-b"})
        server.expect(_is_status("job-a", "done"))
        time.sleep(0.5)
        return True

    run_agent(config, script)
    assert len(eve.printed()) == 1
    assert server.statuses("job-b") == [("received", "")]


# ---------------------------------------------------------------------- the connection
def test_backoff_doubles_from_half_a_second_to_thirty_with_jitter() -> None:
    backoff = Backoff()
    assert [backoff.ceiling(n) for n in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    for attempt in range(12):
        for _ in range(50):
            delay = backoff.delay(attempt)
            assert backoff.ceiling(attempt) / 2 <= delay <= backoff.ceiling(attempt)
    assert len({round(backoff.delay(5), 6) for _ in range(20)}) > 1  # jittered


def test_the_agent_comes_back_after_the_server_restarts(
    server: FakeServer, tmp_path: Path, sane_config: Callable[..., Path]
) -> None:
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", sane_config(), tmp_path / "spool"
    )
    steps: list[float] = []

    def script() -> bool:
        if not steps and server.connections == 1:
            server.stop()
            steps.append(time.monotonic())
            time.sleep(1.2)  # a few refused attempts, with growing waits
            server.start()
        return server.connections == 2

    code, agent = run_agent(config, script)
    assert code == 0 and agent.connections == 2


@pytest.mark.parametrize("mode", ["close4401", "close4403", "reject401", "reject403"])
def test_a_refused_booth_stops_the_agent_with_status_3(
    server: FakeServer, tmp_path: Path, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.mode = mode
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    with caplog.at_level(logging.INFO):
        code, _ = run_agent(config, lambda: False, timeout=10)
    assert code == 3
    assert len(server.handshakes) == 1  # no retry
    assert "the agent stops" in caplog.text


def test_a_replaced_connection_retries_slowly(
    server: FakeServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two agents with the same secret would replace each other: not in a tight loop."""
    server.mode = "close4409"
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    with caplog.at_level(logging.INFO):
        code, _ = run_agent(config, lambda: len(server.handshakes) >= 3, timeout=10)
    assert code == 0
    gaps = [b - a for a, b in zip(server.handshakes, server.handshakes[1:], strict=False)]
    assert all(gap >= 0.35 for gap in gaps[:2]), gaps  # the cap (0.4 s here), not 0.05 s
    assert "second agent running with the same secret" in caplog.text


def test_a_draining_server_is_rejoined_at_once_without_backoff(
    server: FakeServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """1012 (the server drains before a restart): back within 0–0.5 s every time, where the
    backoff would have grown to its cap (0.4 s here: a slow backoff shows the difference)."""
    server.mode = "close1012"
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    slow = Backoff(2.0, 30.0)  # without the 1012 rule: 1-2 s, then 2-4 s, 4-8 s…
    with caplog.at_level(logging.INFO):
        code, _ = run_agent(config, lambda: len(server.handshakes) >= 6, timeout=10, backoff=slow)
    assert code == 0
    gaps = [b - a for a, b in zip(server.handshakes, server.handshakes[1:], strict=False)]
    assert len(gaps) >= 5 and all(gap < 0.8 for gap in gaps), gaps
    assert "the server is restarting (close code 1012)" in caplog.text
    assert "the server is closing this socket to restart" in caplog.text


def test_a_restart_delay_is_at_most_half_a_second_and_jittered() -> None:
    backoff = Backoff()
    delays = [backoff.restart() for _ in range(200)]
    assert all(0.0 <= d <= 0.5 for d in delays)
    assert len({round(d, 6) for d in delays}) > 1


def test_a_silent_socket_is_dropped_after_three_heartbeats(
    server: FakeServer, tmp_path: Path
) -> None:
    server.mode = "silent"
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    started = time.monotonic()

    def script() -> bool:
        if server.connections == 1 and server.received:
            server.mode = "normal"  # the next socket works
        return server.connections == 2

    run_agent(config, script, timeout=15)
    assert 2.5 < time.monotonic() - started < 12


# ---------------------------------------------------------------------- health
def test_health_is_sent_on_connect_and_on_change(
    server: FakeServer,
    printer: Callable[..., IppEvePrinter],
    sane_config: Callable[..., Path],
    tmp_path: Path,
) -> None:
    eve = printer(command="/bin/true")
    config = make_config(server, eve.uri, sane_config(), tmp_path / "spool")
    reports: list[Frame] = []

    def script() -> bool:
        reports.append(server.expect(lambda f: f.get("type") == "health", what="health"))
        eve.process.terminate()  # the printer goes away
        eve.process.wait(5)
        reports.append(
            server.expect(
                lambda f: f.get("type") == "health" and f["printer"]["state"] == "unreachable",
                timeout=5,
                what="health after the printer left",
            )
        )
        return True

    run_agent(config, script)
    first = reports[0]
    assert first["agent_version"] == __version__
    assert first["printer"]["uri"] == eve.uri
    assert first["printer"]["state"] == "idle"
    assert first["printer"]["accepting"] is True
    assert first["printer"]["reasons"] == []
    assert {"name": "Black Toner", "type": "toner", "color": "black", "level": 75} in first[
        "printer"
    ]["markers"]
    assert first["scanner"] == {"device": "test", "present": True, "error": ""}
    assert isinstance(first["disk_free_bytes"], int) and first["disk_free_bytes"] > 0
    assert first["spool_pending"] == 0
    later = reports[1]
    assert later["printer"]["state"] == "unreachable"
    assert later["printer"]["message"]
    assert later["scanner"]["present"] is True


def test_the_secret_is_never_logged(
    server: FakeServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    assert SECRET not in repr(config) and SECRET not in str(config.model_dump())
    with caplog.at_level(logging.DEBUG):
        run_agent(config, lambda: server.connections == 1 and len(server.received) > 0)
        server.mode = "reject401"
        run_agent(config, lambda: False, timeout=10)
    assert "handshake" in caplog.text  # the 401 was logged...
    assert SECRET not in caplog.text  # ...without the secret


# ---------------------------------------------------------------------- what must not happen
class FullJournal(Journal):
    """A journal on a full disk."""

    def append(self, entry: Entry) -> Entry:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_job_is_not_started_when_the_journal_cannot_be_written(
    server: FakeServer, printer: Callable[..., IppEvePrinter], tmp_path: Path
) -> None:
    eve = printer(command="/bin/true")
    server.documents["doc-1"] = (PDF, "application/pdf")
    server.jobs = [print_job("job-1", "doc-1", PDF)]
    config = make_config(server, eve.uri, None, tmp_path / "spool")
    frame: list[Frame] = []
    run_agent(
        config,
        status_into(frame, server, "job-1", "failed"),
        journal=FullJournal(config.journal_path),
    )
    assert frame[0]["reason"] == "printer_error"
    assert "No space left on device" in frame[0]["detail"]
    assert eve.printed() == []


def test_a_malformed_job_is_refused_without_touching_a_device(
    server: FakeServer, tmp_path: Path
) -> None:
    bad = scan_job("scan-9", resolution=5000)
    server.jobs = [bad, {"type": "job", "kind": "print", "job_id": "p-9", "copies": 1}]
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    got: dict[str, Frame] = {}

    def both() -> bool:
        frame = server.expect(lambda f: f.get("state") == "failed")
        got[frame["job_id"]] = frame
        return len(got) == 2

    run_agent(config, both)
    assert got["scan-9"]["reason"] == "scanner_error"
    assert "options.resolution" in got["scan-9"]["detail"]
    assert got["p-9"]["reason"] == "printer_error"
    assert "document" in got["p-9"]["detail"]


def test_pages_left_by_an_interrupted_scan_are_deleted_at_start(
    server: FakeServer, tmp_path: Path
) -> None:
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )
    leftover = config.spool_dir / "scan-abc123"
    leftover.mkdir()
    (leftover / "page-0001.png").write_bytes(b"a citizen's ID card")
    run_agent(config, lambda: server.connections == 1)
    assert not leftover.exists()


def test_stopping_never_hangs_on_a_lost_cancellation(server: FakeServer, tmp_path: Path) -> None:
    """Python 3.11's ``wait_for`` loses a cancellation that arrives as its inner wait ends: a
    hello (which wakes the health probe) followed at once by a close did that, and the command
    then waited forever (seen as a 300 s timeout under load). Here the wake-up and the stop come
    together, again and again, at every offset; each time the loop must end."""
    config = make_config(
        server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", None, tmp_path / "spool"
    )

    async def main() -> int:
        hung = 0
        for offset in range(40):
            agent = Agent(config, health_probe_s=30)
            loop = asyncio.create_task(agent._health_loop())
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            agent._health_wake.set()
            for _ in range(offset % 4):
                await asyncio.sleep(0)
            agent._stop.set()
            loop.cancel()
            done, _ = await asyncio.wait({loop}, timeout=2)
            if not done:
                hung += 1
                await cancel_all([loop])
        return hung

    assert asyncio.run(main()) == 0


def test_cancel_all_ends_a_task_that_swallowed_its_cancellation() -> None:
    async def stubborn() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # a lost cancellation, from outside
            await asyncio.sleep(30)
        await asyncio.sleep(30)

    async def main() -> bool:
        task = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        await asyncio.wait_for(cancel_all([task]), 5)
        return task.done()

    assert asyncio.run(main())
