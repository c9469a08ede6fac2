"""The hub: turns booth and console frames into switchboard commands, writes the events down,
and turns events back into frames for the booths and consoles concerned.

Commands run synchronously on the event loop (the switchboard and the database calls do not
await), so they are serialised without a lock. A ticker expires rings and grace periods, pushes
queue positions (coalesced, only to booths whose place changed) and drops silent sockets.

The hub knows neither devices nor procedures: they see calls through :class:`Calls`, send
frames through :class:`Outbox` (both implemented here), hear about calls as
:class:`CallListener` s (``subscribe``) and handle the frame types they add (``on_frame``).
Time comes from one injected :class:`Clock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from finestreta.accounts.directory import Directory
from finestreta.attention import AttentionError, ClerkState, Switchboard, replica
from finestreta.attention import events as ev
from finestreta.attention.boards import REPLICA_ONLY, BoardKeeper, Command
from finestreta.attention.errors import NO_CALL, NO_REQUEST
from finestreta.attention.states import CallState, Party
from finestreta.attention.store import AttentionStore
from finestreta.attention.switchboard import Call
from finestreta.attention.waiting import Place, places
from finestreta.clock import SYSTEM_CLOCK, Clock
from finestreta.config import Settings
from finestreta.errors import N_, Conflict, FinestretaError, InvalidInput, declare
from finestreta.media.ice import ice_configuration
from finestreta.realtime import drain
from finestreta.realtime import frames as f
from finestreta.realtime.bus import Bus, LocalBus
from finestreta.realtime.cluster import LocalParties, Parties
from finestreta.realtime.connections import (
    CLOSE_FORBIDDEN,
    CLOSE_GOING_AWAY,
    CLOSE_HEARTBEAT,
    CLOSE_REPLACED,
    CLOSE_UNAUTHORISED,
    Connection,
    Sockets,
)
from finestreta.realtime.ports import CallListener, CallView

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1
CREDENTIALS_EVERY_S = 2.0
OFFICE_EVERY_S = 5.0
HANDLE_TIME_EVERY_S = 60.0
# How often a node folds what the others logged, whatever the bus's hints said (several nodes).
POLL_EVERY_S = 1.0

OFFICE_CLOSED = declare(
    "closed",
    Conflict,
    N_("The office is closed now."),
    N_("The office is closed now."),
)
UNKNOWN_TOPIC = declare("unknown_topic", InvalidInput, N_("The office does not serve that topic."))
NOT_RATEABLE = declare("not_rateable", Conflict, N_("That attention cannot be rated."))
BAD_OUTCOME = declare("bad_outcome", InvalidInput, N_("Choose one of the outcomes in the list."))

# A handler of a frame type that a layer or procedure adds: (socket, validated frame).
FrameHandler = Callable[[Connection, Any], None]
Hello = TypeVar("Hello", f.KioskHello, f.ConsoleHello)


class Hub:
    def __init__(
        self,
        settings: Settings,
        keeper: BoardKeeper,
        store: AttentionStore,
        directory: Directory,
        clock: Clock = SYSTEM_CLOCK,
        revoked: Callable[[dict[int, str], dict[int, str]], tuple[set[int], set[int], set[int]]]
        | None = None,
        topics: tuple[str, ...] = ("general",),
        frames: f.FrameSet | None = None,
        bus: Bus | None = None,
    ) -> None:
        self.settings = settings
        # every change of the board goes through the keeper; the store is read for ratings,
        # the clerks' lists of the day and the handle time
        self.keeper = keeper
        self.store = store
        self.bus: Bus = bus or LocalBus()
        # who else must know of a socket (the cluster's party registry; nobody on one node)
        self.parties: Parties = LocalParties()
        self.poll_s = POLL_EVERY_S
        self.directory = directory
        self.clock = clock
        self.topics = topics
        self.frames = frames or f.FrameSet()
        self._revoked = revoked
        self.kiosks = Sockets(f.KIOSK)
        self.consoles = Sockets(f.CONSOLE)
        self.agents = Sockets(f.AGENT)  # held by the device desk; watched here
        self._listeners: list[CallListener] = []
        # (observer, whether it also sees the events folded from other nodes)
        self._observers: list[tuple[Callable[[list[ev.Event]], None], bool]] = []
        self._rating_observers: list[Callable[[str, int, int, datetime], None]] = []
        self._handlers: dict[tuple[str, str], FrameHandler] = {}
        self._sent_places: dict[int, tuple[object, ...]] = {}
        self._queue_dirty = True
        self._last_summary: tuple[object, ...] | None = None
        self._open: bool | None = None
        self._open_checked = 0.0
        self._credentials_checked = 0.0
        self._handle_s = settings.average_handle_seconds
        self._handle_checked = 0.0
        self._polled = 0.0
        self._ticker: asyncio.Task[None] | None = None
        # SIGTERM with FINESTRETA_DRAIN_SECONDS: health answers 503, new sockets get 1012
        self.draining = False
        keeper.on_folded(lambda events: self._apply(events, executed=False))

    @property
    def board(self) -> Switchboard:
        """The board as this node last saw it: read it, change it only through the keeper."""
        return self.keeper.board

    # ------------------------------------------------------------------ wiring
    def subscribe(self, listener: CallListener) -> None:
        self._listeners.append(listener)

    def observe(self, observer: Callable[[list[ev.Event]], None], folded: bool = False) -> None:
        """Hand every batch of switchboard events this node executes, once recorded, to
        ``observer`` (metrics); with ``folded`` also those folded from other nodes (the
        wallboard, which must see the whole office's)."""
        self._observers.append((observer, folded))

    def observe_ratings(self, observer: Callable[[str, int, int, datetime], None]) -> None:
        """Hand every rating, once stored, to ``observer`` (request id, kiosk id, rating, when):
        ratings are written by the store, not made by the switchboard (the wallboard)."""
        self._rating_observers.append(observer)

    def on_frame(self, party: str, frame_type: str, handler: FrameHandler) -> None:
        """Route inbound frames of ``frame_type`` from ``party`` to ``handler`` (the frame's
        model must be in :attr:`frames`)."""
        if frame_type not in self.frames.inbound_types(party):
            raise ValueError(f"{party} sends no frame of type {frame_type!r}")
        if (party, frame_type) in self._handlers:
            raise ValueError(f"{party} {frame_type!r} frames have a handler already")
        self._handlers[(party, frame_type)] = handler

    # ------------------------------------------------------------------ life
    async def start(self) -> None:
        self.keeper.start(self.clock.time())
        await self.bus.start(self.from_bus, self._closed_elsewhere, self._hinted)
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for sockets in (self.kiosks, self.consoles, self.agents):
            for conn in sockets:
                conn.close(CLOSE_GOING_AWAY, "server going away")
        await self.bus.stop()

    async def drain(self, window_s: float, others: Iterable[Sockets] = ()) -> int:
        """Stop taking sockets and close every open one (booths, consoles, agents and
        ``others``, the wallboards) with ``closed`` (``draining``) and 1012, in jittered
        batches over the first half of ``window_s``; returns how many were closed. Each close
        is a leave like any other: the grace periods keep places and calls for the reconnect.
        The ticker goes on (graces, rings), and :meth:`stop` ends it."""
        self.draining = True
        spread = drain.spread_for(
            window_s, self.settings.kiosk_grace_seconds, self.settings.console_grace_seconds
        )
        groups = (self.kiosks, self.consoles, self.agents, *others)
        return await drain.close_all([conn for group in groups for conn in group], spread)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.tick()
            except Exception:  # one bad tick must not stop the queue
                log.exception("tick failed")

    def tick(self) -> None:
        now = self.clock.time()
        if self.bus.mode != "none" and now - self._polled >= self.poll_s:
            self._polled = now  # a lost hint costs at most this long
            self.refresh()
        due = self.board.next_due() if self.bus.mode != "none" else now
        if due is not None and due <= now:  # several nodes: the lock only when something is due
            self._apply(self.keeper.execute(replica.tick, now))
        self._drop_silent(now)
        self._check_credentials(now)
        self._check_office(now)
        if self._queue_dirty:
            self._queue_dirty = False
            self._push_places(now)

    # ------------------------------------------------------------------ Outbox and Calls
    def to_kiosk(self, kiosk_id: int, frame: f.Outbound) -> None:
        self._send(self.kiosks, kiosk_id, frame)

    def to_clerk(self, clerk_id: int, frame: f.Outbound) -> None:
        self._send(self.consoles, clerk_id, frame)

    def _send(self, sockets: Sockets, party_id: int, frame: f.Outbound) -> None:
        """To the socket if this node holds it, else to whichever node does (on one node
        nobody does: the frame is dropped, as a frame for a booth that is not connected)."""
        conn = sockets.get(party_id)
        if conn is not None:
            conn.send(frame)
        else:
            self.bus.send(sockets.party, party_id, frame.to_json(), self.keeper.version)

    # ------------------------------------------------------------------ AgentLink
    def agent_joined(self, conn: Connection) -> None:
        self.agents.join(conn)
        self.parties.joined(conn)
        self.bus.listen(f.AGENT, conn.party_id)

    def agent_left(self, conn: Connection) -> bool:
        if not self.agents.leave(conn):
            return False
        self.bus.unlisten(f.AGENT, conn.party_id)
        return self.parties.left(conn)  # False: a newer socket on another node replaced it

    def agent_online(self, kiosk_id: int) -> bool:
        """Connected here, or (several nodes) on another node: one registry read."""
        return kiosk_id in self.agents or self.parties.held_anywhere(f.AGENT, kiosk_id)

    def to_agent(self, kiosk_id: int, frame: f.Outbound) -> None:
        self._send(self.agents, kiosk_id, frame)

    # ------------------------------------------------------------------ other nodes
    def from_bus(self, party: str, party_id: int, text: str, version: int) -> None:
        """A frame another node sent for a socket held here, made at its board ``version``:
        fold up to that first, so that what it refers to (a call started there) was
        delivered here before it."""
        if version > self.keeper.version:
            self.refresh()
        for sockets in (self.kiosks, self.consoles, self.agents):
            if sockets.party == party:
                sockets.forward(party_id, text)

    def refresh(self) -> None:
        """Fold what other nodes logged since this one's version, and deliver it here."""
        self._apply(self.keeper.refresh(), executed=False)

    def _hinted(self, first: int, last: int, rows: list[dict[str, Any]]) -> None:
        self._apply(self.keeper.take_hint(first, last, rows), executed=False)

    def _closed_elsewhere(
        self, party: str, party_id: int, seq: int, reason: str, code: int
    ) -> None:
        self.parties.close_older(party, party_id, seq, reason, code)

    def sockets_of(self, party: str) -> Sockets | None:
        return {f.KIOSK: self.kiosks, f.CONSOLE: self.consoles, f.AGENT: self.agents}.get(party)

    def party_gone(self, party: str, party_id: int) -> None:
        """A socket another node held is gone with that node (its lease ran out): the party
        left, unless it is back here already."""
        if party == f.KIOSK and party_id not in self.kiosks:
            self._execute(lambda b, t: replica.kiosk_gone(b, party_id, t))
        elif party == f.CONSOLE and party_id not in self.consoles:
            self._execute(lambda b, t: replica.console_gone(b, party_id, t))

    def get(self, call_id: str) -> CallView | None:
        call = self.board.calls.get(call_id)
        if call is not None:
            return self._view(call)
        return self._stored(call_id=call_id)

    def active_of_kiosk(self, kiosk_id: int) -> CallView | None:
        request = self.board.live_request_of(kiosk_id)
        call = self.board.calls.get(request.call_id) if request and request.call_id else None
        if call is None:
            return self._stored(kiosk_id=kiosk_id)
        return self._view(call) if call.state == CallState.ACTIVE else None

    def active_of_clerk(self, clerk_id: int) -> CallView | None:
        clerk = self.board.clerks.get(clerk_id)
        call = self.board.calls.get(clerk.call_id) if clerk and clerk.call_id else None
        if call is None:
            return self._stored(clerk_id=clerk_id)
        return self._view(call) if call.state == CallState.ACTIVE else None

    def _stored(
        self, call_id: str | None = None, kiosk_id: int | None = None, clerk_id: int | None = None
    ) -> CallView | None:
        """Several nodes: a call this node has not folded yet (started elsewhere a moment ago;
        these are read from HTTP requests, which land on any node) is read from the database.
        One node: the board is the truth, a miss is a miss."""
        if self.bus.mode == "none":
            return None
        row = self.store.stored_call(call_id, kiosk_id=kiosk_id, clerk_id=clerk_id)
        return CallView(**row) if row is not None else None

    def _view(self, call: Call) -> CallView:
        request = self.board.requests.get(call.request_id)
        return CallView(
            id=call.id,
            request_id=call.request_id,
            kiosk_id=call.kiosk_id,
            clerk_id=call.clerk_id,
            active=call.state == CallState.ACTIVE,
            topic=request.topic if request else None,
            language=request.language if request else None,
            started_at=call.started_at,
        )

    # ------------------------------------------------------------------ applying events
    def _execute(self, command: Command) -> None:
        self._apply(self.keeper.execute(command, self.clock.time()))

    def _apply(self, events: list[ev.Event], executed: bool = True) -> None:
        """Events this node executed (recorded by the keeper), or ``executed=False`` folded
        from what another node executed: frames go to this node's sockets either way (each
        node delivers to the sockets it holds), but the listeners and the counting run once,
        on the node that executed."""
        # presence and registrations move no request: no count, no queue push (as before they
        # had events); their frames are the hellos
        moved = [e for e in events if not isinstance(e, REPLICA_ONLY)]
        if not moved:
            return
        for observer, folded_too in self._observers:
            if not (executed or folded_too):
                continue
            try:
                observer(moved)
            except Exception:  # counting must never cost a call
                log.exception("event observer %r failed", observer)
        for event in moved:
            if executed:
                self._deliver(event, executed)
                continue
            try:
                self._deliver(event, executed)
            except Exception:  # a batch folded at once: what the event names may be gone
                log.exception("could not deliver folded %s", event.kind)
        self._queue_dirty = True

    def _run(self, conn: Connection, command: Command, ref: str | None) -> bool:
        try:
            events = self.keeper.execute(command, self.clock.time())
        except AttentionError as exc:  # refused: nothing changed
            conn.send(f.error_frame(exc, ref))
            return False
        self._apply(events)
        return True

    def _tell(self, method: str, call: CallView) -> None:
        for listener in self._listeners:
            try:
                getattr(listener, method)(call)
            except Exception:  # one listener's bug must not cost the others (or the call)
                log.exception("%s.%s failed for call %s", type(listener).__name__, method, call.id)

    def _deliver(self, event: ev.Event, executed: bool) -> None:
        """Frames for this node's own sockets (a socket on another node gets its frames from
        that node's fold of the same event, never across the bus)."""
        kiosk, clerk = self._to_local_kiosk, self._to_local_clerk
        match event:
            # folded in a batch, an offer or a call may be over already: nothing to show
            case ev.OfferMade() if event.offer_id in self.board.offers:
                if event.clerk_id in self.consoles:
                    clerk(event.clerk_id, self._ring_frame(event.offer_id))
            case ev.OfferEnded():
                clerk(event.clerk_id, f.RingEnded(offer_id=event.offer_id, reason=event.reason))
            case ev.CallStarted() if event.call_id in self.board.calls:
                if event.kiosk_id in self.kiosks:
                    kiosk(event.kiosk_id, self._kiosk_call_frame(event.call_id))
                if event.clerk_id in self.consoles:
                    clerk(event.clerk_id, self._console_call_frame(event.call_id))
                if executed:
                    self._tell("call_started", self._view(self.board.calls[event.call_id]))
            case ev.CallEnded():
                ended = f.CallEnded(
                    call_id=event.call_id,
                    request_id=event.request_id,
                    ended_by=event.ended_by,
                )
                # the clerk left (logged out): the booth may ask again, first in the queue
                rejoin = event.rejoin_until is not None
                kiosk(event.kiosk_id, ended.model_copy(update={"rejoin": rejoin}))
                clerk(event.clerk_id, ended.model_copy(update={"wrap_up": True}))
                # the call joins the day's list when it ends (as a fresh hello would list it)
                if event.clerk_id in self.consoles:
                    clerk(event.clerk_id, self.attentions_frame(event.clerk_id))
                if executed:
                    self._tell("call_ended", self._view(self.board.calls[event.call_id]))
            case ev.CallWrappedUp():
                if event.clerk_id in self.consoles:
                    clerk(event.clerk_id, self.attentions_frame(event.clerk_id))
            case ev.ClerkStateChanged():
                clerk(event.clerk_id, f.State(state=event.state, reason=event.reason))
            case ev.RequestCancelled() | ev.RequestAbandoned():
                self._sent_places.pop(event.kiosk_id, None)
                reason = "cancelled" if isinstance(event, ev.RequestCancelled) else "abandoned"
                kiosk(
                    event.kiosk_id,
                    f.RequestEnded(request_id=event.request_id, reason=reason),
                )
            case _:
                pass  # a queued request's place follows with the next queue push

    def _to_local_kiosk(self, kiosk_id: int, frame: f.Outbound) -> None:
        if kiosk_id in self.kiosks:
            self.to_kiosk(kiosk_id, frame)

    def _to_local_clerk(self, clerk_id: int, frame: f.Outbound) -> None:
        if clerk_id in self.consoles:
            self.to_clerk(clerk_id, frame)

    # ------------------------------------------------------------------ frames
    def _ring_frame(self, offer_id: str) -> f.Ring:
        offer = self.board.offers[offer_id]
        request = self.board.requests[offer.request_id]
        kiosk = self.directory.kiosk(request.kiosk_id)
        now = self.clock.time()
        return f.Ring(
            offer_id=offer.id,
            request_id=request.id,
            topic=request.topic,
            language=request.language,
            kiosk=kiosk["name"],
            site=kiosk["site"],
            waited_s=round(now - request.created_at),
            expires_in_s=round(max(0.0, offer.deadline - now), 1),
            ring_timeout_s=self.settings.ring_timeout_seconds,
        )

    def _kiosk_call_frame(self, call_id: str) -> f.KioskCallStarted:
        call = self.board.calls[call_id]
        clerk = self.directory.clerk(call.clerk_id)
        return f.KioskCallStarted(
            call_id=call.id,
            request_id=call.request_id,
            clerk=f.ClerkName(name=clerk["first_name"]),
            ice_url=f"/api/calls/{call.id}/ice",
            ice=self.ice(f"kiosk-{call.kiosk_id}"),
        )

    def _console_call_frame(self, call_id: str) -> f.ConsoleCallStarted:
        call = self.board.calls[call_id]
        request = self.board.requests.get(call.request_id)
        kiosk = self.directory.kiosk(call.kiosk_id)
        return f.ConsoleCallStarted(
            call_id=call.id,
            request_id=call.request_id,
            kiosk=kiosk["name"],
            site=kiosk["site"],
            topic=request.topic if request else None,
            language=request.language if request else None,
            started_at=self.clock_at(call.started_at).isoformat(),
            ice_url=f"/api/calls/{call.id}/ice",
            ice=self.ice(f"clerk-{call.clerk_id}"),
        )

    def ice(self, user: str) -> f.Ice:
        """The call's STUN/TURN servers with ``user``'s own short-lived TURN credentials, sent
        with ``call_started`` so that neither side waits for ``ice_url`` before connecting."""
        s = self.settings
        return f.Ice.model_validate(
            ice_configuration(
                s.stun_urls,
                s.turn_urls,
                s.turn_secret,
                user,
                self.clock.time(),
                s.turn_ttl_seconds,
                s.ice_transport_policy,
            )
        )

    @staticmethod
    def clock_at(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    def attentions_frame(self, clerk_id: int) -> f.Attentions:
        items = self.store.attentions_of_day(clerk_id, self._day_start())
        return f.Attentions(items=[f.Attention.model_validate(item) for item in items])

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.directory.office_timezone())

    def _day_start(self) -> datetime:
        local = self.clock.now(self._zone())
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def office_frame(self) -> f.Office:
        hours = self.directory.opening_hours()
        return f.Office(
            open=hours.is_open(self.clock.now(self._zone())),
            hours=[f.OpeningSpan.model_validate(span) for span in hours.describe()],
        )

    def is_open(self) -> bool:
        return self.directory.opening_hours().is_open(self.clock.now(self._zone()))

    # ------------------------------------------------------------------ queue positions
    def _queue_frame(self, place: Any) -> f.Queue:
        request = self.board.requests[place.request_id]
        return f.Queue(
            request_id=place.request_id,
            state=request.state.value,
            position=place.position,
            estimated_wait_s=place.estimated_wait_s,
            unserved=place.unserved.value if place.unserved else None,
            languages=list(place.languages),
            topics=list(place.topics),
        )

    def _push_places(self, now: float) -> None:
        if now - self._handle_checked > HANDLE_TIME_EVERY_S:
            self._handle_checked = now
            self._handle_s = self.store.average_handle_seconds(
                self.clock_at(now) - timedelta(hours=8), self.settings.average_handle_seconds
            )
        current = places(self.board, self._handle_s)
        seen: set[int] = set()
        for place in current:
            seen.add(place.kiosk_id)
            request = self.board.requests[place.request_id]
            key = (
                place.request_id,
                place.position,
                place.estimated_wait_s,
                request.state.value,
                place.unserved,
                place.languages,
                place.topics,
            )
            if self._sent_places.get(place.kiosk_id) == key:
                continue
            self._sent_places[place.kiosk_id] = key
            self.to_kiosk(place.kiosk_id, self._queue_frame(place))
        for kiosk_id in list(self._sent_places):
            if kiosk_id not in seen:
                del self._sent_places[kiosk_id]
        summary = self.queue_summary(now, current)
        key2 = (
            summary.waiting,
            summary.longest_wait_s // 10,
            tuple((u.request_id, u.reason) for u in summary.unserved),
        )
        if key2 != self._last_summary:
            self._last_summary = key2
            for conn in self.consoles:
                conn.send(summary)

    def queue_summary(self, now: float, current: list[Place] | None = None) -> f.QueueSummary:
        waiting = self.board.queue()
        oldest = min((r.created_at for r in waiting), default=now)
        unserved = []
        for place in places(self.board, self._handle_s) if current is None else current:
            if place.unserved is None:
                continue
            request = self.board.requests[place.request_id]
            unserved.append(
                f.UnservedRequest(
                    request_id=request.id,
                    kiosk=self.directory.kiosk(request.kiosk_id)["name"],
                    language=request.language,
                    topic=request.topic,
                    reason=place.unserved.value,
                    waited_s=round(now - request.created_at),
                )
            )
        return f.QueueSummary(
            waiting=len(waiting), longest_wait_s=round(now - oldest), unserved=unserved
        )

    def _place_frame(self, kiosk_id: int) -> f.Queue | None:
        for place in places(self.board, self._handle_s):
            if place.kiosk_id == kiosk_id:
                return self._queue_frame(place)
        return None

    def _check_office(self, now: float) -> None:
        if now - self._open_checked < OFFICE_EVERY_S:
            return
        self._open_checked = now
        frame = self.office_frame()
        if frame.open != self._open:
            self._open = frame.open
            for conn in self.kiosks:
                conn.send(frame)

    def _check_credentials(self, now: float) -> None:
        """Close the sockets of booths disabled and staff deactivated or logged out since they
        connected (the command line changes the database, not this process)."""
        if self._revoked is None or now - self._credentials_checked < CREDENTIALS_EVERY_S:
            return
        self._credentials_checked = now
        booths = {conn.party_id: conn.credential for conn in self.kiosks}
        for conn in self.agents:  # agents prove the secret itself, not a session
            booths.setdefault(conn.party_id, "")
        consoles = {conn.party_id: conn.credential for conn in self.consoles}
        disabled, unpaired, clerks = self._revoked(booths, consoles)
        for kiosk_id in disabled:
            self.kiosk_disabled(kiosk_id)
        for kiosk_id in unpaired:  # paired again elsewhere: the booth's agent stays
            self.kiosks.close(kiosk_id, "replaced", CLOSE_REPLACED, "paired again")
        for clerk_id in clerks:
            # a clerk who logged out will not come back to the call: end it now (the booth
            # would show a frozen picture through the console's grace period)
            self.clerk_logged_out(clerk_id)
            self.consoles.close(clerk_id, "logged_out", CLOSE_UNAUTHORISED, "session ended")

    def _drop_silent(self, now: float) -> None:
        limit = 3 * self.settings.heartbeat_seconds
        for sockets in (self.kiosks, self.consoles, self.agents):
            for conn in sockets:
                if now - conn.last_seen > limit:
                    log.info("%s %s silent for %.0f s; closing", conn.party, conn.party_id, limit)
                    conn.close(CLOSE_HEARTBEAT, "heartbeat timeout")

    # ------------------------------------------------------------------ frames in
    def current_ids(self, conn: Connection) -> tuple[str | None, str | None]:
        """(call id, attention request id) of the current call or request of a socket's booth
        (its page or its agent) or clerk: what the lines logged while handling its frame are
        about (``log_context``; endpoints.py binds them)."""
        if conn.party in (f.KIOSK, f.AGENT):
            request = self.board.live_request_of(conn.party_id)
            return (request.call_id, request.id) if request else (None, None)
        if conn.party == f.CONSOLE:
            clerk = self.board.clerks.get(conn.party_id)
            call = self.board.calls.get(clerk.call_id) if clerk and clerk.call_id else None
            return (call.id, call.request_id) if call else (None, None)
        return (None, None)

    def frame(self, conn: Connection, frame: Any) -> None:
        """Any validated frame from a booth or console: the hub's own, or a routed one."""
        if conn.party == f.KIOSK:
            self.kiosk_frame(conn, frame)
        elif conn.party == f.CONSOLE:
            self.console_frame(conn, frame)
        else:
            self._routed(conn, frame)

    def _routed(self, conn: Connection, frame: Any) -> None:
        handler = self._handlers.get((conn.party, frame.type))
        if handler is None:  # a model without a handler: a wiring bug, said as such
            log.error("no handler for %s frames of type %r", conn.party, frame.type)
            conn.send(f.Error(code="internal", message="That could not be done", ref=frame.ref))
            return
        try:
            handler(conn, frame)
        except FinestretaError as exc:
            conn.send(f.error_frame(exc, frame.ref))

    # ------------------------------------------------------------------ booths
    def kiosk_hello(self, kiosk_id: int) -> f.KioskHello:
        request = self.board.live_request_of(kiosk_id)
        call = self.board.calls.get(request.call_id) if request and request.call_id else None
        kiosk = self.directory.kiosk(kiosk_id)
        return f.KioskHello(
            kiosk=f.KioskInfo(id=kiosk_id, name=kiosk["name"], site=kiosk["site"]),
            heartbeat_s=self.settings.heartbeat_seconds,
            idle_reset_s=self.settings.kiosk_idle_reset_seconds,
            topics=list(self.topics),
            request=(
                f.LiveRequest(request_id=request.id, language=request.language, topic=request.topic)
                if request
                else None
            ),
            call=(
                self._kiosk_call_frame(call.id) if call and call.state == CallState.ACTIVE else None
            ),
        )

    def kiosk_joined(self, conn: Connection) -> None:
        kiosk_id = conn.party_id
        self.kiosks.join(conn)
        self.parties.joined(conn)
        self.bus.listen(f.KIOSK, kiosk_id)
        self._sent_places.pop(kiosk_id, None)
        self._execute(lambda b, t: replica.kiosk_joined(b, kiosk_id, t))
        hello = _media_kept(self.kiosk_hello(kiosk_id), conn.media)
        conn.send(hello)
        conn.send(self.office_frame())
        if hello.request is not None and hello.call is None:
            place = self._place_frame(kiosk_id)
            if place:
                conn.send(place)
        call = self.active_of_kiosk(kiosk_id)
        if call is not None:
            if not (hello.media_kept and hello.call and hello.call.call_id == call.id):
                self.to_clerk(call.clerk_id, f.CallRestart(call_id=call.id))
            self._tell("kiosk_back", call)

    def kiosk_left(self, conn: Connection) -> None:
        if self.kiosks.leave(conn):
            self.bus.unlisten(f.KIOSK, conn.party_id)
            if self.parties.left(conn):  # else a newer socket on another node replaced it
                self._execute(lambda b, t: replica.kiosk_gone(b, conn.party_id, t))

    def kiosk_frame(self, conn: Connection, frame: Any) -> None:
        kiosk_id = conn.party_id
        match frame:
            case f.Ping():
                conn.send(f.Pong(t=frame.t))
            case f.RequestAttention():
                if frame.topic not in self.topics:
                    conn.send(f.error_frame(UNKNOWN_TOPIC(), frame.ref))
                    return
                if not self.is_open():
                    conn.send(f.error_frame(OFFICE_CLOSED(), frame.ref))
                    conn.send(self.office_frame())
                    return
                self._run(
                    conn,
                    lambda b, t: b.request(kiosk_id, frame.language, frame.topic, t),
                    frame.ref,
                )
                self._queue_dirty = True
            case f.Cancel():
                self._run(conn, _cancel_own(kiosk_id, frame.request_id), frame.ref)
            case f.Signal():
                self._relay(conn, frame, Party.KIOSK)
            case f.HangUp():
                self._run(conn, _hang_up_own(Party.KIOSK, kiosk_id, frame.call_id), frame.ref)
            case f.Rate():
                rated_at = self.clock.now()
                clerk_id = self.store.rate(frame.request_id, kiosk_id, frame.rating, rated_at)
                if clerk_id is None:
                    conn.send(f.error_frame(NOT_RATEABLE(), frame.ref))
                    return
                conn.send(f.Rated(request_id=frame.request_id))
                for observer in self._rating_observers:
                    try:
                        observer(frame.request_id, kiosk_id, frame.rating, rated_at)
                    except Exception:  # counting must never cost the citizen's rating
                        log.exception("rating observer %r failed", observer)
                if clerk_id:  # the clerk's list of the day shows the rating at once
                    self.to_clerk(clerk_id, self.attentions_frame(clerk_id))
            case _:
                self._routed(conn, frame)

    # ------------------------------------------------------------------ consoles
    def console_hello(self, clerk_id: int) -> f.ConsoleHello:
        clerk = self.board.clerks[clerk_id]
        info = self.directory.clerk(clerk_id)
        offer = self.board.offers.get(clerk.offer_id) if clerk.offer_id else None
        call = self.board.calls.get(clerk.call_id) if clerk.call_id else None
        return f.ConsoleHello(
            clerk=f.ClerkInfo(
                id=clerk_id,
                name=info["name"],
                languages=sorted(clerk.languages),
                topics=sorted(clerk.topics),
            ),
            state=clerk.state.value,
            heartbeat_s=self.settings.heartbeat_seconds,
            ring_timeout_s=self.settings.ring_timeout_seconds,
            outcomes=list(self.settings.outcomes),
            offer=self._ring_frame(offer.id) if offer else None,
            call=(
                self._console_call_frame(call.id)
                if call and call.state == CallState.ACTIVE
                else None
            ),
            wrap_up=(
                f.WrapUpPending(call_id=call.id) if call and call.state == CallState.ENDED else None
            ),
        )

    def clerk_joined(
        self, conn: Connection, languages: frozenset[str], topics: frozenset[str]
    ) -> None:
        clerk_id = conn.party_id
        self.consoles.join(conn)
        self.parties.joined(conn)
        self.bus.listen(f.CONSOLE, clerk_id)
        # known (idle from now if new) before the hello, connected after it: a ring that the
        # connection makes follows the hello, as it would follow any later hello
        self._execute(
            lambda b, t: replica.register_clerk(b, clerk_id, languages, topics, t, idle_since=t)
        )
        hello = _media_kept(self.console_hello(clerk_id), conn.media)
        conn.send(hello)
        conn.send(self.attentions_frame(clerk_id))
        conn.send(self.queue_summary(self.clock.time()))
        self._execute(lambda b, t: replica.console_joined(b, clerk_id, languages, topics, t))
        if hello.call is not None:
            call = self.get(hello.call.call_id)
            assert call is not None
            if not hello.media_kept:
                self.to_kiosk(call.kiosk_id, f.CallRestart(call_id=call.id))
            self._tell("console_back", call)

    def clerk_left(self, conn: Connection) -> None:
        if self.consoles.leave(conn):
            self.bus.unlisten(f.CONSOLE, conn.party_id)
            if self.parties.left(conn):  # else a newer socket on another node replaced it
                self._execute(lambda b, t: replica.console_gone(b, conn.party_id, t))

    def console_frame(self, conn: Connection, frame: Any) -> None:
        clerk_id = conn.party_id
        match frame:
            case f.Ping():
                conn.send(f.Pong(t=frame.t))
            case f.SetState():
                self._run(
                    conn,
                    lambda b, t: b.set_clerk_state(clerk_id, ClerkState(frame.state), t),
                    frame.ref,
                )
            case f.Accept():
                self._run(conn, lambda b, t: b.accept(clerk_id, frame.offer_id, t), frame.ref)
            case f.Decline():
                self._run(conn, lambda b, t: b.decline(clerk_id, frame.offer_id, t), frame.ref)
            case f.Signal():
                self._relay(conn, frame, Party.CLERK)
            case f.HangUp():
                self._run(conn, _hang_up_own(Party.CLERK, clerk_id, frame.call_id), frame.ref)
            case f.WrapUp():
                if frame.outcome not in self.settings.outcomes:
                    refused = BAD_OUTCOME(f"Unknown outcome {frame.outcome!r}")
                    conn.send(f.error_frame(refused, frame.ref))
                    return
                self._run(
                    conn,
                    lambda b, t: b.wrap_up(clerk_id, frame.call_id, frame.outcome, frame.note, t),
                    frame.ref,
                )
            case _:
                self._routed(conn, frame)

    # ------------------------------------------------------------------ signalling
    def _relay(self, conn: Connection, frame: f.Signal, sender: Party) -> None:
        call = self.board.calls.get(frame.call_id)
        mine = call is not None and (
            (sender == Party.KIOSK and call.kiosk_id == conn.party_id)
            or (sender == Party.CLERK and call.clerk_id == conn.party_id)
        )
        if call is None or not mine or call.state != CallState.ACTIVE:
            refused = NO_CALL("No active call of yours with that id")
            conn.send(f.error_frame(refused, frame.ref))
            return
        out = f.SignalOut(call_id=call.id, data=frame.data)
        if sender == Party.KIOSK:
            self.to_clerk(call.clerk_id, out)
        else:
            self.to_kiosk(call.kiosk_id, out)

    # ------------------------------------------------------------------ admin
    def clerk_logged_out(self, clerk_id: int) -> None:
        """The clerk logged out: they will not come back to a call they were in, so it ends now
        instead of after the console's grace period (the booth meanwhile showed a frozen
        picture), and its citizen may ask again first in the queue."""
        self._execute(lambda b, t: b.clerk_left(clerk_id, t))

    def revoked_staff(self, sessions: dict[int, str]) -> set[int]:
        """Which of these staff sockets (staff id -> session token hash) may no longer be
        connected: logged out, session expired, account deactivated (the wallboard's)."""
        if self._revoked is None or not sessions:
            return set()
        return self._revoked({}, sessions)[2]

    def set_clerk_state(self, clerk_id: int, state: ClerkState, reason: str) -> None:
        """Someone else (a supervisor, from the wallboard) sets a clerk's state: the clerk's own
        command, recorded with ``reason``; raises ``AttentionError`` when the switchboard refuses
        (a clerk ringing, in a call or in wrap-up is ``busy``)."""
        self._execute(lambda b, t: b.set_clerk_state(clerk_id, state, t, reason))

    def kiosk_disabled(self, kiosk_id: int) -> None:
        """The booth was disabled or unpaired: its page and its agent are shut out (4403)."""
        for sockets in (self.kiosks, self.agents):
            sockets.close(kiosk_id, "disabled", CLOSE_FORBIDDEN, "kiosk disabled")


# Commands that check whose the request or call is on the board they run on: a shared keeper
# brings that board up to date first, the hub's own may lag what other nodes did.
def _cancel_own(kiosk_id: int, request_id: str | None) -> Command:
    def command(board: Switchboard, now: float) -> list[ev.Event]:
        request = board.live_request_of(kiosk_id)
        if request is None or (request_id and request_id != request.id):
            raise NO_REQUEST()
        return board.cancel(request.id, now)

    return command


def _hang_up_own(party: Party, party_id: int, call_id: str) -> Command:
    def command(board: Switchboard, now: float) -> list[ev.Event]:
        call = board.calls.get(call_id)
        whose = None if call is None else call.kiosk_id if party == Party.KIOSK else call.clerk_id
        if call is None or whose != party_id:
            raise NO_CALL("That call is not yours")
        return board.hang_up(call.id, party, now)

    return command


def _media_kept(hello: Hello, media: str | None) -> Hello:
    """``hello`` saying ``media_kept`` when the page came back with its peer connection of the
    call still connected (``?media=`` naming the hello's call): it keeps that connection and the
    other side gets no ``call_restart``. Any other ``media`` (an ended call's) changes nothing."""
    if media is None or hello.call is None or hello.call.call_id != media:
        return hello
    return hello.model_copy(update={"media_kept": True})
