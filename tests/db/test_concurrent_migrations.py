"""Several nodes starting at once on one PostgreSQL schema all migrate it without a race.

Each node runs ``finestreta.migrate.upgrade`` at start-up; without the advisory lock two of them
create the same tables at once and all but one fail (duplicate table or type)."""

from __future__ import annotations

import multiprocessing
import threading
import traceback
import uuid
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from finestreta.db import make_engine
from finestreta.migrate import alembic_config, is_current, procedure_migrations
from finestreta.models import Base
from tests.conftest import PG_URL, need

NODES = 4
pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_schema_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL schema (not migrated), dropped afterwards."""
    need(bool(PG_URL), "FINESTRETA_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    schema = f"race_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _node(url: str, barrier: Barrier, errors: Any) -> None:
    """One node's start-up: everything imported first, then all upgrade at the same instant."""
    from finestreta.migrate import upgrade

    barrier.wait(timeout=60)
    try:
        upgrade(url)
    except BaseException:
        errors.put(traceback.format_exc())
        raise


def test_nodes_upgrading_one_schema_at_once_all_succeed(empty_schema_url: str) -> None:
    # spawn, not fork: a forked child would inherit the test process's connections and threads
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(NODES)
    errors = spawn.Queue()
    nodes = [
        spawn.Process(target=_node, args=(empty_schema_url, barrier, errors)) for _ in range(NODES)
    ]
    for node in nodes:
        node.start()
    for node in nodes:
        node.join(timeout=120)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    for node in nodes:
        if node.is_alive():
            node.kill()
    assert failures == [], "\n".join(failures)
    assert [node.exitcode for node in nodes] == [0] * NODES

    engine = make_engine(empty_schema_url)
    try:
        heads = ScriptDirectory.from_config(
            alembic_config(empty_schema_url, procedure_migrations())
        ).get_heads()
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        # at head exactly once: one row per head, none twice
        assert sorted(row[0] for row in versions) == sorted(heads)
        assert is_current(engine)
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
    finally:
        engine.dispose()


def test_the_lock_is_per_schema(empty_schema_url: str) -> None:
    """An upgrade waits for another of its own schema, never for one of another schema (the
    tests' schemas share one database, and so do advisory locks)."""
    from finestreta.migrate import _MIGRATE_LOCK, upgrade

    other_schema = f"race_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{other_schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    other_url = f"{PG_URL}{sep}options=-csearch_path%3D{other_schema}"
    holder = make_engine(empty_schema_url)
    try:
        with holder.connect() as held:
            held.execute(_MIGRATE_LOCK)  # as a node in the middle of its upgrade of this schema
            other = threading.Thread(target=upgrade, args=(other_url,), daemon=True)
            other.start()
            other.join(timeout=60)
            assert not other.is_alive(), "another schema's upgrade waited for this schema's lock"
            mine = threading.Thread(target=upgrade, args=(empty_schema_url,), daemon=True)
            mine.start()
            mine.join(timeout=2)
            assert mine.is_alive(), "the upgrade did not wait for the lock of its schema"
            held.commit()  # the transaction ends: the lock is released
            mine.join(timeout=60)
            assert not mine.is_alive()
        assert is_current(holder)
        other_engine = make_engine(other_url)
        assert is_current(other_engine)
        other_engine.dispose()
    finally:
        holder.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other_schema}" CASCADE'))
        admin.dispose()
