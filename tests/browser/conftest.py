"""Browser tests: the real server as a subprocess on a free port, Debian's Chromium driven by
Playwright with a fake camera and microphone.

The server's log is printed when it does not come up, or when a test fails (datasette's habit).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from finestreta.accounts import service
from finestreta.accounts.models import OfficeHours
from finestreta.db import Database
from finestreta.migrate import upgrade
from finestreta.procedures import registry
from tests.conftest import PASSWORD, need

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    # Plain IP host candidates, not .local mDNS names: a name that must be resolved by
    # multicast is one more thing that can stall a call's ICE on a loaded test machine.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A Finestreta server process that can be killed (-9) and started again on the same data."""

    db_url: str
    workdir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    booths: dict[str, str] = field(default_factory=dict)  # code -> secret
    start_timeout: float = 30.0  # several nodes booting at once on a busy machine take longer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "FINESTRETA_DATABASE_URL": self.db_url,
            "FINESTRETA_PORT": str(self.port),
            "FINESTRETA_HOST": "127.0.0.1",
            "FINESTRETA_LOG_LEVEL": "info",
            "FINESTRETA_PUBLIC_URL": self.url,
            # stop() sends SIGTERM: a short drain (open pages get 1012 within a second), not
            # the default 30 s that would outlast stop()'s 10 s wait
            "FINESTRETA_DRAIN_SECONDS": "2",
            **self.env_extra,
        }
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "finestreta.cli", "serve"],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not come up; its log:\n{self.log()}")

    def kill(self) -> None:
        """kill -9: no shutdown handlers run, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def db(self) -> Database:
        return Database(self.db_url)


def seed(db_url: str, procedures: Sequence[str] | None = None) -> dict[str, str]:
    """Two booths, three clerks with different skills, always open. ``procedures``: the
    server's FINESTRETA_PROCEDURES, when not the installed ones (their migrations run too)."""
    upgrade(db_url, procedures=registry.load(procedures) if procedures is not None else None)
    database = Database(db_url)
    booths: dict[str, str] = {}
    with database.session() as session:
        service.add_user(
            session, "anna", PASSWORD, "clerk", "Anna Puig", ["ca", "es"], ["general", "census"]
        )
        service.add_user(
            session,
            "jordi",
            PASSWORD,
            "clerk",
            "Jordi Soler",
            ["ca", "es", "en"],
            ["general", "census", "taxes"],
        )
        service.add_user(
            session, "marta", PASSWORD, "clerk", "Marta Vidal", ["es", "en"], ["taxes", "works"]
        )
        for code, site in (("sants", "Casa del Mig"), ("nou-barris", "Can Basté")):
            booths[code] = service.add_kiosk(session, code, f"Cabina {site}", site).secret
        session.add(OfficeHours(id=1, spec="mon-sun 00:00-24:00", timezone="Europe/Madrid"))
    database.dispose()
    return booths


@pytest.fixture(scope="session")
def chromium_path() -> str:
    need(
        shutil.which(CHROMIUM) is not None,
        f"{CHROMIUM} is not installed (apt-get install chromium)",
    )
    return CHROMIUM


