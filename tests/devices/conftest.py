"""Real stand-ins for the booth's devices, started per test under ``tmp_path``:

* ``printer()``: CUPS's ``ippeveprinter`` (package cups-ipp-utils), an IPP Everywhere printer
  that keeps every printed document as a file in its spool directory (``-k``). It runs with
  ``-r off``, so it needs no DNS-SD (dbus/avahi). With ``command=`` it runs that program for
  each job, whose stderr ``STATE:``/``ATTR:`` lines change the printer's state, as a real
  printer's would (out of paper...).
* ``sane_config()``: a SANE configuration directory that enables the ``test`` backend
  (package sane-utils for ``scanimage``); ``test.conf`` lines simulate the device's state, e.g.
  ``read-status-code SANE_STATUS_NO_DOCS`` for an empty feeder.

A missing binary skips the test on a developer's machine and fails it under CI=true.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import need

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_port() -> int:
    """A port nothing listens on (connections are refused)."""
    return free_port()


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for d in ("/usr/sbin", "/usr/bin") if (p := Path(d) / name).exists()), None
    )


@dataclass
class IppEvePrinter:
    uri: str
    spool: Path
    log: Path
    process: subprocess.Popen[bytes]

    def printed(self) -> list[Path]:
        """Documents the printer received, oldest first (not its command's .prn output)."""
        files = [p for p in self.spool.iterdir() if p.is_file() and p.suffix != ".prn"]
        return sorted(files, key=lambda p: int(p.name.split("-", 1)[0]))


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[Callable[..., IppEvePrinter]]:
    binary = _binary("ippeveprinter")
    need(binary is not None, "ippeveprinter is not installed (apt-get install cups-ipp-utils)")
    assert binary is not None
    started: list[IppEvePrinter] = []

    def start(
        command: str | None = None,
        formats: str = "application/pdf,image/png,image/jpeg",
        name: str = "Booth printer",
    ) -> IppEvePrinter:
        n = len(started)
        spool = tmp_path / f"printer{n}"
        spool.mkdir()
        port = free_port()
        log = tmp_path / f"printer{n}.log"
        args = [binary, "-r", "off", "-k", "-d", str(spool), "-p", str(port), "-s", "120,0"]
        if formats:
            args += ["-f", formats]
        if command:
            args += ["-c", command]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*args, name], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append(
            eve := IppEvePrinter(f"ipp://127.0.0.1:{port}/ipp/print", spool, log, process)
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = log.read_text(errors="replace")
                need(
                    "DNS-SD" not in output,
                    "ippeveprinter needs DNS-SD: a system D-Bus and avahi-daemon (scripts/services)",
                )
                pytest.fail(f"ippeveprinter exited: {output[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return eve
            except OSError:
                time.sleep(0.05)
        pytest.fail("ippeveprinter did not start listening within 10 s")

    yield start
    for eve in started:
        if eve.process.poll() is None:
            os.killpg(eve.process.pid, signal.SIGTERM)
            try:
                eve.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(eve.process.pid, signal.SIGKILL)
                eve.process.wait(5)


@pytest.fixture
def printer_command(tmp_path: Path) -> Callable[[str], str]:
    """A print command for ippeveprinter, written as a shell script; returns its path."""

    def make(body: str) -> str:
        path = tmp_path / f"command-{abs(hash(body))}.sh"
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
        return str(path)

    return make


@pytest.fixture
def sane_config(tmp_path: Path) -> Callable[..., Path]:
    need(
        _binary("scanimage") is not None, "scanimage is not installed (apt-get install sane-utils)"
    )

    def make(*test_conf: str) -> Path:
        n = len(list(tmp_path.glob("sane*")))
        directory = tmp_path / f"sane{n}"
        directory.mkdir()
        (directory / "dll.conf").write_text("test\n")
        if test_conf:
            (directory / "test.conf").write_text("\n".join(test_conf) + "\n")
        return directory

    return make
