"""Property-based tests of the switchboard: random sequences of commands, invariants after each.

The machine keeps its own model, built only from the events the switchboard returns (and the
commands it was given), and checks after every step that the board and the model agree and that
routing left nothing undone: no request lost, one offer per request and per clerk, clerk and
request states matching offers and calls, and dispatch leaving no offerable pair behind.

Every command runs through ``execute`` (presence and registration through the composite commands
of ``attention/replica.py``, as the hub does), so two more invariants hold after every step: a
board built only by folding every event returned so far has the board's normalised state, and
the board survives a snapshot (``attention/snapshot.py``) unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from finestreta.attention import (
    AttentionError,
    CallState,
    ClerkState,
    RequestState,
    RoutingRules,
    Switchboard,
    replica,
    snapshot,
)
from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    CallWrappedUp,
    ClerkRegistered,
    ClerkStateChanged,
    Event,
    OfferEnded,
    OfferMade,
    PresenceChanged,
    RequestAbandoned,
    RequestCancelled,
    RequestQueued,
)
from finestreta.attention.states import CHOOSABLE_CLERK_STATES, Party

Command = Callable[[Switchboard, float], list[Event]]

LANGUAGES = ("ca", "es", "en")
CLERK_IDS = st.integers(1, 5)  # clerks 1-4 at most are registered: 5 is always unknown
# Some clerks do everything, so that requests get served and the queue moves.
SKILL_LANGUAGES = st.one_of(
    st.just(set(LANGUAGES)), st.sets(st.sampled_from(LANGUAGES), min_size=1)
)
# The topics of the built-in procedures (the switchboard treats topics as plain codes).
TOPICS = ("general", "census", "taxes", "works", "complaints")
SKILL_TOPICS = st.one_of(st.just(set(TOPICS)), st.sets(st.sampled_from(TOPICS), min_size=1))
KIOSK_IDS = st.integers(1, 5)
# Steps that land on, just before and just after the interesting deadlines (rings: 5 or 20 s,
# grace periods: 3 or 30 s).
STEPS = st.sampled_from([0.0, 0.25, 1.0, 2.0, 3.0, 4.75, 5.0, 10.0, 19.75, 20.0, 25.0, 30.0, 31.0])


def _no_ids() -> str:
    raise AssertionError("a replica made something up instead of folding it")


@dataclass(frozen=True)
class CallInfo:
    request_id: str
    clerk_id: int
    kiosk_id: int


class SwitchboardMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.board: Switchboard | None = None
        # a board that never runs a command: it only folds the events the real one returned
        self.replica: Switchboard | None = None
        self.now = 0.0
        # requests
        self.queued: dict[str, RequestQueued] = {}
        self.live: set[str] = set()
        self.ended: dict[str, str] = {}  # request id -> cancelled / abandoned / served
        # offers
        self.offers_made: dict[str, OfferMade] = {}
        self.open_offers: set[str] = set()
        self.closed_offers: dict[str, str] = {}  # offer id -> how it closed
        # calls
        self.calls: dict[str, CallInfo] = {}
        self.active_calls: set[str] = set()
        self.ended_calls: set[str] = set()
        self.wrapped_calls: set[str] = set()
        # kiosk id -> (priority, until): the head of the queue kept after the clerk left
        self.tickets: dict[int, tuple[int, float]] = {}
        # clerks and kiosks, as the model sees them
        self.clerk_state: dict[int, ClerkState] = {}
        self.skills: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self.idle_since: dict[int, float] = {}
        self.passed: dict[tuple[str, int], float] = {}  # (request, clerk) -> not rung until
        self.missed: dict[int, int] = {}
        self.clerk_connected: dict[int, bool] = {}
        self.clerk_gone_since: dict[int, float | None] = {}
        self.kiosk_connected: dict[int, bool] = {}
        self.kiosk_gone_since: dict[int, float | None] = {}
        # what is being handled by the tick in progress
        self.due_kiosks: set[int] = set()
        self.due_clerks: set[int] = set()
        self.graces_over: set[tuple[str, int]] = set()
        # time moved on without a dispatch: offerable pairs may be pending until the next one
        self.stale = False

    # ------------------------------------------------------------------ set-up

    @initialize(
        ring_timeout=st.sampled_from([5.0, 20.0]),
        kiosk_grace=st.sampled_from([3.0, 30.0]),
        console_grace=st.sampled_from([3.0, 30.0]),
        missed_rings_before_away=st.integers(1, 3),
        # each clerk's skills and when (if at all) they become available, in seconds
        clerks=st.lists(
            st.tuples(SKILL_LANGUAGES, SKILL_TOPICS, st.sampled_from([None, 0, 1, 2])),
            min_size=1,
            max_size=4,
        ),
    )
    def set_up(
        self,
        ring_timeout: float,
        kiosk_grace: float,
        console_grace: float,
        missed_rings_before_away: int,
        clerks: list[tuple[set[str], set[str], int | None]],
    ) -> None:
        self.routing = RoutingRules(
            ring_timeout=ring_timeout,
            missed_rings_before_away=missed_rings_before_away,
            kiosk_grace=kiosk_grace,
            console_grace=console_grace,
        )
        self.ids = itertools.count(1)
        self.board = Switchboard(self.routing, new_id=lambda: f"id{next(self.ids)}")
        self.replica = Switchboard(self.routing, new_id=_no_ids)
        for clerk_id, (languages, topics, _) in enumerate(clerks, start=1):
            self.register_clerk(clerk_id, languages, topics)
            self._console(clerk_id, connected=True)
        # clerks start their day in any order, so idle times do not follow their ids
        for at in (0, 1, 2):
            self.now = float(at)
            for clerk_id, (_, _, available_at) in enumerate(clerks, start=1):
                if available_at == at:
                    self._choose(clerk_id, ClerkState.AVAILABLE)

    @property
    def sb(self) -> Switchboard:
        assert self.board is not None
        return self.board

    # ------------------------------------------------------------------ running commands

    def snapshot(self) -> str:
        b = self.sb
        return repr((b.clerks, b.requests, b.offers, b.calls, b.kiosks, b._seq, self.ids))

    def execute(
        self, command: Command, refusal: str | None = None, dispatches: bool = False
    ) -> list[Event] | None:
        """Run a command expected to be refused with ``refusal`` (or to succeed if None), then
        fold its events into the replica."""
        before = self.snapshot()
        try:
            events = command(self.sb, self.now)
        except AttentionError as error:
            assert error.code == refusal, f"refused with {error.code!r}, expected {refusal!r}"
            assert self.snapshot() == before, "a refused command changed the board"
            return None
        assert refusal is None, f"expected a refusal {refusal!r}, got {events!r}"
        assert self.replica is not None
        replica.fold_all(self.replica, events)
        self.observe(events)
        self.check_routing_order(events)
        if dispatches:
            self.stale = False
        return events

    def observe(self, events: list[Event]) -> None:
        for index, event in enumerate(events):
            assert event.at == self.now
            following = events[index + 1] if index + 1 < len(events) else None
            match event:
                case RequestQueued():
                    assert event.request_id not in self.queued
                    assert all(q.seq < event.seq for q in self.queued.values())
                    self.queued[event.request_id] = event
                    self.live.add(event.request_id)
                    self.kiosk_connected.setdefault(event.kiosk_id, True)
                    self.kiosk_gone_since.setdefault(event.kiosk_id, None)
                case RequestCancelled():
                    self._end_request(event.request_id, "cancelled")
                case RequestAbandoned():
                    assert event.kiosk_id in self.due_kiosks, "abandoned within the grace period"
                    self._end_request(event.request_id, "abandoned")
                case OfferMade():
                    self._offer_made(event, following)
                case OfferEnded():
                    self._offer_ended(event, following)
                case CallStarted():
                    self._close_offer(event.offer_id, "accepted")
                    made = self.offers_made[event.offer_id]
                    assert (made.request_id, made.clerk_id) == (event.request_id, event.clerk_id)
                    assert event.call_id not in self.calls
                    info = CallInfo(event.request_id, event.clerk_id, event.kiosk_id)
                    assert self.queued[event.request_id].kiosk_id == event.kiosk_id
                    self.calls[event.call_id] = info
                    self.active_calls.add(event.call_id)
                    self.missed[event.clerk_id] = 0
                case CallEnded():
                    assert event.call_id in self.active_calls
                    info = self.calls[event.call_id]
                    assert (info.request_id, info.clerk_id, info.kiosk_id) == (
                        event.request_id,
                        event.clerk_id,
                        event.kiosk_id,
                    )
                    if event.ended_by == Party.SYSTEM:
                        assert (
                            event.kiosk_id in self.due_kiosks or event.clerk_id in self.due_clerks
                        ), "call ended by the system within the grace periods"
                    if event.rejoin_until is not None:
                        assert event.ended_by == Party.CLERK
                        assert event.rejoin_until == self.now + self.routing.rejoin_window
                        priority = self.queued[event.request_id].priority + 1
                        assert event.rejoin_priority == priority
                        self.tickets[event.kiosk_id] = (priority, event.rejoin_until)
                    else:
                        assert event.rejoin_priority is None
                    self.active_calls.remove(event.call_id)
                    self.ended_calls.add(event.call_id)
                    self._end_request(event.request_id, "served")
                case CallWrappedUp():
                    assert event.call_id in self.ended_calls
                    assert self.calls[event.call_id].clerk_id == event.clerk_id
                    self.ended_calls.remove(event.call_id)
                    self.wrapped_calls.add(event.call_id)
                case ClerkRegistered():
                    skills = (frozenset(event.languages), frozenset(event.topics))
                    assert skills == self.skills[event.clerk_id]
                case PresenceChanged(grace_over=True):
                    assert not event.connected
                    due = self.due_kiosks if event.party == "kiosk" else self.due_clerks
                    assert event.party_id in due, "grace over within the grace period"
                    self.graces_over.add((event.party, event.party_id))
                case PresenceChanged(party="console"):
                    assert event.connected == self.clerk_connected[event.party_id]
                    assert event.connected == (self.clerk_gone_since[event.party_id] is None)
                case PresenceChanged(party="kiosk"):
                    self.kiosk_connected[event.party_id] = event.connected
                    self.kiosk_gone_since[event.party_id] = None if event.connected else self.now
                case ClerkStateChanged():
                    assert event.previous == self.clerk_state[event.clerk_id]
                    assert event.state != event.previous
                    self.clerk_state[event.clerk_id] = ClerkState(event.state)
                    if event.state == "available" and event.previous != "ringing":
                        self.idle_since[event.clerk_id] = self.now
                case _:
                    raise AssertionError(f"unexpected event {event!r}")

    def _end_request(self, request_id: str, how: str) -> None:
        assert request_id in self.live, f"{how} a request that is not live"
        self.live.remove(request_id)
        self.ended[request_id] = how

    def _close_offer(self, offer_id: str, how: str) -> None:
        assert offer_id in self.open_offers, f"offer {offer_id} {how} but not open"
        self.open_offers.remove(offer_id)
        self.closed_offers[offer_id] = how

    def _offer_made(self, event: OfferMade, following: Event | None) -> None:
        assert event.offer_id not in self.offers_made
        assert event.request_id in self.live
        assert self.queued[event.request_id].kiosk_id == event.kiosk_id
        assert event.deadline == self.now + self.routing.ring_timeout
        ringing = [self.offers_made[o] for o in self.open_offers]
        assert all(o.request_id != event.request_id for o in ringing), "request rung twice"
        assert all(o.clerk_id != event.clerk_id for o in ringing), "clerk rung twice"
        assert all(c.request_id != event.request_id for c in self.calls.values())
        assert self.clerk_connected[event.clerk_id], "a disconnected clerk was offered a request"
        assert self.clerk_state[event.clerk_id] == ClerkState.AVAILABLE
        assert isinstance(following, ClerkStateChanged)
        assert (following.clerk_id, following.state) == (event.clerk_id, "ringing")
        self.offers_made[event.offer_id] = event
        self.open_offers.add(event.offer_id)

    def _offer_ended(self, event: OfferEnded, following: Event | None) -> None:
        made = self.offers_made[event.offer_id]
        assert (made.request_id, made.clerk_id) == (event.request_id, event.clerk_id)
        self._close_offer(event.offer_id, event.reason)
        assert event.reason in ("declined", "expired", "withdrawn")
        self.passed[(event.request_id, event.clerk_id)] = self.now + self.routing.ring_timeout
        if event.reason == "expired":
            assert made.deadline <= self.now
            self.missed[event.clerk_id] += 1
            assert isinstance(following, ClerkStateChanged)
            assert following.clerk_id == event.clerk_id
            away = self.missed[event.clerk_id] >= self.routing.missed_rings_before_away
            assert following.state == ("away" if away else "available")

    # ------------------------------------------------------------------ the model's routing view

    def _serves(self, clerk_id: int, request_id: str) -> bool:
        languages, topics = self.skills[clerk_id]
        queued = self.queued[request_id]
        return queued.language in languages and queued.topic in topics

    def _key(self, request_id: str) -> tuple[int, int]:
        return (-self.queued[request_id].priority, self.queued[request_id].seq)

    def _passed(self, request_id: str, clerk_id: int) -> bool:
        """Whether the clerk is still not to be rung again for that request."""
        return self.passed.get((request_id, clerk_id), -1.0) > self.now

    def _waiting(self) -> list[str]:
        """Live requests neither ringing nor in a call, in queue order."""
        busy = {self.offers_made[o].request_id for o in self.open_offers}
        busy |= {self.calls[c].request_id for c in self.active_calls}
        return sorted(self.live - busy, key=self._key)

    def _idle(self) -> list[int]:
        return [
            c
            for c, state in self.clerk_state.items()
            if state == ClerkState.AVAILABLE and self.clerk_connected[c]
        ]

    def _offerable(self, clerk_id: int, request_id: str) -> bool:
        return self._serves(clerk_id, request_id) and not self._passed(request_id, clerk_id)

    def check_routing_order(self, events: list[Event]) -> None:
        """Each offer went to the longest-idle able clerk, past no request waiting ahead."""
        waiting, idle = self._waiting(), self._idle()
        for event in events:
            if not isinstance(event, OfferMade):
                continue
            request_id, clerk_id = event.request_id, event.clerk_id
            assert self._offerable(clerk_id, request_id), "offered to a clerk who cannot take it"
            # FIFO within priority: nothing ahead that this clerk could take was left waiting
            for other in waiting:
                if self._key(other) < self._key(request_id):
                    assert not self._offerable(clerk_id, other), (
                        f"offered {request_id} to clerk {clerk_id} past waiting {other}"
                    )
            # longest idle: no clerk idle for longer who could take it is still free
            for other_clerk in idle:
                if self._offerable(other_clerk, request_id):
                    assert (self.idle_since[clerk_id], clerk_id) < (
                        self.idle_since[other_clerk],
                        other_clerk,
                    ), f"offered {request_id} to clerk {clerk_id}, not to clerk {other_clerk}"

    # ------------------------------------------------------------------ picking

    def _pick(self, data: st.DataObject, likely: list[str], anything: list[str]) -> str:
        """Mostly one of ``likely`` (when there are any), sometimes anything at all."""
        if likely and data.draw(st.integers(0, 3), label="likely") > 0:
            return data.draw(st.sampled_from(likely))
        return data.draw(st.sampled_from(anything))

    def _pick_clerk(self, data: st.DataObject) -> int:
        """Mostly a registered clerk, sometimes any (5 is never registered)."""
        if self.clerk_state and data.draw(st.integers(0, 7), label="registered") > 0:
            return data.draw(st.sampled_from(sorted(self.clerk_state)))
        return data.draw(CLERK_IDS)

    def _pick_offer(self, data: st.DataObject) -> tuple[int, str]:
        offer_id = self._pick(data, sorted(self.open_offers), [*self.offers_made, "nope"])
        made = self.offers_made.get(offer_id)
        if made is not None and data.draw(st.integers(0, 3), label="own clerk") > 0:
            return made.clerk_id, offer_id
        return self._pick_clerk(data), offer_id

    # ------------------------------------------------------------------ clerks

    @rule(clerk_id=st.integers(1, 4), languages=SKILL_LANGUAGES, topics=SKILL_TOPICS)
    def register_clerk(self, clerk_id: int, languages: set[str], topics: set[str]) -> None:
        if clerk_id not in self.clerk_state:
            self.clerk_state[clerk_id] = ClerkState.OFFLINE
            self.missed[clerk_id] = 0
            self.clerk_connected[clerk_id] = False
            self.clerk_gone_since[clerk_id] = None
            self.idle_since[clerk_id] = 0.0
        self.skills[clerk_id] = (frozenset(languages), frozenset(topics))
        # registering dispatches: the new skills may match someone waiting
        self.execute(
            lambda b, now: replica.register_clerk(b, clerk_id, languages, topics, now),
            dispatches=True,
        )

    def _unknown(self, clerk_id: int) -> str | None:
        return None if clerk_id in self.clerk_state else "unknown_clerk"

    @rule(data=st.data(), connected=st.booleans())
    def console(self, data: st.DataObject, connected: bool) -> None:
        self._console(self._pick_clerk(data), connected)

    def _console(self, clerk_id: int, connected: bool) -> None:
        refusal = self._unknown(clerk_id)
        if refusal is None:  # the model moves first: the dispatch inside sees the clerk back
            self.clerk_connected[clerk_id] = connected
            self.clerk_gone_since[clerk_id] = None if connected else self.now
        if connected and refusal is None:
            languages, topics = self.skills[clerk_id]
            self.execute(
                lambda b, now: replica.console_joined(b, clerk_id, languages, topics, now),
                dispatches=True,
            )
        elif connected:  # (console_joined would register an unknown clerk, as the hub wants)
            self.execute(lambda b, now: b.console_connected(clerk_id, now), refusal)
        else:
            events = self.execute(lambda b, now: replica.console_gone(b, clerk_id, now), refusal)
            assert events is None or events == [
                PresenceChanged(self.now, "console", clerk_id, False)
            ]

    @rule(
        data=st.data(),
        state=st.sampled_from(
            [
                *(ClerkState.AVAILABLE, ClerkState.AVAILABLE, ClerkState.AVAILABLE),
                *(ClerkState.AWAY, ClerkState.OFFLINE, ClerkState.RINGING, ClerkState.WRAP_UP),
            ]
        ),
    )
    def set_clerk_state(self, data: st.DataObject, state: ClerkState) -> None:
        # the clerk chooses, or a supervisor sets it from the wallboard
        reason = data.draw(st.sampled_from(["chosen", "supervisor"]))
        self._choose(self._pick_clerk(data), state, reason)

    def _choose(self, clerk_id: int, state: ClerkState, reason: str = "chosen") -> None:
        refusal = self._unknown(clerk_id)
        if refusal is None and state not in CHOOSABLE_CLERK_STATES:
            refusal = "bad_state"
        if refusal is None and self.clerk_state[clerk_id] not in CHOOSABLE_CLERK_STATES:
            refusal = "busy"
        changes = refusal is None and self.clerk_state[clerk_id] != state
        dispatches = changes and state == ClerkState.AVAILABLE  # otherwise no dispatch happens
        events = self.execute(
            lambda b, now: b.set_clerk_state(clerk_id, state, now, reason), refusal, dispatches
        )
        if events is None:
            return
        offered = any(isinstance(e, OfferMade) and e.clerk_id == clerk_id for e in events)
        assert self.sb.clerks[clerk_id].state == (ClerkState.RINGING if offered else state)
        if changes and state == ClerkState.AVAILABLE:
            self.missed[clerk_id] = 0
        if not changes:
            assert events == []

    # ------------------------------------------------------------------ kiosks and requests

    @rule(
        kiosk_id=KIOSK_IDS,
        language=st.sampled_from(LANGUAGES),
        topic=st.sampled_from(TOPICS),
        priority=st.integers(0, 2),
    )
    def request(self, kiosk_id: int, language: str, topic: str, priority: int) -> None:
        has_one = any(self.queued[r].kiosk_id == kiosk_id for r in self.live)
        refusal = "already_requested" if has_one else None
        events = self.execute(
            lambda b, now: b.request(kiosk_id, language, topic, now, priority=priority),
            refusal,
            True,
        )
        if events is not None:
            ticket = self.tickets.pop(kiosk_id, None)
            expected = priority
            if ticket is not None and self.now <= ticket[1]:  # the citizen whose clerk left
                expected = max(priority, ticket[0])
            queued = events[0]
            assert isinstance(queued, RequestQueued)
            assert (queued.kiosk_id, queued.language, queued.topic, queued.priority) == (
                kiosk_id,
                language,
                topic,
                expected,
            )

    @precondition(lambda self: self.queued)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        request_id = self._pick(data, sorted(self.live), [*sorted(self.queued), "nope"])
        in_call = any(self.calls[c].request_id == request_id for c in self.active_calls)
        refusal = "no_request" if request_id not in self.live else "in_call" if in_call else None
        events = self.execute(lambda b, now: b.cancel(request_id, now), refusal, True)
        if events is not None:
            assert self.ended[request_id] == "cancelled"

    @rule(kiosk_id=KIOSK_IDS, connected=st.booleans())
    def kiosk_presence(self, kiosk_id: int, connected: bool) -> None:
        self.kiosk(kiosk_id, connected)

    def kiosk(self, kiosk_id: int, connected: bool) -> None:
        command = replica.kiosk_joined if connected else replica.kiosk_gone
        events = self.execute(lambda b, now: command(b, kiosk_id, now))
        assert events == [PresenceChanged(self.now, "kiosk", kiosk_id, connected)]
        assert self.kiosk_connected[kiosk_id] == connected

    # ------------------------------------------------------------------ offers and calls

    def _offer_refusal(self, clerk_id: int, offer_id: str) -> str | None:
        if offer_id not in self.open_offers or self.offers_made[offer_id].clerk_id != clerk_id:
            return "no_offer"
        return None

    @precondition(lambda self: self.offers_made)
    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        clerk_id, offer_id = self._pick_offer(data)
        refusal = self._offer_refusal(clerk_id, offer_id)
        if refusal is None and self.now > self.offers_made[offer_id].deadline:
            refusal = "offer_expired"
        events = self.execute(lambda b, now: b.accept(clerk_id, offer_id, now), refusal)
        if events is not None:
            assert self.closed_offers[offer_id] == "accepted"
            assert self.sb.clerks[clerk_id].missed_rings == 0

    @precondition(lambda self: self.offers_made)
    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        clerk_id, offer_id = self._pick_offer(data)
        refusal = self._offer_refusal(clerk_id, offer_id)
        events = self.execute(lambda b, now: b.decline(clerk_id, offer_id, now), refusal, True)
        if events is None:
            return
        assert self.closed_offers[offer_id] == "declined"
        self.missed[clerk_id] = 0
        # the decliner is not rung again for that request within one ring timeout
        request_id = self.offers_made[offer_id].request_id
        assert not any(
            isinstance(e, OfferMade) and (e.request_id, e.clerk_id) == (request_id, clerk_id)
            for e in events
        )
        request = self.sb.requests[request_id]
        assert request.passed_by[clerk_id] == self.now + self.routing.ring_timeout

    @precondition(lambda self: self.calls)
    @rule(data=st.data(), by=st.sampled_from([Party.KIOSK, Party.CLERK]))
    def hang_up(self, data: st.DataObject, by: Party) -> None:
        call_id = self._pick(data, sorted(self.active_calls), [*sorted(self.calls), "nope"])
        if call_id in self.active_calls:
            refusal = None
        elif call_id in self.ended_calls:
            refusal = "call_ended"
        else:
            refusal = "no_call"
        events = self.execute(lambda b, now: b.hang_up(call_id, by, now), refusal)
        if events is not None:
            assert [(e.call_id, e.ended_by) for e in events if isinstance(e, CallEnded)] == [
                (call_id, by.value)
            ]
            assert self.clerk_state[self.calls[call_id].clerk_id] == ClerkState.WRAP_UP

    @rule(data=st.data())
    def clerk_leaves(self, data: st.DataObject) -> None:
        """A clerk logs out (mostly one in a call): the call ends, the booth may ask again at
        the head of the queue."""
        in_calls = sorted({self.calls[c].clerk_id for c in self.active_calls})
        clerk_id = self._pick_clerk(data)
        if in_calls and data.draw(st.integers(0, 3), label="in a call") > 0:
            clerk_id = data.draw(st.sampled_from(in_calls))
        events = self.execute(lambda b, now: b.clerk_left(clerk_id, now))
        assert events is not None
        if clerk_id not in in_calls:
            assert events == []
            return
        ended = events[0]
        assert isinstance(ended, CallEnded) and ended.rejoin_until is not None
        assert self.sb.may_rejoin(ended.kiosk_id, self.now)
        assert self.clerk_state[clerk_id] == ClerkState.WRAP_UP

    @precondition(lambda self: self.calls)
    @rule(data=st.data(), outcome=st.sampled_from(["resolved", "referred"]))
    def wrap_up(self, data: st.DataObject, outcome: str) -> None:
        call_id = self._pick(data, sorted(self.ended_calls), [*sorted(self.calls), "nope"])
        info = self.calls.get(call_id)
        if info is not None and data.draw(st.integers(0, 3), label="own clerk") > 0:
            clerk_id = info.clerk_id
        else:
            clerk_id = self._pick_clerk(data)
        if info is None or call_id in self.wrapped_calls:
            refusal: str | None = "no_call"
        elif info.clerk_id != clerk_id:
            refusal = "not_your_call"
        elif call_id in self.active_calls:
            refusal = "call_active"
        else:
            refusal = None
        events = self.execute(
            lambda b, now: b.wrap_up(clerk_id, call_id, outcome, "", now), refusal, True
        )
        if events is not None:
            expected = (
                ClerkState.AVAILABLE if self.clerk_connected[clerk_id] else ClerkState.OFFLINE
            )
            changes = [e for e in events if isinstance(e, ClerkStateChanged)]
            assert (changes[0].clerk_id, changes[0].state) == (clerk_id, expected.value)

    # The happy path, as rules of their own so that calls happen often.

    @precondition(lambda self: self.open_offers)
    @rule(data=st.data())
    def answer_the_ring(self, data: st.DataObject) -> None:
        made = self.offers_made[data.draw(st.sampled_from(sorted(self.open_offers)))]
        refusal = "offer_expired" if self.now > made.deadline else None
        events = self.execute(lambda b, now: b.accept(made.clerk_id, made.offer_id, now), refusal)
        if events is not None:
            assert self.clerk_state[made.clerk_id] == ClerkState.IN_CALL

    @precondition(lambda self: self.active_calls)
    @rule(data=st.data(), by=st.sampled_from([Party.KIOSK, Party.CLERK]))
    def end_the_call(self, data: st.DataObject, by: Party) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.active_calls)))
        self.execute(lambda b, now: b.hang_up(call_id, by, now))
        assert call_id in self.ended_calls

    @precondition(lambda self: self.ended_calls)
    @rule(data=st.data())
    def finish_the_wrap_up(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.ended_calls)))
        clerk_id = self.calls[call_id].clerk_id
        self.execute(lambda b, now: b.wrap_up(clerk_id, call_id, "resolved", "", now), None, True)
        assert call_id in self.wrapped_calls

    @precondition(lambda self: self.open_offers)
    @rule(data=st.data(), by=st.sampled_from([Party.KIOSK, Party.CLERK]))
    def a_whole_call(self, data: st.DataObject, by: Party) -> None:
        """Answer a ring, talk, hang up and wrap up at once: the queue moves on."""
        made = self.offers_made[data.draw(st.sampled_from(sorted(self.open_offers)))]
        if self.now > made.deadline:
            return
        events = self.execute(lambda b, now: b.accept(made.clerk_id, made.offer_id, now))
        assert events is not None
        call_id = next(e.call_id for e in events if isinstance(e, CallStarted))
        self.execute(lambda b, now: b.hang_up(call_id, by, now))
        self.execute(
            lambda b, now: b.wrap_up(made.clerk_id, call_id, "resolved", "", now), None, True
        )

    @precondition(lambda self: self.open_offers or self.active_calls)
    @rule(
        data=st.data(),
        side=st.sampled_from(["kiosk", "clerk"]),
        then_wait=st.sampled_from([None, 3.0, 30.0]),
    )
    def someone_busy_goes_away(
        self, data: st.DataObject, side: str, then_wait: float | None
    ) -> None:
        """A booth or console drops in the middle of a ring or a call (and maybe stays away)."""
        busy = [
            (made.kiosk_id, made.clerk_id)
            for made in (self.offers_made[o] for o in sorted(self.open_offers))
        ] + [(self.calls[c].kiosk_id, self.calls[c].clerk_id) for c in sorted(self.active_calls)]
        kiosk_id, clerk_id = data.draw(st.sampled_from(busy))
        if side == "kiosk":
            self.kiosk(kiosk_id, connected=False)
        else:
            self._console(clerk_id, connected=False)
        if then_wait is not None:
            self.tick(then_wait)

    # ------------------------------------------------------------------ time

    @rule(step=STEPS)
    def time_passes(self, step: float) -> None:
        self.tick(step)

    def tick(self, step: float) -> None:
        self.now += step
        self.due_kiosks = {
            k
            for k, since in self.kiosk_gone_since.items()
            if since is not None and self.now - since >= self.routing.kiosk_grace
        }
        self.due_clerks = {
            c
            for c, since in self.clerk_gone_since.items()
            if since is not None and self.now - since >= self.routing.console_grace
        }
        try:
            self.graces_over = set()
            self.execute(replica.tick, None, True)
            assert self.graces_over == {("kiosk", k) for k in self.due_kiosks} | {
                ("console", c) for c in self.due_clerks
            }
            assert all(o.deadline > self.now for o in self.sb.offers.values()), "offer not expired"
            for kiosk_id in self.due_kiosks:
                assert self.sb.live_request_of(kiosk_id) is None, "gone kiosk kept its request"
                self.kiosk_gone_since[kiosk_id] = None
            for clerk_id in self.due_clerks:
                assert self.clerk_state[clerk_id] in (ClerkState.OFFLINE, ClerkState.WRAP_UP)
                self.clerk_gone_since[clerk_id] = None
            for request in self.sb.requests.values():
                assert all(until > self.now for until in request.passed_by.values())
        finally:
            self.due_kiosks, self.due_clerks = set(), set()

    @rule(step=st.sampled_from([0.25, 1.0, 6.0, 25.0]))
    def time_passes_without_a_tick(self, step: float) -> None:
        """Commands may arrive between ticks (a late accept, say)."""
        self.now += step
        self.stale = True

    @precondition(lambda self: self.open_offers)
    @rule(data=st.data(), offset=st.sampled_from([-0.25, 0.0]), tick=st.booleans())
    def a_ring_runs_out(self, data: st.DataObject, offset: float, tick: bool) -> None:
        """Land just before or right on a ring's deadline (with or without a tick)."""
        offer_id = data.draw(st.sampled_from(sorted(self.open_offers)))
        target = self.offers_made[offer_id].deadline + offset
        if target < self.now:  # already late (time passed without a tick)
            return
        if tick:
            self.tick(target - self.now)
            if offset < 0:  # (it may have been withdrawn, its booth or console gone)
                assert self.closed_offers.get(offer_id) != "expired"
            else:
                assert self.closed_offers[offer_id] == "expired"
        else:
            self.time_passes_without_a_tick(target - self.now)

    def _deadlines(self) -> list[float]:
        """Moments when something is due: rings, grace periods, passes running out."""
        rings = [self.offers_made[o].deadline for o in self.open_offers]
        kiosks = [
            t + self.routing.kiosk_grace for t in self.kiosk_gone_since.values() if t is not None
        ]
        consoles = [
            t + self.routing.console_grace for t in self.clerk_gone_since.values() if t is not None
        ]
        passes = [t for t in self.passed.values() if t > self.now]
        return sorted({*rings, *kiosks, *consoles, *passes})

    @precondition(lambda self: self.board is not None and self._deadlines())
    @rule(data=st.data(), offset=st.sampled_from([-0.25, 0.0, 0.0, 0.25]), tick=st.booleans())
    def time_passes_to_a_deadline(self, data: st.DataObject, offset: float, tick: bool) -> None:
        """Land just before, right on or just after a deadline (with or without a tick)."""
        target = data.draw(st.sampled_from(self._deadlines())) + offset
        step = max(target - self.now, 0.0)
        if tick:
            self.tick(step)
        else:
            self.time_passes_without_a_tick(step)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def board_agrees_with_the_events(self) -> None:
        if self.board is None:
            return
        b = self.board
        # no live request lost, none ended twice
        assert set(b.requests) == self.live
        assert self.live.isdisjoint(self.ended)
        assert set(self.queued) == self.live | set(self.ended)
        # every offer made is still ringing or closed exactly once
        assert set(b.offers) == self.open_offers
        assert self.open_offers.isdisjoint(self.closed_offers)
        assert set(self.offers_made) == self.open_offers | set(self.closed_offers)
        for offer in b.offers.values():
            made = self.offers_made[offer.id]
            assert (offer.request_id, offer.clerk_id, offer.deadline) == (
                made.request_id,
                made.clerk_id,
                made.deadline,
            )
        # calls
        assert set(b.calls) == self.active_calls | self.ended_calls
        for call_id, call in b.calls.items():
            expected = CallState.ACTIVE if call_id in self.active_calls else CallState.ENDED
            assert call.state == expected
        # presence
        for kiosk_id, kiosk in b.kiosks.items():
            assert kiosk.connected == self.kiosk_connected[kiosk_id]
            assert kiosk.disconnected_since == self.kiosk_gone_since[kiosk_id]
        assert set(b.clerks) == set(self.clerk_state)
        for clerk in b.clerks.values():
            assert clerk.state == self.clerk_state[clerk.id]
            assert clerk.connected == self.clerk_connected[clerk.id]
            assert clerk.disconnected_since == self.clerk_gone_since[clerk.id]
            assert clerk.missed_rings == self.missed[clerk.id]

    @invariant()
    def a_replica_folding_the_events_agrees(self) -> None:
        """A board built only from the events returned so far holds the board's state."""
        if self.board is None or self.replica is None:
            return
        assert snapshot.normalised(self.replica, self.now) == snapshot.normalised(
            self.board, self.now
        )

        # and it would decide as the board does: the same tick now
        def copy(board: Switchboard) -> Switchboard:
            ids = itertools.count(1)
            data = snapshot.to_dict(board)
            return snapshot.from_dict(data, self.routing, new_id=lambda: f"t{next(ids)}")

        assert copy(self.replica).tick(self.now) == copy(self.board).tick(self.now)

    @invariant()
    def a_snapshot_restores_the_board(self) -> None:
        if self.board is None:
            return
        b = self.board
        restored = snapshot.from_dict(snapshot.to_dict(b), self.routing, new_id=_no_ids)
        assert restored.clerks == b.clerks
        assert restored.requests == b.requests
        assert restored.offers == b.offers
        assert restored.calls == b.calls
        assert restored.kiosks == b.kiosks
        assert restored.rejoin == b.rejoin
        assert restored.next_seq == b.next_seq
        # nothing is due before next_due: a tick until then changes nothing
        due = b.next_due()
        if due is None or due > self.now:
            assert restored.tick(self.now) == []
            assert snapshot.to_dict(restored) == snapshot.to_dict(b)

    @invariant()
    def one_offer_per_request_and_per_clerk(self) -> None:
        if self.board is None:
            return
        offers = list(self.board.offers.values())
        assert len({o.request_id for o in offers}) == len(offers)
        assert len({o.clerk_id for o in offers}) == len(offers)

    @invariant()
    def states_match_offers_and_calls(self) -> None:
        if self.board is None:
            return
        b = self.board
        for clerk in b.clerks.values():
            offer = b.offers.get(clerk.offer_id) if clerk.offer_id else None
            call = b.calls.get(clerk.call_id) if clerk.call_id else None
            ringing = offer is not None and offer.clerk_id == clerk.id
            talking = call is not None and call.clerk_id == clerk.id
            assert (clerk.state == ClerkState.RINGING) == ringing
            assert (clerk.offer_id is None) == (not ringing)
            assert (clerk.state == ClerkState.IN_CALL) == (
                talking and call is not None and call.state == CallState.ACTIVE
            )
            assert (clerk.state == ClerkState.WRAP_UP) == (
                talking and call is not None and call.state == CallState.ENDED
            )
            assert (clerk.call_id is None) == (not talking)
        for request in b.requests.values():
            assert request.state.is_live
            offer = b.offers.get(request.offer_id) if request.offer_id else None
            ringing = offer is not None and offer.request_id == request.id
            assert (request.state == RequestState.RINGING) == ringing
            assert (request.offer_id is None) == (not ringing)
            call = b.calls.get(request.call_id) if request.call_id else None
            talking = call is not None and call.request_id == request.id
            assert (request.state == RequestState.IN_CALL) == talking
            if talking:
                assert call is not None and call.state == CallState.ACTIVE
        kiosks = [r.kiosk_id for r in b.requests.values()]
        assert len(kiosks) == len(set(kiosks)), "a kiosk with two live requests"

    @invariant()
    def dispatch_leaves_nothing_offerable(self) -> None:
        if self.board is None or self.stale:
            return
        idle = self._idle()
        for request_id in self._waiting():
            for clerk_id in idle:
                assert not self._offerable(clerk_id, request_id), (
                    f"request {request_id} waits while clerk {clerk_id} could take it"
                )

    @invariant()
    def board_routes_by_the_same_facts(self) -> None:
        """The board's queue, skills, idle times and passes match the model's."""
        if self.board is None:
            return
        b = self.board
        queued = sorted(
            (
                r
                for r in self.live
                if not any(self.calls[c].request_id == r for c in self.active_calls)
            ),
            key=self._key,
        )
        assert [r.id for r in b.queue()] == queued
        for clerk in b.clerks.values():
            assert (clerk.languages, clerk.topics) == self.skills[clerk.id]
            assert clerk.idle_since == self.idle_since[clerk.id]
        for request in b.requests.values():
            board_passes = {c: t for c, t in request.passed_by.items() if t > self.now}
            model_passes = {
                c: t for (r, c), t in self.passed.items() if r == request.id and t > self.now
            }
            assert board_passes == model_passes


PROPERTY_SETTINGS = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TestSwitchboard = SwitchboardMachine.TestCase
TestSwitchboard.settings = PROPERTY_SETTINGS
