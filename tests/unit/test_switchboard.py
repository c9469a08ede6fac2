"""Direct tests of the attention domain: the switchboard, waiting places and opening hours."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TypeVar

import pytest

from finestreta.attention import (
    AttentionError,
    CallState,
    ClerkState,
    RequestState,
    RoutingRules,
    Switchboard,
)
from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    CallWrappedUp,
    ClerkStateChanged,
    Event,
    OfferEnded,
    OfferMade,
    RequestAbandoned,
    RequestCancelled,
    RequestQueued,
)
from finestreta.attention.opening_hours import OpeningHours, Span, parse_hours
from finestreta.attention.states import Party
from finestreta.attention.switchboard import Request
from finestreta.attention.waiting import Unserved, places

# ---------------------------------------------------------------------------------- helpers

E = TypeVar("E", bound=Event)


def make_board(**rules: float) -> Switchboard:
    """A switchboard with readable, deterministic ids (id1, id2, …)."""
    counter = itertools.count(1)
    return Switchboard(RoutingRules(**rules), new_id=lambda: f"id{next(counter)}")  # type: ignore[arg-type]


def add_clerk(
    board: Switchboard,
    clerk_id: int,
    now: float = 0.0,
    languages: Iterable[str] = ("ca",),
    topics: Iterable[str] = ("general",),
) -> list[Event]:
    """Register a clerk, connect their console and make them available at ``now``."""
    board.register_clerk(clerk_id, languages, topics)
    events = board.console_connected(clerk_id, now)
    return events + board.set_clerk_state(clerk_id, ClerkState.AVAILABLE, now)


def ask(
    board: Switchboard,
    kiosk_id: int,
    now: float = 0.0,
    language: str = "ca",
    topic: str = "general",
    priority: int = 0,
) -> tuple[str, list[Event]]:
    """A citizen at ``kiosk_id`` asks for attention; returns the request id and the events."""
    events = board.request(kiosk_id, language, topic, now, priority=priority)
    queued = of(events, RequestQueued)
    assert len(queued) == 1
    return queued[0].request_id, events


def of(events: list[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def only_offer(events: list[Event]) -> OfferMade:
    offers = of(events, OfferMade)
    assert len(offers) == 1, offers
    return offers[0]


def offer_of(board: Switchboard, clerk_id: int) -> str:
    offer_id = board.clerks[clerk_id].offer_id
    assert offer_id is not None, f"clerk {clerk_id} is not ringing"
    return offer_id


def state_of(board: Switchboard) -> str:
    """Everything a refused command must leave alone."""
    return repr((board.clerks, board.requests, board.offers, board.calls, board.kiosks, board._seq))


def in_call(board: Switchboard, clerk_id: int, kiosk_id: int, now: float = 0.0) -> str:
    """Bring ``clerk_id`` and a new request from ``kiosk_id`` into a call; return the call id."""
    ask(board, kiosk_id, now)
    events = board.accept(clerk_id, offer_of(board, clerk_id), now)
    return of(events, CallStarted)[0].call_id


# ---------------------------------------------------------------------------------- queue order


def test_requests_of_one_priority_queue_in_arrival_order() -> None:
    board = make_board()
    ids = [ask(board, kiosk, now=float(kiosk))[0] for kiosk in (1, 2, 3)]
    assert [r.id for r in board.queue()] == ids


def test_higher_priority_requests_queue_first() -> None:
    board = make_board()
    low, _ = ask(board, 1, priority=0)
    high, _ = ask(board, 2, priority=2)
    middle, _ = ask(board, 3, priority=1)
    low_later, _ = ask(board, 4, priority=0)
    assert [r.id for r in board.queue()] == [high, middle, low, low_later]


def test_a_freed_clerk_is_offered_the_oldest_request_of_the_highest_priority() -> None:
    board = make_board()
    ask(board, 1, now=1, priority=0)
    oldest_urgent, _ = ask(board, 2, now=2, priority=1)
    ask(board, 3, now=3, priority=1)
    events = add_clerk(board, 1, now=5)
    assert only_offer(events).request_id == oldest_urgent


def test_requests_are_offered_in_arrival_order_as_the_clerk_frees_up() -> None:
    board = make_board()
    add_clerk(board, 1)
    first, events = ask(board, 1, now=1)
    second, _ = ask(board, 2, now=2)
    assert only_offer(events).request_id == first
    call_id = of(board.accept(1, offer_of(board, 1), 3), CallStarted)[0].call_id
    board.hang_up(call_id, Party.CLERK, 4)
    events = board.wrap_up(1, call_id, "resolved", "", 5)
    assert only_offer(events).request_id == second


# ---------------------------------------------------------------------------------- clerk choice


def test_the_longest_idle_clerk_is_rung() -> None:
    board = make_board()
    add_clerk(board, 1, now=5)
    add_clerk(board, 2, now=1)
    add_clerk(board, 3, now=3)
    _, events = ask(board, 1, now=10)
    assert only_offer(events).clerk_id == 2


def test_equally_idle_clerks_are_rung_in_id_order() -> None:
    board = make_board()
    add_clerk(board, 2, now=0)
    add_clerk(board, 1, now=0)
    _, events = ask(board, 1, now=1)
    assert only_offer(events).clerk_id == 1


def test_a_clerk_back_from_a_call_waits_behind_clerks_idle_longer() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    call_id = in_call(board, 1, kiosk_id=1, now=2)
    board.hang_up(call_id, Party.KIOSK, 3)
    board.wrap_up(1, call_id, "resolved", "", 4)
    _, events = ask(board, 2, now=5)
    assert only_offer(events).clerk_id == 2


def test_a_clerk_who_declined_keeps_their_place_among_idle_clerks() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    add_clerk(board, 3, now=2)
    ask(board, 1, now=3)
    board.decline(1, offer_of(board, 1), 4)  # the request goes on to clerk 2
    _, events = ask(board, 2, now=5)
    assert only_offer(events).clerk_id == 1  # idle since 0, not since the decline


def test_one_dispatch_rings_as_many_free_clerks_as_there_are_requests() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    add_clerk(board, 3, now=2)
    board.restore_request(_stored_request("first", 7, 1))
    board.restore_request(_stored_request("second", 8, 2))
    events = board.dispatch(3)
    assert [(o.request_id, o.clerk_id) for o in of(events, OfferMade)] == [
        ("first", 1),
        ("second", 2),
    ]


# ---------------------------------------------------------------------------------- skills


@pytest.mark.parametrize(
    ("language", "topic"), [("es", "general"), ("ca", "taxes"), ("es", "taxes")]
)
def test_a_request_no_available_clerk_can_serve_waits(language: str, topic: str) -> None:
    board = make_board()
    add_clerk(board, 1, languages=("ca", "en"), topics=("general", "census"))
    request_id, events = ask(board, 1, language=language, topic=topic)
    assert of(events, OfferMade) == []
    assert board.requests[request_id].state == RequestState.WAITING


def test_a_later_request_that_can_be_served_is_offered_past_one_that_cannot() -> None:
    board = make_board()
    add_clerk(board, 1, languages=("ca",), topics=("general",))
    unservable, _ = ask(board, 1, now=1, language="es")
    servable, events = ask(board, 2, now=2, language="ca")
    offer = only_offer(events)
    assert (offer.request_id, offer.clerk_id) == (servable, 1)
    assert board.requests[unservable].state == RequestState.WAITING


def test_the_clerk_must_match_both_language_and_topic() -> None:
    board = make_board()
    add_clerk(board, 1, now=0, languages=("ca",), topics=("taxes",))
    add_clerk(board, 2, now=1, languages=("es",), topics=("general",))
    add_clerk(board, 3, now=2, languages=("es", "ca"), topics=("taxes", "works"))
    _, events = ask(board, 1, now=3, language="es", topic="taxes")
    assert only_offer(events).clerk_id == 3


# ---------------------------------------------------------------------------------- one to one


def test_one_clerk_rings_for_one_request_at_a_time() -> None:
    board = make_board()
    add_clerk(board, 1)
    first, first_events = ask(board, 1, now=1)
    second, second_events = ask(board, 2, now=2)
    assert only_offer(first_events).request_id == first
    assert of(second_events, OfferMade) == []
    assert board.requests[second].state == RequestState.WAITING


def test_one_request_rings_one_clerk_at_a_time() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    _, events = ask(board, 1, now=2)
    assert only_offer(events).clerk_id == 1
    assert board.clerks[2].state == ClerkState.AVAILABLE
    assert len(board.offers) == 1


# ---------------------------------------------------------------------------------- accept


def test_accepting_starts_the_call() -> None:
    board = make_board()
    add_clerk(board, 1)
    request_id, _ = ask(board, 7)
    offer_id = offer_of(board, 1)
    events = board.accept(1, offer_id, 5)
    started = of(events, CallStarted)[0]
    assert (started.request_id, started.offer_id, started.kiosk_id) == (request_id, offer_id, 7)
    assert board.clerks[1].state == ClerkState.IN_CALL
    assert board.requests[request_id].state == RequestState.IN_CALL
    assert board.calls[started.call_id].state == CallState.ACTIVE
    assert board.offers == {}


def test_accepting_after_the_deadline_is_refused_and_changes_nothing() -> None:
    board = make_board(ring_timeout=20)
    add_clerk(board, 1)
    ask(board, 1, now=0)
    offer_id = offer_of(board, 1)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.accept(1, offer_id, 20.5)
    assert refused.value.code == "offer_expired"
    assert state_of(board) == before


def test_accepting_right_at_the_deadline_is_still_allowed() -> None:
    board = make_board(ring_timeout=20)
    add_clerk(board, 1)
    ask(board, 1, now=0)
    events = board.accept(1, offer_of(board, 1), 20.0)
    assert len(of(events, CallStarted)) == 1


def test_accepting_someone_elses_offer_is_refused() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    ask(board, 1, now=2)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.accept(2, offer_of(board, 1), 3)
    assert refused.value.code == "no_offer"
    assert state_of(board) == before


# ---------------------------------------------------------------------------------- decline


def test_declining_rings_the_next_matching_clerk() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1, topics=("taxes",))
    add_clerk(board, 3, now=2)
    request_id, _ = ask(board, 1, now=3)
    events = board.decline(1, offer_of(board, 1), 4)
    ended = of(events, OfferEnded)
    assert [(e.request_id, e.clerk_id, e.reason) for e in ended] == [(request_id, 1, "declined")]
    offer = only_offer(events)
    assert (offer.request_id, offer.clerk_id) == (request_id, 3)
    assert board.clerks[1].state == ClerkState.AVAILABLE


def test_a_declined_request_goes_back_to_the_head_of_the_queue() -> None:
    board = make_board()
    add_clerk(board, 1)
    first, _ = ask(board, 1, now=1)
    second, _ = ask(board, 2, now=2)
    events = board.decline(1, offer_of(board, 1), 3)
    # clerk 1 may take the next request meanwhile, but the declined one keeps its place
    assert only_offer(events).request_id == second
    assert [r.id for r in board.queue()] == [first, second]
    events = add_clerk(board, 2, now=4)
    assert only_offer(events).request_id == first


def test_the_decliner_is_rung_again_for_that_request_only_after_one_ring_timeout() -> None:
    board = make_board(ring_timeout=20)
    add_clerk(board, 1)
    request_id, _ = ask(board, 1, now=0)
    events = board.decline(1, offer_of(board, 1), 1)
    assert of(events, OfferMade) == []
    assert of(board.tick(20.9), OfferMade) == []
    offer = only_offer(board.tick(21))
    assert (offer.request_id, offer.clerk_id) == (request_id, 1)
    assert board.requests[request_id].passed_by == {}  # the pass ran out and was forgotten


def test_a_decline_clears_the_missed_rings() -> None:
    board = make_board(ring_timeout=10, missed_rings_before_away=3)
    add_clerk(board, 1)
    ask(board, 1, now=0)
    board.tick(10)  # missed
    board.tick(20)  # rung again
    board.decline(1, offer_of(board, 1), 21)
    assert board.clerks[1].missed_rings == 0


# ---------------------------------------------------------------------------------- timeouts


def test_an_unanswered_offer_expires_at_its_deadline() -> None:
    board = make_board(ring_timeout=20)
    add_clerk(board, 1)
    request_id, _ = ask(board, 1, now=0)
    offer_id = offer_of(board, 1)
    assert board.tick(19.9) == []
    events = board.tick(20)
    ended = of(events, OfferEnded)
    assert [(e.offer_id, e.reason) for e in ended] == [(offer_id, "expired")]
    assert board.clerks[1].state == ClerkState.AVAILABLE
    assert board.clerks[1].missed_rings == 1
    assert board.requests[request_id].state == RequestState.WAITING
    assert board.offers == {}


def test_an_expired_request_is_offered_to_the_next_clerk() -> None:
    board = make_board(ring_timeout=20)
    add_clerk(board, 1, now=0)
    request_id, _ = ask(board, 1, now=1)
    events = add_clerk(board, 2, now=2)  # nothing else to offer: clerk 2 stays idle
    assert of(events, OfferMade) == []
    offer = only_offer(board.tick(21))
    assert (offer.request_id, offer.clerk_id) == (request_id, 2)


def test_a_clerk_who_misses_rings_in_a_row_is_set_away() -> None:
    board = make_board(ring_timeout=10, missed_rings_before_away=3)
    add_clerk(board, 1)
    ask(board, 1, now=0)
    now = 0.0
    for missed in (1, 2):
        now += 10
        board.tick(now)  # the ring expires
        assert (board.clerks[1].state, board.clerks[1].missed_rings) == (
            ClerkState.AVAILABLE,
            missed,
        )
        now += 10
        board.tick(now)  # past the ring timeout: rung again
        assert board.clerks[1].state == ClerkState.RINGING
    events = board.tick(now + 10)
    changes = of(events, ClerkStateChanged)
    assert [(c.state, c.reason) for c in changes] == [("away", "missed_rings")]
    assert board.clerks[1].state == ClerkState.AWAY


def test_an_accept_resets_the_missed_rings() -> None:
    board = make_board(ring_timeout=10, missed_rings_before_away=2)
    add_clerk(board, 1)
    ask(board, 1, now=0)
    board.tick(10)  # missed once
    board.tick(20)  # rung again
    call_id = of(board.accept(1, offer_of(board, 1), 21), CallStarted)[0].call_id
    assert board.clerks[1].missed_rings == 0
    board.hang_up(call_id, Party.CLERK, 22)
    board.wrap_up(1, call_id, "resolved", "", 23)
    ask(board, 2, now=24)
    board.tick(34)  # one more miss is not two in a row
    assert board.clerks[1].state == ClerkState.AVAILABLE


# ---------------------------------------------------------------------------------- cancel


def test_cancelling_a_waiting_request() -> None:
    board = make_board()
    request_id, _ = ask(board, 1)
    events = board.cancel(request_id, 5)
    assert [(e.request_id, e.kiosk_id) for e in of(events, RequestCancelled)] == [(request_id, 1)]
    assert request_id not in board.requests
    assert board.queue() == []


def test_cancelling_a_ringing_request_withdraws_the_offer_and_frees_the_clerk() -> None:
    board = make_board()
    add_clerk(board, 1)
    request_id, _ = ask(board, 1)
    offer_id = offer_of(board, 1)
    events = board.cancel(request_id, 5)
    assert [(e.offer_id, e.reason) for e in of(events, OfferEnded)] == [(offer_id, "withdrawn")]
    assert board.clerks[1].state == ClerkState.AVAILABLE
    assert board.clerks[1].offer_id is None
    assert board.offers == {}


def test_a_clerk_freed_by_a_cancel_is_offered_the_next_request() -> None:
    board = make_board()
    add_clerk(board, 1)
    first, _ = ask(board, 1, now=1)
    second, _ = ask(board, 2, now=2)
    events = board.cancel(first, 3)
    offer = only_offer(events)
    assert (offer.request_id, offer.clerk_id) == (second, 1)


def test_cancelling_a_request_in_a_call_is_refused_and_changes_nothing() -> None:
    board = make_board()
    add_clerk(board, 1)
    in_call(board, 1, kiosk_id=1)
    live = board.live_request_of(1)
    assert live is not None
    request_id = live.id
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.cancel(request_id, 5)
    assert refused.value.code == "in_call"
    assert state_of(board) == before


def test_cancelling_an_unknown_request_is_refused() -> None:
    board = make_board()
    with pytest.raises(AttentionError) as refused:
        board.cancel("nope", 0)
    assert refused.value.code == "no_request"


# ---------------------------------------------------------------------------------- calls


@pytest.mark.parametrize("by", [Party.KIOSK, Party.CLERK])
def test_either_party_can_hang_up(by: Party) -> None:
    board = make_board()
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    request_id = board.calls[call_id].request_id
    events = board.hang_up(call_id, by, 10)
    assert [(e.call_id, e.ended_by) for e in of(events, CallEnded)] == [(call_id, by.value)]
    assert board.clerks[1].state == ClerkState.WRAP_UP
    assert board.calls[call_id].state == CallState.ENDED
    assert request_id not in board.requests


def test_hanging_up_twice_is_refused() -> None:
    board = make_board()
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    board.hang_up(call_id, Party.KIOSK, 10)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.hang_up(call_id, Party.CLERK, 11)
    assert refused.value.code == "call_ended"
    assert state_of(board) == before


def test_a_kiosk_may_ask_again_once_its_call_is_over() -> None:
    board = make_board()
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    board.hang_up(call_id, Party.KIOSK, 10)
    request_id, _ = ask(board, 1, now=11)
    assert board.requests[request_id].state == RequestState.WAITING


def test_wrapping_up_someone_elses_call_is_refused() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    call_id = in_call(board, 1, kiosk_id=1)
    board.hang_up(call_id, Party.KIOSK, 10)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.wrap_up(2, call_id, "resolved", "", 11)
    assert refused.value.code == "not_your_call"
    assert state_of(board) == before


def test_wrapping_up_before_hanging_up_is_refused() -> None:
    board = make_board()
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.wrap_up(1, call_id, "resolved", "", 11)
    assert refused.value.code == "call_active"
    assert state_of(board) == before


def test_wrapping_up_makes_the_clerk_available_and_dispatches() -> None:
    board = make_board()
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1, now=1)
    waiting, _ = ask(board, 2, now=2)
    board.hang_up(call_id, Party.KIOSK, 3)
    events = board.wrap_up(1, call_id, "referred", "sent to the census desk", 4)
    wrapped = of(events, CallWrappedUp)
    assert [(w.call_id, w.outcome, w.note) for w in wrapped] == [
        (call_id, "referred", "sent to the census desk")
    ]
    assert call_id not in board.calls
    offer = only_offer(events)
    assert (offer.request_id, offer.clerk_id) == (waiting, 1)


def test_wrapping_up_while_disconnected_goes_offline() -> None:
    board = make_board()
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    board.hang_up(call_id, Party.KIOSK, 1)
    board.console_disconnected(1, 2)
    board.wrap_up(1, call_id, "resolved", "", 3)
    assert board.clerks[1].state == ClerkState.OFFLINE


# ---------------------------------------------------------------------------------- clerk state


def _clerk_in(situation: str) -> Switchboard:
    board = make_board()
    add_clerk(board, 1)
    ask(board, 1)
    if situation in ("in_call", "wrap_up"):
        call_id = of(board.accept(1, offer_of(board, 1), 1), CallStarted)[0].call_id
        if situation == "wrap_up":
            board.hang_up(call_id, Party.KIOSK, 2)
    assert board.clerks[1].state == situation
    return board


@pytest.mark.parametrize("situation", ["ringing", "in_call", "wrap_up"])
@pytest.mark.parametrize("chosen", [ClerkState.AVAILABLE, ClerkState.AWAY, ClerkState.OFFLINE])
def test_a_busy_clerk_cannot_choose_a_state(situation: str, chosen: ClerkState) -> None:
    board = _clerk_in(situation)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.set_clerk_state(1, chosen, 5)
    assert refused.value.code == "busy"
    assert state_of(board) == before


@pytest.mark.parametrize("chosen", [ClerkState.RINGING, ClerkState.IN_CALL, ClerkState.WRAP_UP])
def test_a_clerk_cannot_choose_a_routing_state(chosen: ClerkState) -> None:
    board = make_board()
    add_clerk(board, 1)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.set_clerk_state(1, chosen, 5)
    assert refused.value.code == "bad_state"
    assert state_of(board) == before


def test_choosing_the_current_state_does_nothing() -> None:
    board = make_board()
    add_clerk(board, 1)
    assert board.set_clerk_state(1, ClerkState.AVAILABLE, 5) == []


def test_commands_for_an_unknown_clerk_are_refused() -> None:
    board = make_board()
    with pytest.raises(AttentionError) as refused:
        board.set_clerk_state(99, ClerkState.AVAILABLE, 0)
    assert refused.value.code == "unknown_clerk"


def test_an_away_clerk_is_not_rung_until_available_again() -> None:
    board = make_board()
    add_clerk(board, 1)
    board.set_clerk_state(1, ClerkState.AWAY, 1)
    request_id, events = ask(board, 1, now=2)
    assert of(events, OfferMade) == []
    offer = only_offer(board.set_clerk_state(1, ClerkState.AVAILABLE, 3))
    assert offer.request_id == request_id


# ---------------------------------------------------------------------------------- kiosk grace


def test_a_gone_kiosk_keeps_its_place_during_the_grace_period() -> None:
    board = make_board(kiosk_grace=30)
    first, _ = ask(board, 1, now=0)
    second, _ = ask(board, 2, now=1)
    board.kiosk_disconnected(1, 10)
    assert board.tick(39.9) == []
    assert [r.id for r in board.queue()] == [first, second]


def test_a_gone_kiosk_request_is_abandoned_after_the_grace_period() -> None:
    board = make_board(kiosk_grace=30)
    first, _ = ask(board, 1, now=0)
    second, _ = ask(board, 2, now=1)
    board.kiosk_disconnected(1, 10)
    events = board.tick(40)
    abandoned = of(events, RequestAbandoned)
    assert [(a.request_id, a.kiosk_id) for a in abandoned] == [(first, 1)]
    assert [r.id for r in board.queue()] == [second]


def test_a_kiosk_back_within_the_grace_period_keeps_its_place() -> None:
    board = make_board(kiosk_grace=30)
    first, _ = ask(board, 1, now=0)
    second, _ = ask(board, 2, now=1)
    board.kiosk_disconnected(1, 10)
    board.kiosk_connected(1, 20)
    assert board.tick(100) == []
    assert [r.id for r in board.queue()] == [first, second]


def test_a_kiosk_gone_while_ringing_withdraws_the_offer() -> None:
    board = make_board(kiosk_grace=30, ring_timeout=60)
    add_clerk(board, 1)
    request_id, _ = ask(board, 1, now=0)
    offer_id = offer_of(board, 1)
    board.kiosk_disconnected(1, 1)
    events = board.tick(31)
    assert [(e.offer_id, e.reason) for e in of(events, OfferEnded)] == [(offer_id, "withdrawn")]
    assert [a.request_id for a in of(events, RequestAbandoned)] == [request_id]
    assert board.clerks[1].state == ClerkState.AVAILABLE


def test_a_kiosk_gone_during_a_call_has_the_call_ended_by_the_system() -> None:
    board = make_board(kiosk_grace=30)
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    board.kiosk_disconnected(1, 5)
    assert board.tick(34.9) == []
    events = board.tick(35)
    assert [(e.call_id, e.ended_by) for e in of(events, CallEnded)] == [(call_id, "system")]
    assert board.clerks[1].state == ClerkState.WRAP_UP


# ---------------------------------------------------------------------------------- console grace


def test_a_ringing_clerk_gone_past_the_grace_period_loses_the_offer() -> None:
    board = make_board(console_grace=5, ring_timeout=20)
    add_clerk(board, 1)
    request_id, _ = ask(board, 1, now=0)
    offer_id = offer_of(board, 1)
    board.console_disconnected(1, 1)
    assert board.tick(5.9) == []
    events = board.tick(6)
    assert [(e.offer_id, e.reason) for e in of(events, OfferEnded)] == [(offer_id, "withdrawn")]
    assert board.clerks[1].state == ClerkState.OFFLINE
    assert board.requests[request_id].state == RequestState.WAITING
    assert board.offers == {}


def test_a_request_withdrawn_from_a_gone_clerk_is_offered_to_another() -> None:
    board = make_board(console_grace=5, ring_timeout=20)
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    request_id, _ = ask(board, 1, now=2)
    board.console_disconnected(1, 3)
    offer = only_offer(board.tick(8))
    assert (offer.request_id, offer.clerk_id) == (request_id, 2)


def test_an_idle_clerk_gone_past_the_grace_period_goes_offline() -> None:
    board = make_board(console_grace=30)
    add_clerk(board, 1)
    board.console_disconnected(1, 10)
    board.tick(39.9)
    assert board.clerks[1].state == ClerkState.AVAILABLE
    events = board.tick(40)
    assert [(c.state, c.reason) for c in of(events, ClerkStateChanged)] == [
        ("offline", "disconnected")
    ]


def test_a_clerk_back_within_the_grace_period_stays_available() -> None:
    board = make_board(console_grace=30)
    add_clerk(board, 1)
    board.console_disconnected(1, 10)
    board.console_connected(1, 20)
    board.tick(100)
    assert board.clerks[1].state == ClerkState.AVAILABLE


def test_a_clerk_gone_during_a_call_has_the_call_ended_by_the_system() -> None:
    board = make_board(console_grace=30)
    add_clerk(board, 1)
    call_id = in_call(board, 1, kiosk_id=1)
    board.console_disconnected(1, 5)
    events = board.tick(35)
    assert [(e.call_id, e.ended_by) for e in of(events, CallEnded)] == [(call_id, "system")]
    assert board.clerks[1].state == ClerkState.WRAP_UP  # pending until the clerk comes back


def test_a_disconnected_clerk_is_never_offered_a_request() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    board.console_disconnected(1, 2)
    _, events = ask(board, 1, now=3)
    assert only_offer(events).clerk_id == 2


def test_a_request_waits_for_a_disconnected_clerk_to_come_back() -> None:
    board = make_board()
    add_clerk(board, 1)
    board.console_disconnected(1, 1)
    request_id, events = ask(board, 1, now=2)
    assert of(events, OfferMade) == []
    assert of(board.tick(3), OfferMade) == []
    offer = only_offer(board.console_connected(1, 4))
    assert (offer.request_id, offer.clerk_id) == (request_id, 1)


# ---------------------------------------------------------------------------------- restoring


def _stored_request(request_id: str, kiosk_id: int, seq: int, **fields: object) -> Request:
    return Request(request_id, kiosk_id, "ca", "general", 0, seq, -100.0, **fields)  # type: ignore[arg-type]


def test_restoring_puts_a_ringing_request_back_to_waiting() -> None:
    board = make_board()
    board.restore_request(
        _stored_request("old", 7, 41, state=RequestState.RINGING, offer_id="lost")
    )
    restored = board.requests["old"]
    assert (restored.state, restored.offer_id) == (RequestState.WAITING, None)


def test_new_requests_number_after_restored_ones() -> None:
    board = make_board()
    board.restore_request(_stored_request("older", 7, 41))
    board.restore_request(_stored_request("old", 8, 12))
    new, _ = ask(board, 9)
    assert board.requests[new].seq == 42
    assert [r.id for r in board.queue()] == ["old", "older", new]


def test_a_restored_request_is_offered_before_newer_ones() -> None:
    board = make_board()
    board.restore_request(_stored_request("old", 7, 41, state=RequestState.RINGING))
    ask(board, 9)
    events = add_clerk(board, 1)
    assert only_offer(events).request_id == "old"


def test_noting_the_next_seq_never_reuses_numbers() -> None:
    board = make_board()
    first, _ = ask(board, 1)
    board.note_next_seq(100)
    second, _ = ask(board, 2)
    board.note_next_seq(5)  # never goes backwards
    third, _ = ask(board, 3)
    seqs = [board.requests[r].seq for r in (first, second, third)]
    assert seqs[1] >= 100
    assert seqs == sorted(set(seqs))


# ---------------------------------------------------------------------------------- one per kiosk


def test_a_kiosk_cannot_have_two_live_requests() -> None:
    board = make_board()
    ask(board, 1)
    before = state_of(board)
    with pytest.raises(AttentionError) as refused:
        board.request(1, "es", "taxes", 1)
    assert refused.value.code == "already_requested"
    assert state_of(board) == before


def test_a_kiosk_in_a_call_cannot_ask_again() -> None:
    board = make_board()
    add_clerk(board, 1)
    in_call(board, 1, kiosk_id=1)
    with pytest.raises(AttentionError) as refused:
        board.request(1, "ca", "general", 1)
    assert refused.value.code == "already_requested"


def test_a_kiosk_may_ask_again_after_cancelling() -> None:
    board = make_board()
    first, _ = ask(board, 1)
    board.cancel(first, 1)
    second, _ = ask(board, 1, now=2)
    live = board.live_request_of(1)
    assert live is not None and live.id == second


# ---------------------------------------------------------------------------------- waiting places


def test_places_are_numbered_in_queue_order() -> None:
    board = make_board()
    low, _ = ask(board, 1, priority=0)
    high, _ = ask(board, 2, priority=1)
    later, _ = ask(board, 3, priority=0)
    result = places(board, average_handle_s=300)
    assert [(p.request_id, p.position) for p in result] == [(high, 1), (low, 2), (later, 3)]


def test_there_is_no_estimate_when_no_working_clerk_can_serve() -> None:
    board = make_board()
    add_clerk(board, 1, languages=("es",))  # working, but wrong language
    add_clerk(board, 2)
    board.set_clerk_state(2, ClerkState.AWAY, 1)  # right skills, not working
    add_clerk(board, 3)
    board.console_disconnected(3, 1)  # right skills, not connected
    ask(board, 1, now=2)
    assert [p.estimated_wait_s for p in places(board, average_handle_s=300)] == [None]


def test_a_language_nobody_on_duty_speaks_is_unserved_with_the_languages_that_are() -> None:
    """Issue 9 #2: an English request with only Catalan and Spanish speakers on duty."""
    board = make_board()
    add_clerk(board, 1, languages=("ca", "es"), topics=("general", "census"))
    add_clerk(board, 2, languages=("es",), topics=("census",))
    add_clerk(board, 3, languages=("en",), topics=("census",))
    board.set_clerk_state(3, ClerkState.AWAY, 1)  # speaks it, but is not on duty
    ask(board, 1, now=2, language="en", topic="census")
    (place,) = places(board, average_handle_s=300)
    assert place.unserved is Unserved.LANGUAGE
    assert place.languages == ("ca", "es") and place.topics == ()
    assert place.estimated_wait_s is None


