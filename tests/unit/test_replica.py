"""The replica by hand: each event's fold, the rejoin ticket, ``next_due``, snapshots, and events
read back from the real ``attention_events`` table (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from finestreta.attention import ClerkState, RoutingRules, Switchboard, replica, snapshot
from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    ClerkRegistered,
    Event,
    OfferEnded,
    OfferMade,
    PresenceChanged,
    RequestQueued,
    from_row,
)
from finestreta.attention.records import AttentionEventRow, ClerkPresenceRow
from finestreta.attention.states import Party
from finestreta.attention.store import AttentionStore
from finestreta.db import Database, from_epoch
from tests.conftest import MakeBooth, MakeStaff

E = TypeVar("E", bound=Event)
RULES = RoutingRules(ring_timeout=20, missed_rings_before_away=2, kiosk_grace=30, console_grace=30)


def _no_ids() -> str:
    raise AssertionError("a replica made up an id instead of folding it")


class Pair:
    """A board running the commands and a replica folding only what they returned; after each
    command both hold the same state (``normalised`` only leaves out passes that ran out)."""

    def __init__(self, rules: RoutingRules = RULES) -> None:
        ids = itertools.count(1)
        self.board = Switchboard(rules, new_id=lambda: f"id{next(ids)}")
        self.replica = Switchboard(rules, new_id=_no_ids)
        self.log: list[Event] = []
        self.now = 0.0

    def run(self, command: Any, *args: Any) -> list[Event]:
        """``command(board, *args)``; its time is the float among ``args`` (ids are not)."""
        self.now = max(self.now, *(a for a in args if isinstance(a, float)))
        events: list[Event] = command(self.board, *args)
        replica.fold_all(self.replica, events)
        self.log += events
        assert snapshot.normalised(self.replica, self.now) == snapshot.normalised(
            self.board, self.now
        )
        return events

    def clerk(self, clerk_id: int, now: float, topics: tuple[str, ...] = ("general",)) -> None:
        self.run(replica.console_joined, clerk_id, ("ca",), topics, now)
        self.run(Switchboard.set_clerk_state, clerk_id, ClerkState.AVAILABLE, now)

    def ask(self, kiosk_id: int, now: float, priority: int = 0) -> list[Event]:
        self.run(replica.kiosk_joined, kiosk_id, now)
        return self.run(Switchboard.request, kiosk_id, "ca", "general", now, priority)

    def offer(self) -> str:
        (offer_id,) = self.board.offers
        return offer_id


def one(events: list[Event], kind: type[E]) -> E:
    (event,) = [e for e in events if isinstance(e, kind)]
    return event


# ---------------------------------------------------------------------- each event's fold


def test_registration_and_presence_fold_as_the_commands_did() -> None:
    pair = Pair()
    events = pair.run(replica.console_joined, 1, ["es", "ca", "ca"], ["general"], 5.0)
    assert events[:2] == [
        ClerkRegistered(5.0, 1, ("ca", "es"), ("general",), 5.0),
        PresenceChanged(5.0, "console", 1, True),
    ]
    assert pair.replica.clerks[1].idle_since == 5.0 and pair.replica.clerks[1].connected
    # new skills, same clerk: the idle time is kept
    pair.run(replica.register_clerk, 1, ["ca"], ["census"], 9.0, 9.0)
    assert pair.replica.clerks[1].topics == {"census"} and pair.replica.clerks[1].idle_since == 5.0
    assert pair.run(replica.console_gone, 1, 12.0) == [PresenceChanged(12.0, "console", 1, False)]
    assert pair.replica.clerks[1].disconnected_since == 12.0
    pair.run(replica.kiosk_joined, 7, 13.0)
    pair.run(replica.kiosk_gone, 7, 14.0)
    assert pair.replica.kiosks[7].disconnected_since == 14.0


def test_an_unknown_clerk_gone_is_refused_and_says_nothing() -> None:
    board = Switchboard(RULES)
    with pytest.raises(Exception, match="No clerk 3"):
        replica.console_gone(board, 3, 1.0)


def test_a_ring_declined_then_missed_until_away() -> None:
    pair = Pair()
    pair.clerk(1, 0.0)
    pair.ask(1, 1.0)
    assert pair.replica.clerks[1].offer_id == pair.offer()  # ringing
    pair.run(Switchboard.decline, 1, pair.offer(), 2.0)
    assert pair.replica.requests["id1"].passed_by == {1: 22.0}
    pair.run(Switchboard.tick, 22.0)  # the pass runs out: rung again
    # two rings missed in a row: away (missed_rings counted from the events' reasons)
    pair.run(Switchboard.tick, 42.0)
    assert pair.replica.clerks[1].missed_rings == 1
    pair.run(Switchboard.tick, 62.0)
    pair.run(Switchboard.tick, 82.0)
    assert pair.replica.clerks[1].state == ClerkState.AWAY
    assert pair.replica.clerks[1].missed_rings == 2
    # choosing available again starts the count again
    pair.run(Switchboard.set_clerk_state, 1, ClerkState.AVAILABLE, 90.0)
    assert pair.replica.clerks[1].missed_rings == 0


def test_a_whole_call_and_its_wrap_up() -> None:
    pair = Pair()
    pair.clerk(1, 0.0)
    pair.ask(1, 1.0)
    started = one(pair.run(Switchboard.accept, 1, pair.offer(), 3.0), CallStarted)
    assert pair.replica.offers == {}  # accepted: no OfferEnded, the CallStarted ends it
    assert pair.replica.calls[started.call_id].started_at == 3.0
    ended = one(pair.run(Switchboard.hang_up, started.call_id, Party.KIOSK, 60.0), CallEnded)
    assert ended.rejoin_until is None and pair.replica.rejoin == {}
    assert pair.replica.requests == {} and pair.replica.calls[started.call_id].ended_at == 60.0
    pair.run(Switchboard.wrap_up, 1, started.call_id, "resolved", "a note", 70.0)
    assert pair.replica.calls == {} and pair.replica.clerks[1].idle_since == 70.0


def test_a_cancel_withdraws_the_ring_and_an_abandon_follows_the_grace() -> None:
    pair = Pair()
    pair.clerk(1, 0.0)
    pair.ask(1, 1.0)
    pair.run(Switchboard.cancel, "id1", 2.0)
    assert pair.replica.requests == {} and pair.replica.clerks[1].state == ClerkState.AVAILABLE
    pair.run(Switchboard.set_clerk_state, 1, ClerkState.AWAY, 3.0)
    pair.ask(2, 4.0)
    pair.run(replica.kiosk_gone, 2, 5.0)
    events = pair.run(replica.tick, 35.0)
    assert [e.kind for e in events] == ["presence_changed", "request_abandoned"]
    assert pair.replica.kiosks[2].disconnected_since is None  # handled once, as the board


def test_a_clerk_who_chose_available_while_gone_stays_so_on_the_replica() -> None:
    """§3.2 of the cluster design thought re-handling a grace period harmless: it is not."""
    pair = Pair()
    pair.clerk(1, 0.0)
    pair.run(replica.console_gone, 1, 1.0)
    assert [e.kind for e in pair.run(replica.tick, 31.0)][:2] == [
        "presence_changed",
        "clerk_state_changed",
    ]
    pair.run(Switchboard.set_clerk_state, 1, ClerkState.AVAILABLE, 32.0)
    # the replica, ticking on its own, decides as the board: nothing to do
    assert pair.replica.tick(40.0) == [] == pair.board.tick(40.0)


def test_fold_refuses_what_does_not_follow() -> None:
    board = Switchboard(RULES)
    with pytest.raises(KeyError):
        replica.fold(board, OfferEnded(1.0, "o1", "r1", 1, "declined"))
    with pytest.raises(ValueError, match="cannot fold"):
        replica.fold(board, PresenceChanged(1.0, "printer", 1, True))


# ---------------------------------------------------------------------- the rejoin ticket


def test_the_rejoin_ticket_travels_with_the_call_ended() -> None:
    pair = Pair(RoutingRules(rejoin_window=60))
    pair.clerk(1, 0.0)
    pair.ask(1, 1.0, priority=1)
    started = one(pair.run(Switchboard.accept, 1, pair.offer(), 2.0), CallStarted)
    pair.ask(2, 3.0)
    ended = one(pair.run(Switchboard.clerk_left, 1, 10.0), CallEnded)
    assert (ended.call_id, ended.rejoin_priority, ended.rejoin_until) == (started.call_id, 2, 70.0)
    assert pair.replica.may_rejoin(1, 69.0) and not pair.replica.may_rejoin(1, 71.0)
    queued = one(pair.ask(1, 20.0), RequestQueued)
    assert queued.priority == 2 and pair.replica.rejoin == {}
    assert pair.replica.queue()[0].kiosk_id == 1  # ahead of kiosk 2, who came earlier


# ---------------------------------------------------------------------- next_due


def test_next_due_is_the_earliest_pending_moment() -> None:
    pair = Pair()
    assert pair.board.next_due() is None
    pair.clerk(1, 0.0)
    pair.clerk(2, 0.5, topics=("census",))
    assert pair.board.next_due() is None
    pair.ask(1, 1.0)
    assert pair.board.next_due() == 21.0  # the ring's deadline
    pair.run(Switchboard.decline, 1, pair.offer(), 2.0)
    assert pair.board.next_due() == 22.0  # the pass of clerk 1 for that request
    pair.run(replica.console_gone, 2, 3.0)
    pair.run(replica.kiosk_gone, 1, 4.0)
    assert pair.board.next_due() == 22.0
    pair.run(Switchboard.tick, 22.0)  # rung again: a new deadline at 42, graces at 33 and 34
    assert pair.board.next_due() == 33.0
    assert pair.run(replica.tick, 32.9) == []
    pair.run(replica.tick, 33.0)
    assert pair.board.next_due() == 34.0
    pair.run(replica.tick, 34.0)  # the booth gone for good: its request abandoned
    assert pair.board.requests == {} and pair.board.next_due() is None


# ---------------------------------------------------------------------- snapshots


def test_a_snapshot_survives_json_and_refuses_another_format() -> None:
    pair = Pair()
    pair.clerk(1, 0.0)
    pair.ask(1, 1.0)
    pair.run(Switchboard.decline, 1, pair.offer(), 2.0)
    pair.ask(2, 3.0, priority=2)
    data = json.loads(json.dumps(snapshot.to_dict(pair.board)))
    restored = snapshot.from_dict(data, RULES)
    assert snapshot.to_dict(restored) == snapshot.to_dict(pair.board)
    assert restored.requests == pair.board.requests and restored.clerks == pair.board.clerks
    assert restored.next_seq == 3
    with pytest.raises(ValueError, match="format"):
        snapshot.from_dict({**data, "format": 99}, RULES)


def test_normalised_leaves_out_only_the_passes_that_ran_out() -> None:
    pair = Pair()
    pair.clerk(1, 0.0)
    pair.ask(1, 1.0)
    pair.run(Switchboard.decline, 1, pair.offer(), 2.0)
    (request,) = snapshot.normalised(pair.board, 10.0)["requests"]
    assert request["passed_by"] == [[1, 22.0]]
    (request,) = snapshot.normalised(pair.board, 22.0)["requests"]
    assert request["passed_by"] == []


# ---------------------------------------------------------------------- read back from rows


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


def test_events_read_back_from_the_store_rebuild_the_board(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    clerk_id, kiosk_id = make_staff("anna"), make_booth("B1").id
    t0 = 1_780_000_000.123456789  # more digits than the ``at`` column keeps
    pair = Pair()
    pair.run(replica.console_joined, clerk_id, ("ca",), ("general",), t0)
    pair.run(Switchboard.set_clerk_state, clerk_id, ClerkState.AVAILABLE, t0 + 0.1)
    pair.ask(kiosk_id, t0 + 1.3)
    offer_id = one(pair.log, OfferMade).offer_id
    call = one(pair.run(Switchboard.accept, clerk_id, offer_id, t0 + 2.7), CallStarted)
    pair.run(Switchboard.clerk_left, clerk_id, t0 + 9.9)
    pair.run(Switchboard.wrap_up, clerk_id, call.call_id, "resolved", "sent by post", t0 + 11.1)
    pair.run(replica.kiosk_gone, kiosk_id, t0 + 12.5)
    pair.run(replica.tick, t0 + 60.0)
    store = AttentionStore(db)
    store.record(pair.log)
    assert store.rate(call.request_id, kiosk_id, 5, from_epoch(t0 + 70)) == clerk_id

    with db.session() as session:
        rows = list(session.scalars(select(AttentionEventRow).order_by(AttentionEventRow.id)))
        presence = session.get(ClerkPresenceRow, clerk_id)
        assert presence is not None and presence.state == "available"  # projected as before
        read = [
            from_row(row.kind, row.data, row.at.timestamp(), row.note)
            for row in rows
            if row.kind != "request_rated"
        ]
        rated = rows[-1]
        joined = next(r for r in rows if r.kind == "presence_changed")
    assert read == pair.log  # exactly: the floats, the note, the ticket
    assert (joined.clerk_id, joined.kiosk_id) == (clerk_id, None)
    with pytest.raises(ValueError, match="not a switchboard event"):
        from_row(rated.kind, rated.data, rated.at.timestamp())
    rebuilt = replica.fold_all(Switchboard(RULES, new_id=_no_ids), read)
    assert snapshot.to_dict(rebuilt) == snapshot.to_dict(pair.board)


def test_a_row_without_its_exact_time_falls_back_to_the_column() -> None:
    data: dict[str, Any] = {"request_id": "r1", "kiosk_id": 3, "extra": "ignored"}
    event = from_row("request_cancelled", data, 1_780_000_000.5)
    assert event.at == 1_780_000_000.5 and event.kind == "request_cancelled"
    with pytest.raises(ValueError, match="missing a field"):
        from_row("request_cancelled", {"request_id": "r1"}, 1.0)
    with pytest.raises(ValueError, match="without its time"):
        from_row("request_cancelled", data)
