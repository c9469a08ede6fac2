"""The switchboard's state survives a restart: written by the store, read back by ``load``."""

from __future__ import annotations

from collections import Counter
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finestreta.attention import CallState, ClerkState, RequestState, RoutingRules, Switchboard
from finestreta.attention.events import (
    CallStarted,
    Event,
    OfferEnded,
    OfferMade,
    RequestQueued,
)
from finestreta.attention.records import (
    AttentionEventRow,
    AttentionRequestRow,
    CallRow,
    ClerkPresenceRow,
    OfferRow,
)
from finestreta.attention.states import Party
from finestreta.attention.store import AttentionStore
from finestreta.db import Database
from tests.conftest import MakeBooth, MakeStaff

T0 = 1_800_000_000.0  # any epoch time; the store keeps it as an aware UTC datetime


E = TypeVar("E", bound=Event)
R = TypeVar("R")


def _one(events: list[Event], kind: type[E]) -> E:
    (event,) = [e for e in events if isinstance(e, kind)]
    return event


def _row(session: Session, model: type[R], key: str) -> R:
    row = session.get(model, key)
    assert row is not None, f"no {model.__name__} {key}"
    return row


def _event_counts(db: Database) -> Counter[str]:
    with db.session() as session:
        rows = session.execute(
            select(AttentionEventRow.kind, func.count()).group_by(AttentionEventRow.kind)
        ).all()
    return Counter({kind: count for kind, count in rows})


def test_state_comes_back_after_a_restart(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna = make_staff("anna")
    jordi = make_staff("jordi")
    booths = [make_booth(f"k{i}").id for i in range(1, 5)]
    store = AttentionStore(db)
    board = Switchboard(RoutingRules(ring_timeout=20))
    store.load(board, T0)  # an empty database: nothing to restore
    written: list[Event] = []

    def run(events: list[Event]) -> list[Event]:
        store.record(events)
        written.extend(events)
        return events

    # Four citizens ask while nobody is there.
    requests = [
        _one(run(board.request(kiosk, "ca", "general", T0 + i)), RequestQueued).request_id
        for i, kiosk in enumerate(booths)
    ]
    # Anna comes: she is rung for the first request and accepts it.
    run(board.console_connected(anna, T0 + 10))
    events = run(board.set_clerk_state(anna, ClerkState.AVAILABLE, T0 + 10))
    offer = _one(events, OfferMade)
    assert offer.request_id == requests[0]
    call = _one(run(board.accept(anna, offer.offer_id, T0 + 12)), CallStarted)
    # Jordi comes: he is rung for the second request, and then the server stops.
    run(board.console_connected(jordi, T0 + 20))
    ringing = _one(run(board.set_clerk_state(jordi, ClerkState.AVAILABLE, T0 + 20)), OfferMade)
    assert ringing.request_id == requests[1]
    # Every event became a row of the log.
    assert _event_counts(db) == Counter(e.kind for e in written)

    # ---- a new process on the same database
    store2 = AttentionStore(db)
    board2 = Switchboard(RoutingRules(ring_timeout=20))
    expired = store2.load(board2, T0 + 100)
    store2.record(expired)

    # The waiting requests are back, in their order; the ringing one is waiting again.
    assert [r.id for r in board2.queue()] == requests[1:]
    assert all(r.state == RequestState.WAITING for r in board2.queue())
    assert board2.requests[requests[1]].offer_id is None
    assert board2.offers == {}
    # Its offer died with the old process and is written down as expired.
    assert all(isinstance(e, OfferEnded) for e in expired)
    assert [(e.offer_id, e.reason) for e in expired if isinstance(e, OfferEnded)] == [
        (ringing.offer_id, "expired")
    ]
    with db.session() as session:
        assert _row(session, OfferRow, ringing.offer_id).state == "expired"
        assert _row(session, OfferRow, offer.offer_id).state == "accepted"
        assert _row(session, AttentionRequestRow, requests[1]).state == "waiting"
        assert _row(session, AttentionRequestRow, requests[0]).state == "in_call"
        assert _row(session, CallRow, call.call_id).state == "active"
        presence = {p.clerk_id: p.state for p in session.scalars(select(ClerkPresenceRow))}
    assert presence == {anna: "in_call", jordi: "ringing"}  # as last written

    # The call goes on, its clerk in it; Jordi is available (and not connected yet).
    restored_call = board2.calls[call.call_id]
    assert (restored_call.state, restored_call.clerk_id, restored_call.kiosk_id) == (
        CallState.ACTIVE,
        anna,
        booths[0],
    )
    assert board2.clerks[anna].state == ClerkState.IN_CALL
    assert board2.clerks[anna].call_id == call.call_id
    assert board2.requests[requests[0]].state == RequestState.IN_CALL
    assert board2.requests[requests[0]].call_id == call.call_id
    assert board2.clerks[jordi].state == ClerkState.AVAILABLE
    assert board2.clerks[jordi].offer_id is None
    assert not board2.clerks[jordi].connected

    # New requests number after the old ones, and are written without clashing.
    new = _one(board2.request(make_booth("k5").id, "es", "census", T0 + 101), RequestQueued)
    store2.record([new])
    assert new.seq == 5
    assert [r.id for r in board2.queue()][-1] == new.request_id

    # Every transition left exactly one row in the event log.
    counts = _event_counts(db)
    assert counts == Counter(e.kind for e in [*written, *expired, new])
    assert counts == {
        "request_queued": 5,
        "offer_made": 2,
        "offer_ended": 1,
        "call_started": 1,
        # Anna: available, ringing, in call; Jordi: available, ringing.
        "clerk_state_changed": 5,
    }

    # The restored call can be finished as usual.
    store2.record(board2.console_connected(anna, T0 + 102))
    ended = board2.hang_up(call.call_id, Party.CLERK, T0 + 110)
    store2.record(ended)
    with db.session() as session:
        row = session.get(AttentionRequestRow, requests[0])
        assert row is not None and row.state == "served"


def test_a_second_restart_changes_nothing(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    clerk = make_staff("anna")
    kiosk = make_booth("k1").id
    store = AttentionStore(db)
    board = Switchboard()
    store.load(board, T0)
    store.record(board.request(kiosk, "ca", "general", T0))
    store.record(board.console_connected(clerk, T0 + 1))
    store.record(board.set_clerk_state(clerk, ClerkState.AVAILABLE, T0 + 1))  # rings

    first = Switchboard()
    store.record(store.load(first, T0 + 50))
    before = _event_counts(db)
    second = Switchboard()
    assert store.load(second, T0 + 60) == []  # the offer already expired in the first restart
    assert _event_counts(db) == before
    assert [r.id for r in second.queue()] == [r.id for r in first.queue()]
    assert second.clerks[clerk].state == first.clerks[clerk].state == ClerkState.AVAILABLE