def test_a_topic_nobody_on_duty_handles_in_the_language_is_unserved() -> None:
    board = make_board()
    add_clerk(board, 1, languages=("ca", "es"), topics=("general", "census"))
    add_clerk(board, 2, languages=("en",), topics=("taxes",))
    ask(board, 1, now=2, language="ca", topic="taxes")
    (place,) = places(board, average_handle_s=300)
    assert place.unserved is Unserved.TOPIC
    assert place.topics == ("census", "general") and place.languages == ("en",)


def test_with_nobody_on_duty_there_is_nothing_else_to_offer() -> None:
    board = make_board()
    add_clerk(board, 1)
    board.set_clerk_state(1, ClerkState.OFFLINE, 1)
    ask(board, 1, now=2)
    (place,) = places(board, average_handle_s=300)
    assert (place.unserved, place.languages, place.topics) == (Unserved.NOBODY, (), ())


def test_a_request_someone_on_duty_can_serve_is_not_unserved_even_while_they_are_busy() -> None:
    board = make_board()
    add_clerk(board, 1, languages=("ca", "en"))
    ask(board, 1, now=1, language="en")  # rings clerk 1
    ask(board, 2, now=2, language="en")  # waits behind it
    result = places(board, average_handle_s=300)
    assert [p.unserved for p in result] == [None, None]
    assert result[1].languages == ("ca", "en")


