"""The cluster-wide party registry and the node roster, on PostgreSQL (as a cluster runs them)
and on SQLite (the migration's fallback without sequences)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from finestreta.db import Database
from finestreta.migrate import upgrade
from finestreta.realtime.registry import NodeRoster, PartyRegistry, PartySocket
from tests.conftest import postgres_schema

pytestmark = pytest.mark.cluster


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'r.db'}"
        upgrade(url)
        database = Database(url)
        yield database
        database.dispose()
        return
    with postgres_schema("reg") as url:
        database = Database(url)
        yield database
        database.dispose()


def test_newer_join_wins_and_the_older_leave_is_refused(db: Database) -> None:
    registry = PartyRegistry(db)
    first = registry.join("kiosk", 7, "A", "c1")
    second = registry.join("kiosk", 7, "B", "c2")
    assert second > first
    assert registry.holder("kiosk", 7) == PartySocket("kiosk", 7, "B", "c2", second)
    # the replaced socket's leave changes nothing: the party did not leave
    assert registry.leave("kiosk", 7, "c1") is False
    assert registry.holds_any("kiosk", 7)
    assert registry.leave("kiosk", 7, "c2") is True
    assert not registry.holds_any("kiosk", 7)
    assert registry.holder("kiosk", 7) is None
    # a console and a booth with the same id are different parties
    registry.join("console", 7, "A", "c3")
    assert not registry.holds_any("kiosk", 7)
    with pytest.raises(ValueError):
        registry.join("wallboard", 1, "A", "c4")


def test_drop_node_returns_its_parties_only(db: Database) -> None:
    registry = PartyRegistry(db)
    registry.join("kiosk", 1, "A", "k1")
    registry.join("console", 2, "A", "c2")
    registry.join("agent", 1, "B", "a1")
    registry.join("kiosk", 3, "A", "k3")
    registry.join("kiosk", 3, "B", "k3b")  # reconnected on B before A was found dead
    assert [s.conn_id for s in registry.of_node("A")] == ["c2", "k1"]
    assert registry.drop_node("A") == [("console", 2), ("kiosk", 1)]
    assert registry.of_node("A") == []
    assert [(s.party, s.party_id) for s in registry.of_node("B")] == [("agent", 1), ("kiosk", 3)]
    assert registry.drop_node("A") == []


def test_roster_expires_silent_nodes(db: Database) -> None:
    roster = NodeRoster(db)
    roster.heartbeat("A", "10.0.0.1:8000")
    roster.heartbeat("B", "10.0.0.2:8000", "draining")
    assert roster.states() == {"A": "serving", "B": "draining"}
    assert roster.expired(5.0) == []
    time.sleep(0.4)
    roster.heartbeat("B", "10.0.0.2:8000", "draining")
    assert roster.expired(0.3) == ["A"]
    roster.mark_gone("A")
    assert roster.expired(0.0) == ["B"]  # gone nodes are not expired twice
    assert roster.states() == {"A": "gone", "B": "draining"}
    with pytest.raises(ValueError):
        roster.heartbeat("C", "x", "sleeping")


@pytest.mark.postgres
def test_concurrent_joins_leave_exactly_the_highest_seq() -> None:
    """Two reloads of one booth landing on two nodes at once, many times: the row always
    ends with the highest seq drawn, so the lower socket is the one closed."""
    with postgres_schema("reg") as url:
        db = Database(url)
        registry = PartyRegistry(db)
        try:
            for party_id in range(20):
                seqs: dict[str, int] = {}
                barrier = threading.Barrier(2)

                def join(
                    node: str,
                    party_id: int = party_id,
                    seqs: dict[str, int] = seqs,
                    barrier: threading.Barrier = barrier,
                ) -> None:
                    barrier.wait()
                    seqs[node] = registry.join("kiosk", party_id, node, f"{node}{party_id}")

                threads = [threading.Thread(target=join, args=(n,)) for n in ("A", "B")]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                holder = registry.holder("kiosk", party_id)
                assert holder is not None
                assert holder.seq == max(seqs.values())
                assert holder.node_id == max(seqs, key=lambda n: seqs[n])
            with db.session() as session:
                assert session.execute(text("SELECT last_value FROM party_socket_seq")).scalar()
        finally:
            db.dispose()
