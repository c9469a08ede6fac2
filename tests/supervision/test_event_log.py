"""The adapter reads what the real switchboard wrote (through the real store and step log) and
the KPIs over it equal a count made by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from argon2 import PasswordHasher

from finestreta.attention import ClerkState, RoutingRules, Switchboard
from finestreta.attention.events import CallStarted, Event, OfferMade, RequestQueued
from finestreta.attention.states import Party
from finestreta.attention.store import AttentionStore
from finestreta.clock import ManualClock
from finestreta.db import Database
from finestreta.procedures.steps import StepLog
from finestreta.supervision.event_log import read_log
from finestreta.supervision.kpis import Rings, Spread, summarise
from tests.conftest import MakeBooth, MakeStaff

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T0 = START.timestamp()
E = TypeVar("E", bound=Event)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 still, with cheap parameters (staff and booths are hashed when added)."""
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


def _one(events: list[Event], kind: type[E]) -> E:
    (event,) = [e for e in events if isinstance(e, kind)]
    return event


def test_the_adapter_reads_the_switchboards_rows_and_the_kpis_match_a_hand_count(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna, jordi = make_staff("anna"), make_staff("jordi")
    k1 = make_booth("k1", site="Casa del Mig").id
    k2 = make_booth("k2", site="Sant Andreu").id
    store = AttentionStore(db)
    clock = ManualClock(T0)
    steps = StepLog(db, clock)
    board = Switchboard(RoutingRules(ring_timeout=20))
    store.load(board, T0)

    def run(events: list[Event]) -> list[Event]:
        store.record(events)
        return events

    # Before the period: a request queued and cancelled (not counted).
    early = _one(run(board.request(k2, "ca", "general", T0 - 60)), RequestQueued).request_id
    run(board.cancel(early, T0 - 50))
    for clerk, t in ((anna, T0), (jordi, T0 + 1)):
        run(board.console_connected(clerk, t))
        run(board.set_clerk_state(clerk, ClerkState.AVAILABLE, t))
    # r1 at +10 rings Anna (longest idle), who lets it ring out at +30; it rings Jordi, who
    # answers at +33: wait 23 s (not within 20), one ring-no-answer.
    r1 = _one(run(board.request(k1, "ca", "general", T0 + 10)), RequestQueued).request_id
    events = run(board.tick(T0 + 30))
    offer = _one(events, OfferMade)
    assert offer.clerk_id == jordi
    call1 = _one(run(board.accept(jordi, offer.offer_id, T0 + 33)), CallStarted).call_id
    # r2 at +40 rings Anna, who answers at +45: wait 5 s.
    events = run(board.request(k2, "ca", "taxes", T0 + 40))
    offer = _one(events, OfferMade)
    call2 = _one(run(board.accept(anna, offer.offer_id, T0 + 45)), CallStarted).call_id
    clock.set(T0 + 100)
    steps.record("census", "issued", call_id=call1, clerk_id=jordi, kind="volant")
    # Jordi: talk 100 s, wrap-up 30 s, then goes away; the citizen rates 4.
    run(board.hang_up(call1, Party.CLERK, T0 + 133))
    run(board.wrap_up(jordi, call1, "procedure_completed", "private note", T0 + 163))
    run(board.set_clerk_state(jordi, ClerkState.AWAY, T0 + 164))
    assert store.rate(r1, k1, 4, START + timedelta(seconds=170)) == jordi
    # r3 at +200 finds nobody free; its citizen cancels after 3 s (a short abandon).
    r3 = _one(run(board.request(k1, "ca", "general", T0 + 200)), RequestQueued).request_id
    run(board.cancel(r3, T0 + 203))
    # Anna hangs up at +245 (talk 200 s) and has not wrapped up when the log is read.
    run(board.hang_up(call2, Party.KIOSK, T0 + 245))
    # After the period: r4 at +400 (not counted).
    run(board.request(k1, "ca", "general", T0 + 400))

    log = read_log(db, START, START + timedelta(seconds=300), chunk=2)
    summary = summarise(log.events, log.steps, log.sites, START, START + timedelta(seconds=300))
    got = summary.total
    assert (got.offered, got.answered, got.abandoned, got.waiting) == (3, 2, 1, 0)
    assert (got.cancelled, got.abandoned_short) == (1, 1)
    # answered within 20 s: r2 only; no abandon after 20 s → 1 / (2 + 0)
    assert got.service_level == pytest.approx(0.5)
    assert got.speed_of_answer == Spread(2, 14.0, 5.0, 23.0)  # waits 23 and 5
    assert got.talk == Spread(2, 150.0, 100.0, 200.0)
    assert got.wrap_up == Spread(1, 30.0, 30.0, 30.0)
    assert got.handle == Spread(1, 130.0, 130.0, 130.0)
    assert got.unwrapped == 1
    assert got.rings == Rings(offers=3, accepted=2, expired=1)
    assert (got.satisfaction.served, got.satisfaction.rated) == (2, 1)
    assert got.satisfaction.mean == 4.0 and got.satisfaction.response_rate == 0.5
    assert got.outcomes == {"procedure_completed": 1}
    assert got.procedures == {"census": 1}
    assert got.procedure_outcomes == {"census": {"issued:ok": 1}}
    assert {k: f.offered for k, f in summary.by.site.items()} == {
        "Casa del Mig": 2,
        "Sant Andreu": 1,
    }
    assert {k: f.offered for k, f in summary.by.topic.items()} == {"general": 2, "taxes": 1}
    assert {k: f.answered for k, f in summary.by.clerk.items()} == {anna: 1, jordi: 1}
    assert summary.by.rings_by_clerk == {
        anna: Rings(offers=2, accepted=1, expired=1),
        jordi: Rings(offers=1, accepted=1),
    }
    assert {k: f.offered for k, f in summary.by.hour.items()} == {9: 3}
    # the wrap-up's free-text note never leaves the adapter
    assert all("note" not in e.data for e in log.events)
    assert r1 != r3