def test_a_ringing_request_waits_zero() -> None:
    board = make_board()
    add_clerk(board, 1)
    ask(board, 1)
    ask(board, 2)
    result = places(board, average_handle_s=300)
    assert [p.estimated_wait_s for p in result] == [0, 450]  # the second waits behind the first


def test_the_estimate_grows_with_the_position() -> None:
    board = make_board()
    add_clerk(board, 1)
    in_call(board, 1, kiosk_id=9)
    for kiosk in (1, 2, 3):
        ask(board, kiosk, now=kiosk)
    waits = [p.estimated_wait_s for p in places(board, average_handle_s=300)]
    assert waits == [150, 450, 750]  # (ahead + ½) × 300 s, rounded up to half minutes


def test_the_estimate_is_shared_among_able_clerks() -> None:
    board = make_board()
    add_clerk(board, 1, now=0)
    add_clerk(board, 2, now=1)
    in_call(board, 1, kiosk_id=8)
    in_call(board, 2, kiosk_id=9)
    for kiosk in (1, 2, 3):
        ask(board, kiosk, now=kiosk)
    waits = [p.estimated_wait_s for p in places(board, average_handle_s=300)]
    assert waits == [90, 240, 390]


def test_work_other_clerks_will_take_does_not_count_ahead() -> None:
    board = make_board()
    add_clerk(board, 1)
    in_call(board, 1, kiosk_id=9)
    ask(board, 1, language="es")  # nobody working speaks Spanish
    ask(board, 2, language="ca")
    result = places(board, average_handle_s=300)
    assert [(p.position, p.estimated_wait_s) for p in result] == [(1, None), (2, 150)]


