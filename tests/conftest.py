"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when
FINESTRETA_TEST_DATABASE_URL is set), the real app, helpers to add staff and booths, and the
sandbox payment gateway on an origin of its own (``sandbox_gateway``)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import uvicorn
from sqlalchemy import create_engine, text

from finestreta.accounts import service
from finestreta.accounts.models import OfficeHours
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.migrate import upgrade

PG_URL = os.environ.get("FINESTRETA_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct horse battery"


def need(condition: bool, reason: str) -> None:
    """Skip on a developer's laptop without the real part; under CI a missing part fails."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _backends() -> list[Any]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[str]:
    """A migrated schema of its own in the test PostgreSQL (its URL), dropped afterwards.
    Skips (fails under CI) when FINESTRETA_TEST_DATABASE_URL is not set."""
    need(bool(PG_URL), "FINESTRETA_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrated_sqlite(path: Path) -> Path:
    """A migrated SQLite file at ``path``, its WAL folded in (one file is the whole database,
    so that copying it copies the database)."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def copy_of(template: Path, tmp_path: Path) -> str:
    """A fresh database: a copy of a migrated SQLite file (see ``migrated_sqlite``)."""
    path = tmp_path / "test.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a schema of its own in PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade(url)
        yield url
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        public_url="http://testserver",  # TestClient's own address
        ring_timeout_seconds=20,
        heartbeat_seconds=5,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    with database.session() as session:
        session.add(OfficeHours(id=1, spec="mon-sun 00:00-24:00", timezone="Europe/Madrid"))
    yield database
    database.dispose()


@dataclass(frozen=True)
class Booth:
    id: int
    code: str
    secret: str


class MakeStaff(Protocol):
    """The ``make_staff`` fixture: adds a staff user (password ``PASSWORD``), returns their id."""

    def __call__(
        self,
        username: str,
        role: str = ...,
        languages: tuple[str, ...] = ...,
        topics: tuple[str, ...] = ...,
    ) -> int: ...


class MakeBooth(Protocol):
    """The ``make_booth`` fixture: adds a booth, returns it with its pairing secret."""

    def __call__(self, code: str, site: str = ...) -> Booth: ...


@pytest.fixture
def make_staff(db: Database) -> MakeStaff:
    def make(
        username: str,
        role: str = "clerk",
        languages: tuple[str, ...] = ("ca", "es", "en"),
        topics: tuple[str, ...] = ("general", "census", "taxes", "works", "complaints"),
    ) -> int:
        with db.session() as session:
            user = service.add_user(
                session, username, PASSWORD, role, username.title(), list(languages), list(topics)
            )
            return user.id

    return make


@pytest.fixture
def make_booth(db: Database) -> MakeBooth:
    def make(code: str, site: str = "Casa del Mig") -> Booth:
        with db.session() as session:
            made = service.add_kiosk(session, code, f"Booth {code}", site)
            return Booth(made.kiosk.id, made.kiosk.code, made.secret)

    return make


# ------------------------------------------------------------------ servers of their own


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def uvicorn_on(app: Any, sock: socket.socket) -> Iterator[str]:
    """Serve ``app`` on ``sock`` (bound, on loopback) with a real uvicorn; yields its origin."""
    host, port = sock.getsockname()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", log_config=None)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def sandbox_merchants() -> list[str]:
    """The origins the ``sandbox_gateway`` serves; a test adds its app's."""
    return []


@pytest.fixture
def sandbox_gateway(sandbox_merchants: list[str]) -> Iterator[str]:
    """The sandbox gateway on a free loopback port of its own; yields its origin
    (``http://127.0.0.1:PORT``). Point the app at it with ``payments_sandbox_url``."""
    sock = free_socket()
    host, port = sock.getsockname()
    from finestreta.web.sandbox_gateway import create_sandbox_app

    app = create_sandbox_app(origin=f"http://{host}:{port}", merchants=sandbox_merchants)
    with uvicorn_on(app, sock) as origin:
        yield origin
