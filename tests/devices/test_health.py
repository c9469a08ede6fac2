"""The health report's contents, and when it counts as changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from finestreta import __version__
from finestreta.kiosk_agent.health import HealthMonitor
from finestreta.kiosk_agent.printer import IppPrinter
from finestreta.kiosk_agent.scanner import SaneScanner
from finestreta.realtime.frames import AGENT, FrameSet, Health
from tests.devices.conftest import IppEvePrinter, closed_port

agent_frames = FrameSet().adapter(AGENT)


def test_a_booth_with_its_devices(
    printer: Callable[..., IppEvePrinter], sane_config: Callable[..., Path], tmp_path: Path
) -> None:
    eve = printer()
    monitor = HealthMonitor(
        IppPrinter(eve.uri),
        SaneScanner("test", sane_config_dir=sane_config(), work_dir=tmp_path),
        tmp_path,
        pending=lambda: 2,
    )
    report = asyncio.run(monitor.collect())
    assert report["type"] == "health"
    assert report["agent_version"] == __version__
    assert report["printer"]["state"] == "idle"
    assert report["printer"]["accepting"] is True
    assert report["printer"]["message"] == "Idle."
    assert [m["name"] for m in report["printer"]["markers"]] == ["Toner Waste Tank", "Black Toner"]
    assert report["scanner"] == {"device": "test", "present": True, "error": ""}
    assert report["spool_pending"] == 2
    assert report["disk_free_bytes"] > 0
    # The server's own frame model takes it as it is.
    parsed = agent_frames.validate_python(report)
    assert isinstance(parsed, Health)
    assert parsed.printer.state == "idle"


def test_a_booth_without_its_devices(sane_config: Callable[..., Path], tmp_path: Path) -> None:
    monitor = HealthMonitor(
        IppPrinter(f"ipp://127.0.0.1:{closed_port()}/ipp/print"),
        SaneScanner("test:5", sane_config_dir=sane_config(), work_dir=tmp_path),
        tmp_path,
        pending=lambda: 0,
    )
    report = asyncio.run(monitor.collect())
    assert report["printer"]["state"] == "unreachable"
    assert report["printer"]["accepting"] is None
    assert "no answer from the printer" in report["printer"]["message"]
    assert report["scanner"]["present"] is False
    assert "open of device test:5 failed" in report["scanner"]["error"]
    agent_frames.validate_python(report)


def test_what_counts_as_a_change(tmp_path: Path) -> None:
    monitor = HealthMonitor(IppPrinter("ipp://x/"), SaneScanner("test"), tmp_path, lambda: 0)
    report = {"type": "health", "printer": {"state": "idle"}, "disk_free_bytes": 10}
    assert monitor.changed(report)  # nothing sent yet
    monitor.mark_sent(report)
    assert not monitor.changed({**report, "disk_free_bytes": 9})  # rides along only
    assert monitor.changed({**report, "printer": {"state": "stopped"}})
    assert monitor.changed({**report, "spool_pending": 1})
    monitor.forget()
    assert monitor.changed(report)
