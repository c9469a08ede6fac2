"""The switchboard: the queue of attention requests, clerk presence, offers and calls.

Commands take the current time (seconds, any monotonic-enough clock the caller chooses) and
return the events that happened, in order. A refused command raises an ``AttentionError`` (``attention/errors.py``) and changes
nothing. Routing rules (contact-centre semantics):

* requests wait in priority (higher first) then arrival order;
* a request is offered to the longest-idle *available*, connected clerk whose languages and
  topics match; one clerk rings for one request at a time and a request rings one clerk at a
  time;
* a declined or missed offer puts the request back at its place (the head, for the oldest), and
  that clerk is not rung again for the same request during one ring timeout;
* a clerk who misses ``missed_rings_before_away`` rings in a row is set *away*;
* a booth or console gone for longer than its grace period abandons its request or goes offline.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from finestreta.attention import errors as refused
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
from finestreta.attention.states import (
    CHOOSABLE_CLERK_STATES,
    CallState,
    ClerkState,
    Party,
    RequestState,
)


@dataclass(frozen=True)
class RoutingRules:
    ring_timeout: float = 20.0
    missed_rings_before_away: int = 3
    kiosk_grace: float = 30.0
    console_grace: float = 30.0
    # how long a citizen whose clerk left the call may ask again at the head of the queue
    rejoin_window: float = 120.0


@dataclass
class Clerk:
    id: int
    languages: frozenset[str]
    topics: frozenset[str]
    state: ClerkState = ClerkState.OFFLINE
    idle_since: float = 0.0
    missed_rings: int = 0
    connected: bool = False
    disconnected_since: float | None = None
    offer_id: str | None = None
    call_id: str | None = None

    def serves(self, request: Request) -> bool:
        return request.language in self.languages and request.topic in self.topics


@dataclass
class Request:
    id: str
    kiosk_id: int
    language: str
    topic: str
    priority: int
    seq: int
    created_at: float
    state: RequestState = RequestState.WAITING
    offer_id: str | None = None
    call_id: str | None = None
    # clerk id -> time until which that clerk is not rung again for this request
    passed_by: dict[int, float] = field(default_factory=dict)

    @property
    def queue_key(self) -> tuple[int, int]:
        return (-self.priority, self.seq)


@dataclass
class Offer:
    id: str
    request_id: str
    clerk_id: int
    created_at: float
    deadline: float


@dataclass
class Call:
    id: str
    request_id: str
    kiosk_id: int
    clerk_id: int
    started_at: float
    state: CallState = CallState.ACTIVE
    ended_at: float | None = None


@dataclass
class KioskPresence:
    id: int
    connected: bool = False
    disconnected_since: float | None = None


def _new_id() -> str:
    return uuid.uuid4().hex


class Switchboard:
    def __init__(
        self, rules: RoutingRules | None = None, new_id: Callable[[], str] = _new_id
    ) -> None:
        self.rules = rules or RoutingRules()
        self._new_id = new_id
        self.clerks: dict[int, Clerk] = {}
        self.requests: dict[str, Request] = {}  # live requests only
        self.offers: dict[str, Offer] = {}  # ringing offers only
        self.calls: dict[str, Call] = {}  # active calls and calls awaiting wrap-up
        self.kiosks: dict[int, KioskPresence] = {}
        # kiosk id -> (priority its next request gets, until when): the citizen whose clerk
        # left the call keeps the head of the queue (clerk_left)
        self.rejoin: dict[int, tuple[int, float]] = {}
        self._seq = itertools.count(1)

    # ------------------------------------------------------------------ restoring state
    def restore_request(self, request: Request) -> None:
        """Put back a request read from the database (offers in flight are simply dropped)."""
        if request.state == RequestState.RINGING:
            request.state = RequestState.WAITING
        request.offer_id = None
        self.requests[request.id] = request
        self._seq = itertools.count(max(request.seq + 1, next(self._seq)))

    def restore_call(self, call: Call) -> None:
        self.calls[call.id] = call

    def note_next_seq(self, seq: int) -> None:
        """Make sure new requests number after ``seq`` (sequence numbers are never reused)."""
        self._seq = itertools.count(max(seq, next(self._seq)))

    @property
    def next_seq(self) -> int:
        """The number the next request gets (reading it uses none up)."""
        seq = next(self._seq)
        self._seq = itertools.count(seq)
        return seq

    # ------------------------------------------------------------------ clerks
    def register_clerk(
        self,
        clerk_id: int,
        languages: Iterable[str],
        topics: Iterable[str],
        state: ClerkState = ClerkState.OFFLINE,
        idle_since: float = 0.0,
    ) -> Clerk:
        """Know a clerk (at start-up or at first connection); skills may be updated any time."""
        clerk = self.clerks.get(clerk_id)
        if clerk is None:
            clerk = Clerk(clerk_id, frozenset(languages), frozenset(topics), state, idle_since)
            self.clerks[clerk_id] = clerk
        else:
            clerk.languages, clerk.topics = frozenset(languages), frozenset(topics)
        return clerk

    def clerk(self, clerk_id: int) -> Clerk:
        try:
            return self.clerks[clerk_id]
        except KeyError:
            raise refused.UNKNOWN_CLERK(f"No clerk {clerk_id} is known") from None

    def console_connected(self, clerk_id: int, now: float) -> list[Event]:
        clerk = self.clerk(clerk_id)
        clerk.connected, clerk.disconnected_since = True, None
        return self.dispatch(now)

    def console_disconnected(self, clerk_id: int, now: float) -> list[Event]:
        clerk = self.clerk(clerk_id)
        clerk.connected, clerk.disconnected_since = False, now
        return []

    def set_clerk_state(
        self, clerk_id: int, state: ClerkState, now: float, reason: str = "chosen"
    ) -> list[Event]:
        """The clerk chooses available, away or offline (not while ringing, in a call or wrap-up);
        ``reason`` says who did: the clerk (``chosen``) or a supervisor (``supervisor``)."""
        clerk = self.clerk(clerk_id)
        try:
            state = ClerkState(state)
        except ValueError:
            raise refused.BAD_STATE(f"Unknown clerk state {state!r}") from None
        if state not in CHOOSABLE_CLERK_STATES:
            raise refused.BAD_STATE(f"A clerk cannot choose the state {state!r}")
        if clerk.state not in CHOOSABLE_CLERK_STATES:
            raise refused.BUSY(
                f"Clerk {clerk_id} is {clerk.state}; finish that before changing state"
            )
        if clerk.state == state:
            return []
        events: list[Event] = [self._move_clerk(clerk, state, now, reason=reason)]
        if state == ClerkState.AVAILABLE:
            clerk.missed_rings = 0
            events += self.dispatch(now)
        return events

    def _move_clerk(self, clerk: Clerk, state: ClerkState, now: float, reason: str) -> Event:
        previous = clerk.state
        clerk.state = state
        if state == ClerkState.AVAILABLE and previous != ClerkState.RINGING:
            # Back from a call, a break or logging in: idle time counts from now. A clerk
            # who was only rung keeps their place among idle clerks.
            clerk.idle_since = now
        return ClerkStateChanged(now, clerk.id, state.value, previous.value, reason)

    # ------------------------------------------------------------------ requests
    def kiosk_connected(self, kiosk_id: int, now: float) -> list[Event]:
        kiosk = self.kiosks.setdefault(kiosk_id, KioskPresence(kiosk_id))
        kiosk.connected, kiosk.disconnected_since = True, None
        return []

    def kiosk_disconnected(self, kiosk_id: int, now: float) -> list[Event]:
        kiosk = self.kiosks.setdefault(kiosk_id, KioskPresence(kiosk_id))
        kiosk.connected, kiosk.disconnected_since = False, now
        return []

    def live_request_of(self, kiosk_id: int) -> Request | None:
        for request in self.requests.values():
            if request.kiosk_id == kiosk_id:
                return request
        return None

    def request(
        self, kiosk_id: int, language: str, topic: str, now: float, priority: int = 0
    ) -> list[Event]:
        if self.live_request_of(kiosk_id) is not None:
            raise refused.ALREADY_REQUESTED(f"Kiosk {kiosk_id} already has a request")
        ticket = self.rejoin.pop(kiosk_id, None)
        if ticket is not None and now <= ticket[1]:
            priority = max(priority, ticket[0])
        request = Request(self._new_id(), kiosk_id, language, topic, priority, next(self._seq), now)
        self.requests[request.id] = request
        self.kiosks.setdefault(kiosk_id, KioskPresence(kiosk_id, connected=True))
        events: list[Event] = [
            RequestQueued(now, request.id, kiosk_id, language, topic, priority, request.seq)
        ]
        return events + self.dispatch(now)

    def _live_request(self, request_id: str) -> Request:
        request = self.requests.get(request_id)
        if request is None:
            raise refused.NO_REQUEST(f"No live request {request_id!r}")
        return request

    def cancel(self, request_id: str, now: float) -> list[Event]:
        request = self._live_request(request_id)
        if not request.state.is_queued:
            raise refused.IN_CALL("The request is already in a call; hang up instead")
        events = self._withdraw_offer(request, now)
        del self.requests[request.id]
        request.state = RequestState.CANCELLED
        events.append(RequestCancelled(now, request.id, request.kiosk_id))
        return events + self.dispatch(now)

    def _abandon(self, request: Request, now: float) -> list[Event]:
        events = self._withdraw_offer(request, now)
        del self.requests[request.id]
        request.state = RequestState.ABANDONED
        events.append(RequestAbandoned(now, request.id, request.kiosk_id))
        return events

    def _withdraw_offer(self, request: Request, now: float) -> list[Event]:
        if request.offer_id is None:
            return []
        offer = self.offers.pop(request.offer_id)
        request.offer_id = None
        request.state = RequestState.WAITING
        clerk = self.clerks[offer.clerk_id]
        clerk.offer_id = None
        return [
            OfferEnded(now, offer.id, request.id, clerk.id, "withdrawn"),
            self._move_clerk(clerk, ClerkState.AVAILABLE, now, reason="offer_withdrawn"),
        ]

    # ------------------------------------------------------------------ offers
    def _offer_for(self, clerk_id: int, offer_id: str) -> Offer:
        offer = self.offers.get(offer_id)
        if offer is None or offer.clerk_id != clerk_id:
            raise refused.NO_OFFER("That offer is no longer ringing for you")
        return offer

    def accept(self, clerk_id: int, offer_id: str, now: float) -> list[Event]:
        offer = self._offer_for(clerk_id, offer_id)
        if now > offer.deadline:
            raise refused.OFFER_EXPIRED("The offer expired before it was accepted")
        del self.offers[offer.id]
        request = self.requests[offer.request_id]
        clerk = self.clerks[clerk_id]
        call = Call(self._new_id(), request.id, request.kiosk_id, clerk_id, now)
        self.calls[call.id] = call
        request.state, request.offer_id, request.call_id = RequestState.IN_CALL, None, call.id
        clerk.offer_id, clerk.call_id, clerk.missed_rings = None, call.id, 0
        return [
            CallStarted(now, call.id, request.id, offer.id, request.kiosk_id, clerk_id),
            self._move_clerk(clerk, ClerkState.IN_CALL, now, reason="accepted"),
        ]

    def decline(self, clerk_id: int, offer_id: str, now: float) -> list[Event]:
        offer = self._offer_for(clerk_id, offer_id)
        clerk = self.clerks[clerk_id]
        clerk.missed_rings = 0
        events = self._end_offer(offer, "declined", now)
        events.append(self._move_clerk(clerk, ClerkState.AVAILABLE, now, reason="declined"))
        return events + self.dispatch(now)

    def _end_offer(self, offer: Offer, reason: str, now: float) -> list[Event]:
        del self.offers[offer.id]
        request = self.requests[offer.request_id]
        request.state, request.offer_id = RequestState.WAITING, None
        request.passed_by[offer.clerk_id] = now + self.rules.ring_timeout
        self.clerks[offer.clerk_id].offer_id = None
        return [OfferEnded(now, offer.id, request.id, offer.clerk_id, reason)]

    def _expire_offers(self, now: float) -> list[Event]:
        events: list[Event] = []
        for offer in sorted(self.offers.values(), key=lambda o: o.deadline):
            if offer.deadline > now:
                continue
            clerk = self.clerks[offer.clerk_id]
            events += self._end_offer(offer, "expired", now)
            clerk.missed_rings += 1
            if clerk.missed_rings >= self.rules.missed_rings_before_away:
                events.append(self._move_clerk(clerk, ClerkState.AWAY, now, "missed_rings"))
            else:
                events.append(self._move_clerk(clerk, ClerkState.AVAILABLE, now, "missed_ring"))
        return events

    # ------------------------------------------------------------------ calls
    def call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise refused.NO_CALL(f"No call {call_id!r}")
        return call

    def hang_up(self, call_id: str, by: Party, now: float) -> list[Event]:
        call = self.call(call_id)
        if call.state != CallState.ACTIVE:
            raise refused.CALL_ENDED("The call has already ended")
        call.state, call.ended_at = CallState.ENDED, now
        request = self.requests.pop(call.request_id)
        request.state = RequestState.SERVED
        clerk = self.clerks[call.clerk_id]
        return [
            CallEnded(now, call.id, request.id, call.kiosk_id, clerk.id, by.value),
            self._move_clerk(clerk, ClerkState.WRAP_UP, now, reason="call_ended"),
        ]

    def clerk_left(self, clerk_id: int, now: float) -> list[Event]:
        """The clerk left for good (logged out) during a call: the call ends now rather than
        after the console's grace period, and the citizen may ask again within
        ``rejoin_window`` ahead of everyone who waits (one priority step above their own)."""
        clerk = self.clerks.get(clerk_id)
        if clerk is None or clerk.call_id is None:
            return []
        call = self.calls.get(clerk.call_id)
        if call is None or call.state != CallState.ACTIVE:
            return []
        priority = self.requests[call.request_id].priority
        events = self.hang_up(call.id, Party.CLERK, now)
        ticket = (priority + 1, now + self.rules.rejoin_window)
        self.rejoin[call.kiosk_id] = ticket
        ended = events[0]
        assert isinstance(ended, CallEnded)
        # the ticket travels with the event, so that a replica folding the log holds it too
        events[0] = replace(ended, rejoin_priority=ticket[0], rejoin_until=ticket[1])
        return events

    def may_rejoin(self, kiosk_id: int, now: float) -> bool:
        """Whether the booth's next request keeps the head of the queue (``clerk_left``)."""
        ticket = self.rejoin.get(kiosk_id)
        return ticket is not None and now <= ticket[1]

    def wrap_up(
        self, clerk_id: int, call_id: str, outcome: str, note: str, now: float
    ) -> list[Event]:
        call = self.call(call_id)
        if call.clerk_id != clerk_id:
            raise refused.NOT_YOUR_CALL("That call was not yours")
        if call.state != CallState.ENDED:
            raise refused.CALL_ACTIVE("Hang up before wrapping up")
        del self.calls[call.id]
        call.state = CallState.WRAPPED_UP
        clerk = self.clerks[clerk_id]
        clerk.call_id = None
        events: list[Event] = [CallWrappedUp(now, call.id, clerk_id, outcome, note)]
        next_state = ClerkState.AVAILABLE if clerk.connected else ClerkState.OFFLINE
        events.append(self._move_clerk(clerk, next_state, now, reason="wrapped_up"))
        return events + self.dispatch(now)

    # ------------------------------------------------------------------ time
    def tick(self, now: float) -> list[Event]:
        """Expire offers and grace periods, then dispatch; call it often (every ~0.25 s)."""
        events = self._expire_offers(now)
        events += self._expire_grace(now)
        for request in self.requests.values():
            if request.passed_by:
                request.passed_by = {c: t for c, t in request.passed_by.items() if t > now}
        return events + self.dispatch(now)

    def _expire_grace(self, now: float) -> list[Event]:
        events: list[Event] = []
        for kiosk in self.kiosks.values():
            if kiosk.connected or kiosk.disconnected_since is None:
                continue
            if now - kiosk.disconnected_since < self.rules.kiosk_grace:
                continue
            request = self.live_request_of(kiosk.id)
            kiosk.disconnected_since = None  # handled once; it stays disconnected
            if request is None:
                continue
            if request.state.is_queued:
                events += self._abandon(request, now)
            elif request.call_id is not None:
                events += self.hang_up(request.call_id, Party.SYSTEM, now)
        for clerk in self.clerks.values():
            if clerk.connected or clerk.disconnected_since is None:
                continue
            if now - clerk.disconnected_since < self.rules.console_grace:
                continue
            clerk.disconnected_since = None
            if clerk.state == ClerkState.RINGING and clerk.offer_id is not None:
                offer = self.offers[clerk.offer_id]
                events += self._end_offer(offer, "withdrawn", now)
                events.append(self._move_clerk(clerk, ClerkState.OFFLINE, now, "disconnected"))
            elif clerk.state == ClerkState.IN_CALL and clerk.call_id is not None:
                events += self.hang_up(clerk.call_id, Party.SYSTEM, now)
            elif clerk.state in (ClerkState.AVAILABLE, ClerkState.AWAY):
                events.append(self._move_clerk(clerk, ClerkState.OFFLINE, now, "disconnected"))
            # wrap-up stays pending until the clerk comes back
        return events

    def next_due(self) -> float | None:
        """The earliest moment a ``tick`` may change something: an offer's deadline, the end of
        a grace period, a pass running out (a clerk may then be rung for that request). None:
        nothing is pending, ticks can wait for the next command. A past moment means "now"."""
        moments = [offer.deadline for offer in self.offers.values()]
        moments += [
            kiosk.disconnected_since + self.rules.kiosk_grace
            for kiosk in self.kiosks.values()
            if not kiosk.connected and kiosk.disconnected_since is not None
        ]
        moments += [
            clerk.disconnected_since + self.rules.console_grace
            for clerk in self.clerks.values()
            if not clerk.connected and clerk.disconnected_since is not None
        ]
        moments += [until for r in self.requests.values() for until in r.passed_by.values()]
        return min(moments, default=None)

    def dispatch(self, now: float) -> list[Event]:
        """Offer waiting requests, oldest of the highest priority first, to idle clerks."""
        idle = [c for c in self.clerks.values() if c.state == ClerkState.AVAILABLE and c.connected]
        if not idle:
            return []
        idle.sort(key=lambda c: (c.idle_since, c.id))
        events: list[Event] = []
        for request in self.queue():
            if request.state != RequestState.WAITING:
                continue
            clerk = next(
                (c for c in idle if c.serves(request) and request.passed_by.get(c.id, -1.0) <= now),
                None,
            )
            if clerk is None:
                continue
            idle.remove(clerk)
            offer = Offer(self._new_id(), request.id, clerk.id, now, now + self.rules.ring_timeout)
            self.offers[offer.id] = offer
            request.state, request.offer_id = RequestState.RINGING, offer.id
            clerk.offer_id = offer.id
            events.append(
                OfferMade(now, offer.id, request.id, clerk.id, request.kiosk_id, offer.deadline)
            )
            events.append(self._move_clerk(clerk, ClerkState.RINGING, now, reason="offered"))
            if not idle:
                break
        return events

    # ------------------------------------------------------------------ reading
    def queue(self) -> list[Request]:
        """Requests not yet in a call, in the order they are served."""
        return sorted(
            (r for r in self.requests.values() if r.state.is_queued), key=lambda r: r.queue_key
        )