# ---------------------------------------------------------------------------------- opening hours

MONDAY = date(2024, 1, 1)  # 2024-01-01 was a Monday


def at(day_offset: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    day = date.fromordinal(MONDAY.toordinal() + day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, second, micro)


def test_parse_weekly_hours() -> None:
    spans = parse_hours("mon-fri 08:30-14:00,16:00-19:00; sat 09:00-13:00")
    assert len(spans) == 11
    assert Span(0, time(8, 30), time(14, 0)) in spans
    assert Span(4, time(16, 0), time(19, 0)) in spans
    assert Span(5, time(9, 0), time(13, 0)) in spans
    assert {s.weekday for s in spans} == {0, 1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(0, 8, 29, 59), False),
        (at(0, 8, 30), True),
        (at(2, 13, 59, 59), True),
        (at(2, 14, 0), False),
        (at(4, 16, 30), True),
        (at(4, 19, 0), False),
        (at(5, 9, 0), True),
        (at(5, 16, 30), False),
        (at(6, 10, 0), False),
    ],
)
def test_is_open(moment: datetime, expected: bool) -> None:
    hours = OpeningHours(parse_hours("mon-fri 08:30-14:00,16:00-19:00; sat 09:00-13:00"))
    assert hours.is_open(moment) is expected


def test_24_00_means_until_midnight() -> None:
    hours = OpeningHours(parse_hours("sun 20:00-24:00"))
    assert hours.spans == [Span(6, time(20, 0), time.max)]
    assert hours.is_open(at(6, 23, 30))
    assert hours.is_open(at(6, 23, 59, 58))
    assert not hours.is_open(at(7, 0, 0))  # the next Monday
    assert hours.describe() == [{"day": "sun", "opens": "20:00", "closes": "24:00"}]


