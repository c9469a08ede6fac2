"""``run(["--config", FILE])`` as the ``finestreta kiosk-agent`` command calls it."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from finestreta.kiosk_agent.main import run
from tests.devices.conftest import IppEvePrinter, closed_port
from tests.devices.fake_server import FakeServer

SECRET = "ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """run() sets up logging for a process of its own; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(f"Kiosk booth-1:{SECRET}").start()
    yield fake
    fake.close()


def config_file(
    tmp_path: Path, server: FakeServer, printer_uri: str, sane: Path, secret: str = SECRET
) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(
        f"""
server_url = "{server.url}"
kiosk_code = "booth-1"
kiosk_secret = "{secret}"
printer_uri = "{printer_uri}"
scanner_device = "test"
sane_config_dir = "{sane}"
spool_dir = "{tmp_path / "spool"}"
heartbeat_s = 1
"""
    )
    path.chmod(0o600)
    return path


def test_check_says_what_works(
    tmp_path: Path,
    server: FakeServer,
    printer: Callable[..., IppEvePrinter],
    sane_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    eve = printer()
    path = config_file(tmp_path, server, eve.uri, sane_config())
    assert run(["--config", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert "server   ok" in out and "accepts this booth" in out
    assert "printer  ok" in out and "application/pdf" in out
    assert "scanner  ok" in out and "Automatic Document Feeder" in out


def test_check_says_what_does_not(
    tmp_path: Path,
    server: FakeServer,
    sane_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = config_file(
        tmp_path,
        server,
        f"ipp://127.0.0.1:{closed_port()}/ipp/print",
        sane_config(),
        secret="WRONG-SECRET",
    )
    path.write_text(
        path.read_text().replace('scanner_device = "test"', 'scanner_device = "test:9"')
    )
    assert run(["--config", str(path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "server   FAIL" in out and "refuses this booth" in out
    assert "printer  FAIL" in out
    assert "scanner  FAIL" in out and "open of device test:9 failed" in out
    assert "WRONG-SECRET" not in out


def test_a_revoked_secret_ends_the_command_with_status_3(
    tmp_path: Path,
    server: FakeServer,
    sane_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.mode = "close4401"
    path = config_file(
        tmp_path, server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", sane_config()
    )
    assert run(["--config", str(path)]) == 3
    err = capsys.readouterr().err
    assert "code 4401" in err and "the agent stops" in err
    assert SECRET not in err


def test_sigterm_stops_the_agent_cleanly(
    tmp_path: Path,
    server: FakeServer,
    sane_config: Callable[..., Path],
) -> None:
    path = config_file(
        tmp_path, server, f"ipp://127.0.0.1:{closed_port()}/ipp/print", sane_config()
    )

    def terminate_when_connected() -> None:
        server.expect(lambda f: f.get("type") == "health", what="health")
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_when_connected)
    killer.start()
    try:
        assert run(["--config", str(path)]) == 0
    finally:
        killer.join(15)
    assert (tmp_path / "spool" / "journal.jsonl").exists()
