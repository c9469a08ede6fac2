"""Several nodes share one office through one database (``attention/shared.py``).

The single-node property machine (``test_switchboard_properties.py``) runs again, every command
now going through ``SharedBoard.execute`` on one of three nodes over one migrated database, so
that commands interleave across nodes, hints get lost, nodes restart from snapshots and the log,
and commands fail after running. The model's checks stand (they see the events of every node),
and after every step:

- the SQL projection holds at most one ringing offer per clerk and per request, one active call
  per clerk, one live request per booth, and exactly the offers, calls and requests of the
  history;
- every node's board is the state of the history at that node's version (a board folded from
  version 0), and what each node was given to deliver is the log after its start, each once;
- at the end every node, refreshed, holds the same state.

A separate test runs two nodes in two threads at once on PostgreSQL: the lock serialises them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from finestreta.accounts.models import Kiosk, Site, StaffUser
from finestreta.attention import AttentionError, ClerkState, Switchboard, replica, snapshot
from finestreta.attention.events import ClerkRegistered, Event, PresenceChanged, RequestQueued
from finestreta.attention.records import (
    AttentionEventRow,
    AttentionRequestRow,
    CallRow,
    OfferRow,
    SwitchboardHeadRow,
)
from finestreta.attention.shared import SharedBoard
from finestreta.attention.store import AttentionStore
from finestreta.db import Database
from tests.conftest import migrated_sqlite, postgres_schema
from tests.unit.test_switchboard_properties import (
    KIOSK_IDS,
    LANGUAGES,
    TOPICS,
    Command,
    SwitchboardMachine,
    _no_ids,
)

NODES = 3
ROUNDS = 15  # of the two threads: 2 requests and 2 cancels each
LIVE = ("waiting", "ringing", "in_call")
# Emptied before every example (the seed of booths and staff stays).
RESET = (
    "DELETE FROM call_memory",
    "DELETE FROM calls",
    "DELETE FROM offers",
    "DELETE FROM attention_requests",
    "DELETE FROM attention_events",
    "DELETE FROM clerk_presence",
    "DELETE FROM switchboard_snapshots",
    "UPDATE switchboard_head SET version = 0, last_at = 0, locked_by = NULL",
)


class Injected(Exception):
    """A failure after the pure command ran (a lost connection, say)."""


def seed(url: str) -> None:
    """Booths 1-5 and staff 1-5 for the foreign keys. The staff are admins: the lossy load of a
    first start registers clerks and supervisors only, and the model knows of none at first."""
    db = Database(url)
    with db.session() as session:
        session.add(Site(id=1, name="Casa del Mig"))
        session.flush()
        for i in range(1, 6):
            session.add(Kiosk(id=i, code=f"k{i}", name=f"Booth {i}", site_id=1, secret_hash="-"))
            session.add(
                StaffUser(
                    id=i, username=f"s{i}", display_name=f"S{i}", password_hash="-", role="admin"
                )
            )
    db.dispose()


def reset(url: str) -> None:
    db = Database(url)
    with db.session() as session:
        for statement in RESET:
            session.execute(text(statement))
    db.dispose()


def _normalised(data: dict[str, Any], machine: ClusterMachine) -> dict[str, Any]:
    board = snapshot.from_dict(data, machine.routing, new_id=_no_ids)
    return snapshot.normalised(board, machine.now)


class ClusterMachine(SwitchboardMachine):
    """The single-node machine, its commands run by three ``SharedBoard`` nodes."""

    URL = ""  # the database, set by a subclass per test (``_machine``)

    def __init__(self) -> None:
        self.url = self.URL
        self.nodes: list[SharedBoard] = []
        self.dbs: list[Database] = []
        super().__init__()
        self.node = 0  # where the next command runs
        self.last = 0  # the node that ran the last command: always current
        self.inboxes: list[list[tuple[int, int, list[dict[str, Any]]]]] = []
        self.delivered: list[list[Event]] = []
        self.base: list[int] = []  # each node's version after its start
        self.history: dict[int, list[Event]] = {}  # version -> the events logged
        self.states: dict[int, dict[str, Any]] = {}  # version -> the board's to_dict
        self.checked = -1  # the last version whose tables were checked

    # The base machine sets ``self.board`` to a fresh board in ``set_up``: here that starts the
    # cluster, and the board it reads is the one of the node that ran the last command.
    @property
    def board(self) -> Switchboard | None:
        return self.nodes[self.last].board if self.nodes else None

    @board.setter
    def board(self, value: Switchboard | None) -> None:
        if value is not None:
            self._start_cluster()

    def _start_cluster(self) -> None:
        reset(self.url)
        self.inboxes = [[] for _ in range(NODES)]
        self.delivered = [[] for _ in range(NODES)]
        self.dbs = [Database(self.url) for _ in range(NODES)]
        self.nodes = [self._node(k) for k in range(NODES)]
        for node in self.nodes:
            assert node.start(self.now) == []  # nothing ringing in an empty office
        self.base = [node.version for node in self.nodes]
        assert self.base == [0] * NODES
        self.states = {0: snapshot.to_dict(Switchboard(self.routing))}

    def _node(self, k: int) -> SharedBoard:
        return SharedBoard(
            self.dbs[k],
            f"node{k}",
            self.routing,
            new_id=lambda: f"id{next(self.ids)}",
            publish=lambda first, last, rows: self._publish(k, first, last, rows),
            clock=lambda: self.now,
        )

    def _publish(self, sender: int, first: int, last: int, rows: list[dict[str, Any]]) -> None:
        for k, inbox in enumerate(self.inboxes):
            if k != sender:
                inbox.append((first, last, rows))

    def teardown(self) -> None:
        try:
            if self.nodes:
                for k, node in enumerate(self.nodes):
                    self.delivered[k] += node.refresh()
                    self.delivered[k] += node.drain_folded()
                head = max(self.history, default=0)
                reference = _normalised(self.states[head], self)
                for node in self.nodes:
                    assert node.version == head
                    assert snapshot.normalised(node.board, self.now) == reference
                self.nodes_deliver_the_log()
                with self.dbs[0].session() as session:
                    logged = AttentionStore.events_since(session, 0)
                assert logged == [(v, e) for v in sorted(self.history) for e in self.history[v]]
        finally:
            for db in self.dbs:
                db.dispose()

    # ------------------------------------------------------------------ running commands

    @staticmethod
    def _state(board: Switchboard) -> str:
        return repr((board.clerks, board.requests, board.offers, board.calls, board.kiosks))

    def execute(
        self, command: Command, refusal: str | None = None, dispatches: bool = False
    ) -> list[Event] | None:
        node = self.nodes[self.node]
        seen: list[str] = []

        def run(board: Switchboard, now: float) -> list[Event]:
            seen.append(self._state(board))  # after catching up with the other nodes
            return command(board, now)

        try:
            events = node.execute(run, self.now)
        except AttentionError as error:
            self.delivered[self.node] += node.drain_folded()
            assert error.code == refusal, f"refused with {error.code!r}, expected {refusal!r}"
            assert self._state(node.board) == seen[0], "a refused command changed the board"
            return None
        self.delivered[self.node] += node.drain_folded() + events
        self.last = self.node
        assert refusal is None, f"expected a refusal {refusal!r}, got {events!r}"
        assert self.replica is not None
        replica.fold_all(self.replica, events)
        if events:
            assert node.version == max(self.history, default=0) + 1
            self.history[node.version] = events
            self.states[node.version] = snapshot.to_dict(self.replica)
        self.observe(events)
        self.check_routing_order(events)
        if dispatches:
            self.stale = False
        return events

    # ------------------------------------------------------------------ the cluster's own rules

    @precondition(lambda self: self.nodes)
    @rule(k=st.integers(0, NODES - 1))
    def switch_node(self, k: int) -> None:
        self.node = k

    @precondition(lambda self: self.nodes)
    @rule(k=st.integers(0, NODES - 1))
    def deliver_hints(self, k: int) -> None:
        for first, last, rows in self.inboxes[k]:
            self.delivered[k] += self.nodes[k].take_hint(first, last, rows)
        self.inboxes[k].clear()

    @precondition(lambda self: self.nodes)
    @rule(k=st.integers(0, NODES - 1))
    def lose_hint(self, k: int) -> None:
        """The bus dropped what was on its way to node k: it catches up by polling (or under
        the lock, or at the next hint, which does not follow on)."""
        if self.inboxes[k]:
            self.inboxes[k].pop(0)

    @precondition(lambda self: self.nodes)
    @rule(k=st.integers(0, NODES - 1))
    def poll(self, k: int) -> None:
        self.delivered[k] += self.nodes[k].refresh()

    @precondition(lambda self: self.nodes)
    @rule(k=st.integers(0, NODES - 1))
    def write_snapshot(self, k: int) -> None:
        self.nodes[k].write_snapshot()

    @precondition(lambda self: self.nodes)
    @rule(k=st.integers(0, NODES - 1))
    def restart_node(self, k: int) -> None:
        """Node k's process starts again: snapshot and log, nothing lossy."""
        self.dbs[k].dispose()
        self.dbs[k] = Database(self.url)
        self.nodes[k] = self._node(k)
        assert self.nodes[k].start(self.now) == []
        assert self.nodes[k].version == max(self.history, default=0)
        self.base[k] = self.nodes[k].version
        self.delivered[k], self.inboxes[k] = [], []

    @precondition(lambda self: self.nodes)
    @rule(
        kiosk_id=KIOSK_IDS,
        language=st.sampled_from(LANGUAGES),
        topic=st.sampled_from(TOPICS),
        tick=st.booleans(),
    )
    def fail_after_command(self, kiosk_id: int, language: str, topic: str, tick: bool) -> None:
        """The command ran on the replica, then something broke before the commit: nothing is
        durable, and the node's board is reloaded from the database."""
        node = self.nodes[self.node]

        def run(board: Switchboard, now: float) -> list[Event]:
            if tick:
                replica.tick(board, now)
            else:
                board.request(kiosk_id, language, topic, now)  # may be refused
            raise Injected

        before = self._log_size()
        with pytest.raises((Injected, AttentionError)):
            node.execute(run, self.now)
        self.delivered[self.node] += node.drain_folded()
        assert self._log_size() == before
        assert node.version == max(self.history, default=0)
        assert snapshot.normalised(node.board, self.now) == _normalised(
            self.states[node.version], self
        )

    def _log_size(self) -> tuple[int, int]:
        with self.dbs[0].session() as session:
            head = session.get(SwitchboardHeadRow, 1)
            assert head is not None
            count = session.scalar(select(func.count()).select_from(AttentionEventRow))
        return head.version, count or 0

    # ------------------------------------------------------------------ invariants

    @invariant()
    def sql_holds_one_of_each(self) -> None:
        # the tables change only by a commit, which logs a new version: check each version once
        head_version = max(self.history, default=0)
        if not self.nodes or self.checked == head_version:
            return
        self.checked = head_version
        assert self.replica is not None
        with self.dbs[0].session() as session:
            offers = session.execute(
                select(OfferRow.id, OfferRow.request_id, OfferRow.clerk_id).where(
                    OfferRow.state == "ringing"
                )
            ).all()
            calls = session.execute(
                select(CallRow.id, CallRow.clerk_id).where(CallRow.state == "active")
            ).all()
            requests = session.execute(
                select(AttentionRequestRow.id, AttentionRequestRow.kiosk_id).where(
                    AttentionRequestRow.state.in_(LIVE)
                )
            ).all()
            head = session.get(SwitchboardHeadRow, 1)
        assert len({o.clerk_id for o in offers}) == len(offers), "a clerk rung twice"
        assert len({o.request_id for o in offers}) == len(offers), "a request rung twice"
        assert len({c.clerk_id for c in calls}) == len(calls), "a clerk in two calls"
        assert len({r.kiosk_id for r in requests}) == len(requests), "two live requests"
        assert {o.id for o in offers} == set(self.replica.offers)
        active = {c.id for c in self.replica.calls.values() if c.state == "active"}
        assert {c.id for c in calls} == active
        assert {r.id for r in requests} == set(self.replica.requests)
        assert head is not None and head.version == head_version

    @invariant()
    def every_node_holds_the_history_at_its_version(self) -> None:
        for node in self.nodes:
            expected = _normalised(self.states[node.version], self)
            assert snapshot.normalised(node.board, self.now) == expected

    @invariant()
    def nodes_deliver_the_log(self) -> None:
        """What each node was given to deliver is the log from its start, each event once."""
        for k, node in enumerate(self.nodes):
            logged = [e for v in range(self.base[k] + 1, node.version + 1) for e in self.history[v]]
            assert self.delivered[k] == logged


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _machine(url: str) -> type[ClusterMachine]:
    return type("Cluster", (ClusterMachine,), {"URL": url})


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = migrated_sqlite(tmp_path_factory.mktemp("cluster") / "cluster.db")
    url = f"sqlite:///{path}"
    seed(url)
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_schema("cl") as url:
        seed(url)
        yield url