def test_24_00_includes_the_last_second_of_the_day() -> None:
    hours = OpeningHours(parse_hours("sun 20:00-24:00"))
    assert hours.is_open(at(6, 23, 59, 59, 500_000))


def test_closed_days_are_closed_all_day() -> None:
    hours = OpeningHours(parse_hours("mon-fri 08:00-15:00"), frozenset({MONDAY}))
    assert not hours.is_open(at(0, 10))
    assert hours.is_open(at(1, 10))


def test_day_lists_full_names_and_short_hours() -> None:
    assert [s.weekday for s in parse_hours("mon,wed,FRI 10:00-11:00")] == [0, 2, 4]
    assert [s.weekday for s in parse_hours("Tuesday 10:00-11:00")] == [1]
    assert parse_hours("thu 8:00-9:30") == [Span(3, time(8, 0), time(9, 30))]


def test_an_empty_spec_means_never_open() -> None:
    assert parse_hours("") == []
    assert parse_hours(" ; ;") == []
    assert not OpeningHours([]).is_open(at(0, 10))


def test_describe_lists_the_week_in_order() -> None:
    hours = OpeningHours(parse_hours("sat 09:00-13:00; mon 16:00-19:00,08:30-14:00"))
    assert hours.describe() == [
        {"day": "mon", "opens": "08:30", "closes": "14:00"},
        {"day": "mon", "opens": "16:00", "closes": "19:00"},
        {"day": "sat", "opens": "09:00", "closes": "13:00"},
    ]


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("mon", "'mon'"),
        ("mon-fri 0830-1400", "'0830-1400'"),
        ("mon-fri 8h-14h", "'8h-14h'"),
        ("mon 08:00-14:00 16:00-19:00", "'08:00-14:00 16:00-19:00'"),
        ("mon 08:00-14:00,", "span"),
        ("funday 08:00-09:00", "'funday'"),
        ("mon,,tue 08:00-09:00", "day"),
        ("fri-mon 08:00-09:00", "'fri-mon'"),
        ("mon 14:00-08:00", "'14:00-08:00'"),
        ("mon 08:00-08:00", "'08:00-08:00'"),
        ("mon 09:00-13:00; sat", "'sat'"),
    ],
)
def test_a_malformed_spec_says_what_is_wrong(spec: str, named: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_hours(spec)
    assert named in str(error.value)


@pytest.mark.parametrize("span", ["25:00-26:00", "08:60-09:00", "08:00-24:30", "24:00-24:00"])
def test_an_out_of_range_time_says_which_span_is_wrong(span: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_hours(f"mon {span}")
    assert span in str(error.value)


# ---------------------------------------------------------------------------------- clerk left


def test_a_clerk_who_leaves_mid_call_ends_it_and_the_citizen_keeps_the_head_of_the_queue() -> None:
    """Issue 9 #3: the booth waited ~23 s on a frozen picture, then lost its place."""
    board = make_board()
    add_clerk(board, 1)
    first, _ = ask(board, 1, now=1)
    (offer,) = board.offers.values()
    board.accept(1, offer.id, now=2)
    ask(board, 2, now=3)  # another citizen waits meanwhile
    events = board.clerk_left(1, now=10)
    (ended,) = of(events, CallEnded)
    assert ended.request_id == first and ended.ended_by == "clerk"
    assert board.may_rejoin(1, now=11) and not board.may_rejoin(2, now=11)
    again, _ = ask(board, 1, now=12)
    assert board.queue()[0].id == again  # ahead of kiosk 2, who came earlier
    assert not board.may_rejoin(1, now=13)  # the ticket is used once


def test_the_head_of_the_queue_is_kept_only_for_a_while() -> None:
    board = make_board(rejoin_window=60)
    add_clerk(board, 1)
    ask(board, 1, now=1)
    (offer,) = board.offers.values()
    board.accept(1, offer.id, now=2)
    ask(board, 2, now=3)
    board.clerk_left(1, now=10)
    late, _ = ask(board, 1, now=71)
    assert board.queue()[-1].id == late


def test_a_clerk_who_leaves_outside_a_call_changes_nothing() -> None:
    board = make_board()
    add_clerk(board, 1)
    assert board.clerk_left(1, now=1) == [] and board.rejoin == {}