# Package scope, not session: Playwright's sync API keeps an asyncio loop running in the main
# thread while it lives, and later tests that call asyncio.run() (the kiosk agent, pyHanko) fail.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def shared_browser(playwright_instance: Any, chromium_path: str) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Every page runs under the server's Content-Security-Policy, and a test whose pages break it
# fails: the browser reports each violation to the page (a ``securitypolicyviolation`` event,
# written to the console here) and to the console itself ("… Content Security Policy …").
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} on ${document.location.href}`);
});
"""
VIOLATION_MARKS = ("CSP violation", "Content Security Policy")


class _ClosingBrowser:
    """The session's Chromium, but every context a test opens is closed after it: pages left
    open would keep their calls streaming video and starve the next tests of CPU. Each
    context's CSP violations are kept in ``violations``."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.contexts: list[Any] = []
        self.violations: list[str] = []

    def new_context(self, **kwargs: Any) -> Any:
        context = self._browser.new_context(**kwargs)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)
        self.contexts.append(context)
        return context

    def _console(self, message: Any) -> None:
        if any(mark in message.text for mark in VIOLATION_MARKS):
            self.violations.append(message.text)

    def new_page(self, **kwargs: Any) -> Any:
        return self.new_context(**kwargs).new_page()

    def close_all(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):  # already gone: nothing left to free
                context.close()


@pytest.fixture
def browser(shared_browser: Any) -> Iterator[Any]:
    closing = _ClosingBrowser(shared_browser)
    yield closing
    closing.close_all()
    if closing.violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(closing.violations))


def make_server(
    tmp_path: Path, env: dict[str, str] | None = None, procedures: Sequence[str] | None = None
) -> Server:
    """A seeded server, not started. ``procedures`` (e.g. the test suite's tiny one, as
    ``tests.procedures.tiny:procedure``) become its FINESTRETA_PROCEDURES, and the repository
    is put on its PYTHONPATH so that it can import them."""
    db_url = f"sqlite:///{tmp_path / 'browser.db'}"
    booths = seed(db_url, procedures)
    extra = dict(env or {})
    if procedures is not None:
        path = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        extra |= {
            "FINESTRETA_PROCEDURES": ",".join(procedures),
            "PYTHONPATH": os.pathsep.join(path),
        }
    server = Server(db_url, tmp_path, extra)
    server.booths = booths
    return server


@pytest.fixture
def server_factory(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    servers: list[Server] = []

    def factory(env: dict[str, str] | None = None) -> Server:
        server = make_server(tmp_path, {"FINESTRETA_RING_TIMEOUT_SECONDS": "20", **(env or {})})
        server.start()
        servers.append(server)
        return server

    yield factory
    failed = getattr(request.node, "rep_call", None)
    for server in servers:
        server.stop()
        if failed is not None and failed.failed:
            print(f"--- server log ({server.url}) ---\n{server.log()[-20000:]}")


@pytest.fixture
def server(server_factory: Any) -> Server:
    started: Server = server_factory()
    return started


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


def pair_booth(browser: Any, server: Server, code: str = "sants") -> Any:
    """A new browser context (its own cookies) with the booth page open and paired."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/kiosk")
    page.fill("#code", code)
    page.fill("#secret", server.booths[code])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/kiosk")
    return page


def open_console(browser: Any, server: Server, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/console")
    return page


@dataclass
class Turn:
    port: int
    secret: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[Turn]:
    """coturn on loopback, checking credentials with use-auth-secret (TURN REST scheme)."""
    binary = shutil.which("turnserver")
    need(binary is not None, "coturn's turnserver is not installed (apt-get install coturn)")
    assert binary is not None
    port = free_port()
    secret = "turn-test-secret-" + os.urandom(4).hex()
    log_path = tmp_path / "turnserver.log"
    process = subprocess.Popen(
        [
            binary,
            "-n",
            "--listening-ip=127.0.0.1",
            f"--listening-port={port}",
            "--relay-ip=127.0.0.1",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            "--realm=finestreta.test",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--allow-loopback-peers",
            "--min-port=49160",
            "--max-port=49400",
            "--fingerprint",
            f"--pidfile={tmp_path / 'turnserver.pid'}",
            f"--log-file={log_path}",
            "--simple-log",
            "--verbose",  # logs each allocation with its REST username
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        if log_path.exists() and "listener opened on" in log_path.read_text(errors="replace"):
            break
        time.sleep(0.1)
    if process.poll() is not None:
        pytest.fail(
            f"turnserver did not start: {log_path.read_text(errors='replace') if log_path.exists() else ''}"
        )
    yield Turn(port, secret, process, log_path)
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