def test_three_nodes_on_sqlite(sqlite_url: str) -> None:
    run_state_machine_as_test(_machine(sqlite_url), settings=_settings(40))


@pytest.mark.postgres
def test_three_nodes_on_postgresql(pg_url: str) -> None:
    run_state_machine_as_test(_machine(pg_url), settings=_settings(15))


# ---------------------------------------------------------------------- two nodes at once


def _joins(clerk_id: int) -> Command:
    return lambda b, now: replica.console_joined(b, clerk_id, ("ca",), ("general",), now)


def _available(clerk_id: int) -> Command:
    return lambda b, now: b.set_clerk_state(clerk_id, ClerkState.AVAILABLE, now)


def _asks(kiosk_id: int) -> Command:
    return lambda b, now: b.request(kiosk_id, "ca", "general", now)


def _cancels(request_id: str) -> Command:
    return lambda b, now: b.cancel(request_id, now)


@pytest.mark.postgres
def test_two_nodes_at_once_are_serialised_by_the_lock(pg_url: str) -> None:
    """Two threads, two nodes, four clerks and four booths: every request rings a clerk at once,
    so a command decided on a stale board would ring a clerk twice (an integrity error here).
    The versions come one after the other, and both nodes end with the same board."""
    ids = itertools.count(1)
    lock = threading.Lock()

    def new_id() -> str:
        with lock:
            return f"id{next(ids)}"

    dbs = [Database(pg_url) for _ in range(2)]
    nodes = [SharedBoard(db, f"node{k}", new_id=new_id) for k, db in enumerate(dbs)]
    try:
        assert nodes[0].start(time.time()) == []
        assert nodes[1].start(time.time()) == []
        for clerk_id in range(1, 5):
            nodes[0].execute(_joins(clerk_id), time.time())
            nodes[0].execute(_available(clerk_id), time.time())
        errors: list[BaseException] = []
        folded = [0, 0]

        def work(k: int, kiosks: tuple[int, int]) -> None:
            node = nodes[k]

            def one(command: Callable[[Switchboard, float], list[Event]]) -> list[Event]:
                events = node.execute(command, time.time())
                folded[k] += len(node.drain_folded())
                return events

            try:
                for _ in range(ROUNDS):
                    asked = [one(_asks(kiosk)) for kiosk in kiosks]
                    for events in asked:
                        queued = events[0]
                        assert isinstance(queued, RequestQueued)
                        one(_cancels(queued.request_id))
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=(0, (1, 2))),
            threading.Thread(target=work, args=(1, (3, 4))),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert folded[0] > 0 and folded[1] > 0, "the two nodes never interleaved"

        with dbs[0].session() as session:
            versions = session.scalars(
                select(AttentionEventRow.board_version)
                .where(AttentionEventRow.board_version.is_not(None))
                .distinct()
                .order_by(AttentionEventRow.board_version)
            ).all()
            head = session.get(SwitchboardHeadRow, 1)
            rung = session.scalar(select(func.count()).select_from(OfferRow))
        assert head is not None
        # 8 set-up commands, then 2 threads x ROUNDS rounds x (2 requests + 2 cancels)
        assert head.version == 8 + 2 * ROUNDS * 4
        assert versions == list(range(1, head.version + 1))
        assert rung == 2 * ROUNDS * 2  # every request rang a clerk (4 clerks for 4 booths)
        for node in nodes:
            node.refresh()
            node.drain_folded()
        now = time.time()
        assert snapshot.normalised(nodes[0].board, now) == snapshot.normalised(nodes[1].board, now)
        assert nodes[0].board.requests == {} and nodes[0].board.offers == {}
    finally:
        for db in dbs:
            db.dispose()


