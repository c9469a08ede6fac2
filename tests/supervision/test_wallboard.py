"""The wallboard's pure parts: the "now" snapshot, and today's figures folded event by event
equal to the KPI functions over the same events read back from the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher

from finestreta.accounts.directory import Directory, load_directory
from finestreta.attention import ClerkState, RoutingRules, Switchboard
from finestreta.attention.boards import LocalBoard
from finestreta.attention.events import CallStarted, Event, OfferMade, RequestQueued
from finestreta.attention.states import Party
from finestreta.attention.store import AttentionStore
from finestreta.clock import ManualClock
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.procedures.steps import StepLog
from finestreta.realtime.hub import Hub
from finestreta.supervision.event_log import read_log
from finestreta.supervision.kpis import Fold, Thresholds, attentions, figures, in_period
from finestreta.supervision.live import Wallboard
from finestreta.supervision.wallboard import day_json, logged, now_view
from tests.conftest import MakeBooth, MakeStaff

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in the city
T0 = START.timestamp()
E = TypeVar("E", bound=Event)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


def _one(events: list[Event], kind: type[E]) -> E:
    (event,) = [e for e in events if isinstance(e, kind)]
    return event


# ---------------------------------------------------------------------- now


def test_the_now_snapshot_counts_waiting_citizens_clerks_and_booths_without_citizens() -> None:
    board = Switchboard(RoutingRules(ring_timeout=20))
    for clerk in (1, 2, 3):
        board.register_clerk(clerk, frozenset({"ca", "es"}), frozenset({"general"}), idle_since=T0)
        board.console_connected(clerk, T0)
    board.set_clerk_state(1, ClerkState.AVAILABLE, T0)
    board.set_clerk_state(2, ClerkState.AWAY, T0)
    # booth 10 asks first and rings clerk 1, who answers; 11 and 12 wait (es, taxes: nobody)
    offer = _one(board.request(10, "ca", "general", T0 + 1), OfferMade)
    board.accept(1, offer.offer_id, T0 + 3)
    first = _one(board.request(11, "es", "taxes", T0 + 5), RequestQueued)
    board.request(12, "ca", "taxes", T0 + 8)
    kiosks = {
        10: {"name": "Booth A", "site": "Casa del Mig", "enabled": True},
        11: {"name": "Booth B", "site": "Sant Andreu", "enabled": True},
        12: {"name": "Booth C", "site": "Sant Andreu", "enabled": True},
        13: {"name": "Booth D", "site": "Sants", "enabled": True},
        14: {"name": "Booth E", "site": "Sants", "enabled": True},
        15: {"name": "Off", "site": "Sants", "enabled": False},
    }
    now = now_view(
        board,
        T0 + 60,
        kiosks,
        {1: "Anna Puig", 2: "Jordi Vila", 3: "Marta Soler"},
        {1: T0 + 3, 2: T0},
        pages={10, 11, 12, 13},
        problems={13: "media_empty"},
    )
    assert now.waiting == 2
    assert [(c.key, c.count) for c in now.by_topic] == [("taxes", 2)]
    assert [(c.key, c.count) for c in now.by_language] == [("ca", 1), ("es", 1)]
    assert now.longest_since == datetime.fromtimestamp(T0 + 5, UTC).isoformat()
    assert [(c.name, c.state) for c in now.clerks] == [
        ("Anna Puig", "in_call"),
        ("Jordi Vila", "away"),
        ("Marta Soler", "offline"),
    ]
    assert now.clerks[0].since == datetime.fromtimestamp(T0 + 3, UTC).isoformat()
    assert now.clerks[2].since is None  # not seen changing state by this process
    assert [(b.name, b.state, b.problem) for b in now.booths] == [
        ("Booth A", "in_call", None),
        ("Booth B", "waiting", None),
        ("Booth C", "waiting", None),
        ("Booth D", "idle", "media_empty"),
        ("Booth E", "offline", None),
    ]
    # no request, call or offer id, and so no way back to a citizen
    text = now.model_dump_json()
    for request in board.requests.values():
        assert request.id not in text
    assert first.request_id not in text and offer.offer_id not in text
    assert "request" not in json.loads(text)


def test_an_offline_booth_is_offline_only_and_a_connected_one_with_bad_devices_a_problem() -> None:
    """The booth counts and rows agree: a booth whose page is gone counts as offline and carries
    no device problem (its agent is gone too, most likely); a connected booth whose agent is
    not connected or whose printer is out does (docs/wallboard.md)."""
    board = Switchboard(RoutingRules(ring_timeout=20))
    kiosks = {k: {"name": f"Booth {k}", "site": "Sants", "enabled": True} for k in (20, 21, 22, 23)}
    now = now_view(
        board,
        T0,
        kiosks,
        {},
        {},
        pages={21, 22, 23},
        problems={20: "agent_offline", 21: "agent_offline", 22: "media_empty"},
    )
    assert [(b.id, b.state, b.problem) for b in now.booths] == [
        (20, "offline", None),
        (21, "idle", "agent_offline"),
        (22, "idle", "media_empty"),
        (23, "idle", None),
    ]


# ---------------------------------------------------------------------- today


def test_today_folded_event_by_event_equals_the_kpis_over_the_log_read_back(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna, jordi = make_staff("anna"), make_staff("jordi")
    k1 = make_booth("k1", site="Casa del Mig").id
    k2 = make_booth("k2", site="Sant Andreu").id
    store = AttentionStore(db)
    clock = ManualClock(T0)
    steps = StepLog(db, clock)
    board = Switchboard(RoutingRules(ring_timeout=20))
    store.load(board, T0)
    hub = Hub(
        settings, LocalBoard(board, store), store, Directory(lambda: load_directory(db)), clock
    )
    wallboard = Wallboard(hub, db)
    # yesterday, before the wallboard read today's log: not today's
    early = _one(board.request(k2, "ca", "general", T0 - 86400), RequestQueued)
    store.record([early])
    assert wallboard.today_attentions() == []  # reads today's (empty) log once

    def afresh() -> dict[str, Any]:
        """Today's JSON from the log read back, through ``kpis.breakdowns``."""
        start, end = wallboard.day_bounds(START.date())
        log = read_log(db, start, end)
        chosen = in_period(attentions(log.events, log.steps), start, end)
        return wallboard.figures_json(chosen, start, end, log.sites)

    def run(events: list[Event]) -> list[Event]:
        store.record(events)  # as the hub: recorded, then observed
        wallboard.observe(events)
        # the pushed JSON, kept up to date group by group, equals the whole day recomputed
        assert wallboard.today_json(fresh=True) == afresh()
        return events

    run(board.cancel(early.request_id, T0 + 1))
    for clerk, t in ((anna, T0), (jordi, T0 + 1)):
        run(board.console_connected(clerk, t))
        run(board.set_clerk_state(clerk, ClerkState.AVAILABLE, t))
    r1 = _one(run(board.request(k1, "ca", "general", T0 + 10)), RequestQueued).request_id
    offer = _one(run(board.tick(T0 + 30)), OfferMade)  # Anna let it ring out
    call1 = _one(run(board.accept(jordi, offer.offer_id, T0 + 33)), CallStarted).call_id
    offer = _one(run(board.request(k2, "es", "taxes", T0 + 40)), OfferMade)
    call2 = _one(run(board.accept(anna, offer.offer_id, T0 + 45)), CallStarted).call_id
    clock.set(T0 + 100)
    steps.record("census", "issued", call_id=call1, clerk_id=jordi, kind="volant")
    run(board.hang_up(call1, Party.CLERK, T0 + 133))
    run(board.wrap_up(jordi, call1, "procedure_completed", "a private note", T0 + 163))
    rated_at = START + timedelta(seconds=170)
    assert store.rate(r1, k1, 4, rated_at) == jordi
    wallboard.rated(r1, k1, 4, rated_at)
    assert wallboard.today_json(fresh=True) == afresh()
    r3 = _one(run(board.request(k1, "ca", "general", T0 + 200)), RequestQueued).request_id
    run(board.cancel(r3, T0 + 203))
    run(board.hang_up(call2, Party.KIOSK, T0 + 245))

    start, end = wallboard.day_bounds(START.date())
    log = read_log(db, start, end)
    expected = in_period(attentions(log.events, log.steps), start, end)
    folded = wallboard.today_attentions()
    limits = Thresholds(answer_within=settings.service_level_seconds)
    assert figures(folded, limits) == figures(expected, limits)
    got = figures(folded, limits)
    assert (got.offered, got.answered, got.abandoned) == (3, 2, 1)
    assert got.procedures == {"census": 1} and got.satisfaction.mean == 4.0
    assert got.rings.expired == 1
    tz = wallboard._zone()
    names = {anna: "Anna", jordi: "Jordi"}
    assert day_json(folded, start, end, log.sites, {}, names, limits, tz) == day_json(
        expected, start, end, log.sites, {}, names, limits, tz
    )
    # the JSON the wallboard pushes carries no note and no request id
    text = json.dumps(wallboard.today_json(fresh=True))
    assert "a private note" not in text and r1 not in text and r3 not in text


def test_logged_is_what_the_store_writes_and_read_log_returns(
    db: Database, make_booth: MakeBooth
) -> None:
    k1 = make_booth("k1").id
    store = AttentionStore(db)
    board = Switchboard(RoutingRules())
    events = board.request(k1, "ca", "general", T0 + 0.123456)
    store.record(events)
    log = read_log(db, START, START + timedelta(hours=1))
    assert log.events == [logged(e) for e in events]
    fold = Fold()
    for event in map(logged, events):
        fold.add(event)
    assert fold.attentions() == attentions(log.events)
