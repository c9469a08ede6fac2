"""The real app in-process (Starlette's TestClient drives HTTP and WebSockets).

Besides the ``client`` fixture (the app running, with its lifespan and the hub's ticker):

* ``@pytest.mark.settings(**overrides)``: settings for one test (e.g. a short ring timeout);
* ``browser()``: another browser with a cookie jar of its own whose sockets run on the same
  event loop as the app (entering a second TestClient would start a second lifespan and hub
  ticker on another thread); ``clerk_browser(name)`` and ``booth_browser(code)`` log one in or
  pair one;
* ``Socket`` (from ``open_socket``): reads with a timeout and searches bounded in frames, so a
  missing frame fails the test instead of hanging it; ``flush()`` pings and reads up to the pong;
* ``start_call``; ``served(app)`` runs the app under a real uvicorn;
* a faster ``database_url`` (same contract as the root one) and cheap argon2 parameters.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from starlette.testclient import WebSocketTestSession
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from finestreta.app import create_app
from finestreta.config import Settings
from finestreta.context import AppContext, build_context
from finestreta.db import Database
from finestreta.migrate import upgrade
from finestreta.models import Base
from tests.conftest import (
    PASSWORD,
    PG_URL,
    Booth,
    MakeBooth,
    MakeStaff,
    copy_of,
    migrated_sqlite,
    need,
)

# TestClient asks for http://testserver: the public URL of the apps under test, so that pages'
# requests carry our own origin (web/security.py::same_origin)
PUBLIC_URL = "http://testserver"
ORIGIN = {"origin": PUBLIC_URL}
CROSS_SITE = {"origin": "https://evil.example"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "settings(**overrides): settings fields changed for this test's app"
    )


# ------------------------------------------------------------------------------ databases
# The root ``database_url`` migrates a new database for every test (a second or more on a busy
# machine). API tests only need a migrated, empty database, so they migrate once a session:
# SQLite copies a migrated file; PostgreSQL empties a migrated schema of its own before each
# test (as superuser, with triggers off, since some tables refuse DELETE by design), or falls
# back to a new schema per test when it may not.


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite(tmp_path_factory.mktemp("template") / "template.db")


def _pg_schema_url(admin: Engine) -> tuple[str, str]:
    schema = f"api_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)
    return schema, url


def _emptied(engine: Engine) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    except DBAPIError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[tuple[Engine, list[str]]]:
    """The server's engine, and the schemas made this session (dropped at its end)."""
    need(bool(PG_URL), "FINESTRETA_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    admin = create_engine(PG_URL)
    schemas: list[str] = []
    try:
        yield admin, schemas
    finally:
        # one transaction per schema: all at once takes more locks than PostgreSQL's default
        # max_locks_per_transaction allows, and the schemas were left behind
        for schema in schemas:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_shared(postgres_admin: tuple[Engine, list[str]]) -> Iterator[tuple[str, Engine]]:
    admin, schemas = postgres_admin
    schema, url = _pg_schema_url(admin)
    schemas.append(schema)
    engine = create_engine(url)
    yield url, engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database (the root fixture's contract, made faster)."""
    if request.param == "sqlite":
        return copy_of(request.getfixturevalue("sqlite_template"), tmp_path)
    url, engine = request.getfixturevalue("postgres_shared")
    if _emptied(engine):
        return str(url)
    admin, schemas = request.getfixturevalue("postgres_admin")
    schema, url = _pg_schema_url(admin)
    schemas.append(schema)
    return str(url)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 still, with cheap parameters: default ones cost ~0.2 s per hash or check."""
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    marker = request.node.get_closest_marker("settings")
    overrides: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "ring_timeout_seconds": 20,
        "heartbeat_seconds": 5,
        **(marker.kwargs if marker else {}),
    }
    return Settings(
        _env_file=None,
        database_url=database_url,
        **overrides,
    )


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, build_context(settings, db))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def ctx(app: FastAPI, client: TestClient) -> AppContext:
    """The running app's context (``client`` has run its lifespan)."""
    context: AppContext = app.state.ctx
    return context


class Browser(Protocol):
    """The ``browser`` fixture: another browser (cookies of its own) on the running app."""

    def __call__(self, raise_server_exceptions: bool = ...) -> TestClient: ...


class ClerkBrowser(Protocol):
    """The ``clerk_browser`` fixture: a new staff user logged in in a browser of their own;
    returns the browser and the user's id (``skills``: ``languages``, ``topics``)."""

    def __call__(
        self, username: str, role: str = ..., **skills: tuple[str, ...]
    ) -> tuple[TestClient, int]: ...


class BoothBrowser(Protocol):
    """The ``booth_browser`` fixture: a new booth paired in a browser of its own."""

    def __call__(self, code: str, site: str = ...) -> tuple[TestClient, Booth]: ...


@pytest.fixture
def browser(client: TestClient) -> Iterator[Browser]:
    """Make another browser (own cookies) that talks to the running app on its event loop."""
    made: list[TestClient] = []

    def make(raise_server_exceptions: bool = True) -> TestClient:
        other = TestClient(client.app, raise_server_exceptions=raise_server_exceptions)
        # Not entered (that would start a second lifespan and hub ticker on another loop):
        # borrow the running client's portal instead.
        other.portal = client.portal
        made.append(other)
        return other

    yield make
    for other in made:
        other.portal = None
        other.close()


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login",
        data={"username": username, "password": password},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def pair(client: TestClient, booth: Booth) -> None:
    response = client.post(
        "/kiosk/pair",
        data={"code": booth.code, "secret": booth.secret},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


# ------------------------------------------------------------------------------ sockets

_pings = itertools.count(1)


class SocketClosed(AssertionError):
    def __init__(self, code: int, reason: str, seen: list[dict[str, Any]]) -> None:
        super().__init__(f"socket closed with {code} {reason!r} after {seen!r}")
        self.code, self.reason, self.seen = code, reason, seen


class Socket:
    """A WebSocket test session with reads that time out and searches that are bounded."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        self.log: list[dict[str, Any]] = []  # every frame received, in order

    # sending
    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send_json(frame)

    def send_text(self, text: str) -> None:
        self.ws.send_text(text)

    def send_bytes(self, data: bytes) -> None:
        self.ws.send_bytes(data)

    # receiving
    def message(self, timeout: float = 5.0) -> Message:
        """The next ASGI message the app sent (``websocket.send`` or ``websocket.close``)."""
        rx = self.ws._send_rx  # the session's outgoing stream; TestClient has no timed receive

        async def get() -> Message:
            with anyio.fail_after(timeout):
                return await rx.receive()

        return self.ws.portal.call(get)

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        message = self.message(timeout)
        if message["type"] == "websocket.close":
            raise SocketClosed(message.get("code", 1000), message.get("reason") or "", self.log)
        frame: dict[str, Any] = json.loads(message["text"])
        self.log.append(frame)
        return frame

    def expect(
        self, type_: str, timeout: float = 5.0, limit: int = 200, **fields: Any
    ) -> dict[str, Any]:
        """Read until a frame of ``type_`` whose fields match; frames before it are skipped."""
        skipped: list[dict[str, Any]] = []
        for _ in range(limit):
            try:
                frame = self.recv(timeout)
            except TimeoutError:
                raise AssertionError(
                    f"no {type_!r} frame {fields or ''} within {timeout} s; got {skipped!r}"
                ) from None
            if frame["type"] == type_ and all(frame.get(k) == v for k, v in fields.items()):
                return frame
            skipped.append(frame)
        raise AssertionError(f"no {type_!r} frame {fields or ''} in {limit} frames: {skipped!r}")

    def flush(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Ping and read up to the pong: returns every frame the server had queued before it.

        The server handles a socket's frames in order, so whatever an earlier frame (of this
        socket, or of another socket already flushed) caused is in the returned list.
        """
        token = -0.25 - next(_pings)  # no test sends such a t itself
        self.send({"type": "ping", "t": token})
        frames: list[dict[str, Any]] = []
        for _ in range(limit):
            frame = self.recv()
            if frame["type"] == "pong" and frame.get("t") == token:
                return frames
            frames.append(frame)
        raise AssertionError(f"no pong in {limit} frames: {frames[-5:]!r}")

    def expect_close(self, timeout: float = 5.0, limit: int = 50) -> tuple[int, str]:
        """Read frames until the server closes the socket; returns the close code and reason."""
        for _ in range(limit):
            try:
                self.recv(timeout)
            except SocketClosed as closed:
                return closed.code, closed.reason
        raise AssertionError(f"socket still open after {limit} frames: {self.log[-5:]!r}")


@contextmanager
def open_socket(
    client: TestClient, path: str, headers: dict[str, str] | None = None
) -> Iterator[Socket]:
    with client.websocket_connect(path, headers=dict(ORIGIN if headers is None else headers)) as ws:
        yield Socket(ws)


def refused(client: TestClient, path: str, headers: dict[str, str] | None = None) -> int:
    """Open a socket that should be refused; returns the close code.

    Works whether the server closes before accepting (TestClient raises at once) or accepts
    and closes at once (what a browser needs to see the code): no frame may come before.
    """
    try:
        with client.websocket_connect(
            path, headers=dict(ORIGIN if headers is None else headers)
        ) as ws:
            message = Socket(ws).message()
    except WebSocketDisconnect as refusal:
        return refusal.code
    assert message["type"] == "websocket.close", f"{path} was not refused: {message}"
    code: int = message.get("code", 1000)
    return code


def wanted(frames: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [frame for frame in frames if frame["type"] == type_]


@pytest.fixture
def clerk_browser(browser: Browser, make_staff: MakeStaff) -> ClerkBrowser:
    """A new staff user (clerk by default) logged in in a browser of their own."""

    def make(
        username: str, role: str = "clerk", **skills: tuple[str, ...]
    ) -> tuple[TestClient, int]:
        staff_id = make_staff(username, role, **skills)
        other = browser()
        login(other, username)
        return other, staff_id

    return make


@pytest.fixture
def booth_browser(browser: Browser, make_booth: MakeBooth) -> BoothBrowser:
    """A new booth paired in a browser of its own."""

    def make(code: str, site: str = "Casa del Mig") -> tuple[TestClient, Booth]:
        booth = make_booth(code, site)
        other = browser()
        pair(other, booth)
        return other, booth

    return make


def start_call(
    console: Socket, kiosk: Socket, language: str = "ca", topic: str = "general"
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The clerk becomes available, the booth asks, the clerk accepts.

    Returns the ring and the ``call_started`` frames of the clerk and of the booth.
    """
    console.send({"type": "set_state", "state": "available"})
    console.flush()
    kiosk.send({"type": "request_attention", "language": language, "topic": topic})
    ring = console.expect("ring")
    console.send({"type": "accept", "offer_id": ring["offer_id"]})
    clerk_call = console.expect("call_started")
    kiosk_call = kiosk.expect("call_started")
    return ring, clerk_call, kiosk_call


@contextmanager
def served(app: FastAPI, **options: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn on a free local port; yields ``host:port``.

    For what only a real ASGI server shows (e.g. what a browser sees of a refused handshake).
    ``options`` go to ``uvicorn.Config`` (e.g. those ``finestreta serve`` uses).
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    config = {"log_level": "warning", **options, "lifespan": "on"}
    server = uvicorn.Server(uvicorn.Config(app, **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live_call(clerk_browser: ClerkBrowser, booth_browser: BoothBrowser) -> Iterator[dict[str, Any]]:
    """A clerk (anna) in a call with a booth (sants): their browsers, sockets and the call id."""
    anna, anna_id = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk)
        yield {
            "clerk": anna,
            "clerk_id": anna_id,
            "booth": sants,
            "console": console,
            "kiosk": kiosk,
            "id": started["call_id"],
        }
