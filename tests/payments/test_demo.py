"""The demo pays offline: ``finestreta demo`` serves the sandbox gateway beside the app, on
the next port, in the same process, and Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_socket


def test_the_demo_runs_the_sandbox_on_the_next_port(tmp_path: Path) -> None:
    with free_socket() as sock:
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "FINESTRETA_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "FINESTRETA_LOG_LEVEL": "warning",
    }
    env.pop("FINESTRETA_PAYMENTS_SANDBOX_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "finestreta.cli", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(trust_env=False, timeout=2) as client:
            while True:
                assert process.poll() is None, process.communicate()[0].decode()
                try:
                    sandbox = client.post(f"http://127.0.0.1:{port + 1}/sis/realizarPago")
                    app = client.get(f"http://127.0.0.1:{port}/api/health")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the demo did not come up"
                    time.sleep(0.2)
        assert app.status_code == 200
        assert sandbox.status_code == 400 and "Passarel·la de pagament de prova" in sandbox.text
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=20)[0].decode()
        assert process.returncode == 0, output
        assert f"card payments: the sandbox gateway at http://127.0.0.1:{port + 1}" in output
        assert "Traceback" not in output
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