@pytest.mark.postgres
def test_a_node_waits_two_seconds_at_most_for_the_lock(pg_url: str) -> None:
    """While another transaction holds the office's lock, a command gives up after the
    ``lock_timeout`` with nothing changed (its board is not even reloaded), and runs once the
    lock is free."""
    holder, db = Database(pg_url), Database(pg_url)
    node = SharedBoard(db, "node0")
    try:
        node.start(time.time())
        board = node.board
        with holder.session() as session:
            session.execute(text("UPDATE switchboard_head SET locked_by = 'other' WHERE id = 1"))
            started = time.monotonic()
            with pytest.raises(OperationalError):
                node.execute(_joins(1), time.time())
            waited = time.monotonic() - started
        assert 1.5 < waited < 10
        assert node.board is board and board.clerks == {} and node.version == 0
        assert [type(e) for e in node.execute(_joins(1), time.time())] == [
            ClerkRegistered,
            PresenceChanged,
        ]
        assert node.version == 1
    finally:
        holder.dispose()
        db.dispose()


@pytest.mark.postgres
def test_nodes_starting_together_on_a_fresh_cluster_share_the_first_snapshot(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by tests/cluster/test_concurrency.py: two nodes both saw no snapshot, took the lock
    one after the other, and the second failed its start writing snapshot 0 again. Here the
    second looked before the first wrote (its first look is made to find nothing)."""
    dbs = [Database(pg_url) for _ in range(2)]
    first, second = (SharedBoard(db, f"node{k}") for k, db in enumerate(dbs))
    try:
        assert first.start(time.time()) == []
        looks = iter([False])
        real = SharedBoard._from_snapshot
        monkeypatch.setattr(
            SharedBoard, "_from_snapshot", lambda self: next(looks, None) or real(self)
        )
        assert second.start(time.time()) == []
        assert second.version == first.version == 0
        with dbs[0].session() as session:
            count = session.execute(text("SELECT count(*) FROM switchboard_snapshots")).scalar()
        assert count == 1
    finally:
        for db in dbs:
            db.dispose()
