"""Periodic work runs once per database: ``only_one`` on PostgreSQL's session advisory locks,
and the app's upkeep rounds through it (two app instances on one schema, one round)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from finestreta import app as app_module
from finestreta.config import Settings
from finestreta.context import AppContext, build_context
from finestreta.db import Database
from finestreta.migrate import upgrade
from finestreta.singleton import only_one
from tests.conftest import PG_URL, postgres_schema


@pytest.fixture
def schema_url() -> Iterator[str]:
    with postgres_schema("one") as url:
        yield url


def _db(url: str) -> Iterator[Database]:
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture
def first(schema_url: str) -> Iterator[Database]:
    yield from _db(schema_url)


@pytest.fixture
def second(schema_url: str) -> Iterator[Database]:
    """A second process on the same schema: its own engine, so its own connections."""
    yield from _db(schema_url)


def _eventually_mine(db: Database, job: str, within_s: float = 10.0) -> bool:
    """The server ends a dead client's session (and its locks) a moment after it goes."""
    deadline = time.monotonic() + within_s
    while True:
        with only_one(db, job) as mine:
            if mine or time.monotonic() > deadline:
                return mine
        time.sleep(0.05)


@pytest.mark.postgres
def test_the_second_holder_waits_for_the_first(first: Database, second: Database) -> None:
    with only_one(first, "payments") as a:
        assert a is True
        with only_one(second, "payments") as b:
            assert b is False
        with only_one(second, "housekeeping") as other_job:
            assert other_job is True  # jobs are independent
        with only_one(second, "payments") as b_again:  # a refusal leaves nothing behind
            assert b_again is False
    with only_one(second, "payments") as b:
        assert b is True
        with only_one(first, "payments") as a:
            assert a is False


@pytest.mark.postgres
def test_released_when_the_round_raises(first: Database, second: Database) -> None:
    with pytest.raises(RuntimeError), only_one(first, "payments") as mine:
        assert mine
        raise RuntimeError("the round failed")
    with only_one(second, "payments") as b:
        assert b is True


@pytest.mark.postgres
def test_two_schemas_never_block_each_other(first: Database) -> None:
    with postgres_schema("other") as other_url:
        other = Database(other_url)
        try:
            with only_one(first, "payments") as a, only_one(other, "payments") as b:
                assert (a, b) == (True, True)
        finally:
            other.dispose()


@pytest.mark.postgres
def test_a_dead_connection_releases_the_lock(schema_url: str, second: Database) -> None:
    """A process dying mid-round: its connection closes without unlocking."""
    engine = create_engine(schema_url)
    connection = engine.connect()
    got = connection.execute(
        text("SELECT pg_try_advisory_lock(hashtext('finestreta:payments:' || current_schema()))")
    ).scalar()
    connection.commit()
    assert got is True  # the same key as only_one's: the module is not alone in the schema
    with only_one(second, "payments") as b:
        assert b is False
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.close()  # no unlock: the socket just goes
    connection.invalidate()
    engine.dispose()
    assert _eventually_mine(second, "payments")


@pytest.mark.postgres
def test_a_connection_killed_mid_round_is_not_an_error(schema_url: str, second: Database) -> None:
    """The holder's backend is terminated during the round: leaving the block neither raises
    nor returns that connection to the pool; the next holder gets the lock."""
    holder = Database(schema_url)
    admin = create_engine(PG_URL)
    try:
        with only_one(holder, "payments") as mine:
            assert mine
            with admin.begin() as conn:
                killed = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l"
                        " WHERE l.locktype = 'advisory' AND l.granted"
                        " AND l.objid = (hashtext('finestreta:payments:' || :schema)::bigint"
                        "                & 4294967295)::oid"
                    ),
                    {"schema": schema_url.rsplit("%3D", 1)[1]},
                ).scalar()
            assert killed == 1
        assert _eventually_mine(second, "payments")
        with only_one(holder, "payments") as again:  # a fresh connection, not the dead one
            assert again is True
    finally:
        holder.dispose()
        admin.dispose()


def test_sqlite_is_always_granted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    upgrade(url)
    a, b = Database(url), Database(url)
    try:
        with only_one(a, "payments") as x, only_one(b, "payments") as y:
            assert (x, y) == (True, True)
    finally:
        a.dispose()
        b.dispose()


Round = Callable[[AppContext], None]


def _context(url: str) -> AppContext:
    settings = Settings(_env_file=None, database_url=url, public_url="http://testserver")
    ctx = build_context(settings)
    app_module.create_app(settings, ctx)
    return ctx


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("job", "round_", "step"),
    [
        ("housekeeping", app_module._housekeeping, "documents"),
        ("calls", app_module._calls_sweep, "jobs"),
        ("payments", app_module._payments_upkeep, "payments"),
        ("procedures", app_module._procedures_upkeep, "signatures"),
    ],
)
def test_two_app_instances_run_a_round_once(
    schema_url: str, monkeypatch: pytest.MonkeyPatch, job: str, round_: Round, step: str
) -> None:
    """Node A's round is under way (inside its first step) when node B's round comes: B skips
    it. Once A's round is over, B's next round runs."""
    a, b = _context(schema_url), _context(schema_url)
    ran: list[str] = []
    b_during_a: list[bool] = []

    def spy(name: str, inner: Callable[..., object]) -> Callable[..., object]:
        def step_(*args: object) -> object:
            ran.append(name)
            if name == "A":
                b_during_a.append(app_module._once(b, job, round_))
            return inner(*args)

        return step_

    for name, ctx in (("A", a), ("B", b)):
        target = {
            "documents": ctx.devices,
            "jobs": ctx.devices,
            "payments": ctx.payments,
            "signatures": ctx.signatures,
        }
        method = {
            "documents": "purge_expired",
            "jobs": "sweep_ended_calls",
            "payments": "expire_due",
            "signatures": "deliver_pending",
        }
        owner = target[step]
        monkeypatch.setattr(owner, method[step], spy(name, getattr(owner, method[step])))
    try:
        assert app_module._once(a, job, round_) is True
        assert b_during_a == [False]
        assert ran == ["A"]  # B's round did not run while A's did
        assert app_module._once(b, job, round_) is True
        assert ran == ["A", "B"]
    finally:
        a.db.dispose()
        b.db.dispose()


@pytest.mark.postgres
def test_a_failed_unlock_does_not_keep_the_lock_in_the_pool(
    first: Database, second: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If unlocking fails on a live connection, that connection is closed (its session ends,
    the lock with it), not handed back to the pool still holding the lock."""
    monkeypatch.setattr("finestreta.singleton._UNLOCK", text("SELECT 1 / 0 WHERE :job <> ''"))
    with only_one(first, "payments") as mine:
        assert mine
    assert _eventually_mine(second, "payments", within_s=3.0)
