"""The booth's computer in end-to-end tests: the kiosk agent as a real process, configured
against a running server, a printer URI and a SANE configuration directory. Shared by the
socket-level test (tests/devices/test_end_to_end.py) and the browser test of the devices during
a call (tests/browser/test_devices_in_call.py)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from tests.browser.conftest import Server


def small_pdf(text: str) -> bytes:
    """A one-page PDF that the server's document checks accept."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def write_agent_config(
    path: Path,
    server: Server,
    printer_uri: str,
    sane_config_dir: Path,
    spool_dir: Path,
    kiosk_code: str = "sants",
) -> Path:
    """The agent's TOML file: quick heartbeats and health reports, so tests do not wait."""
    path.write_text(
        f'server_url = "{server.url}"\n'
        f'kiosk_code = "{kiosk_code}"\n'
        f'kiosk_secret = "{server.booths[kiosk_code]}"\n'
        f'printer_uri = "{printer_uri}"\n'
        f'scanner_device = "test"\n'
        f'sane_config_dir = "{sane_config_dir}"\n'
        f'spool_dir = "{spool_dir}"\n'
        "heartbeat_s = 2\nhealth_interval_s = 5\n"
    )
    return path


class Agent:
    """``finestreta kiosk-agent --config FILE`` as a child process, its output in ``log``."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "finestreta.cli",
                    "kiosk-agent",
                    "--config",
                    str(self.config),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
