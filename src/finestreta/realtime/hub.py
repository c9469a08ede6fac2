"""The hub: turns frames into switchboard commands, writes the events down, and turns events
back into frames for the booths and consoles concerned.

Commands run synchronously on the event loop (the switchboard and the database calls do not
await), so they are serialised without a lock. A ticker expires rings and grace periods, pushes
queue positions (coalesced, only to booths whose place changed) and drops silent sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from finestreta.attention import AttentionError, ClerkState, Switchboard
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
from finestreta.attention.opening_hours import OpeningHours
from finestreta.attention.states import CallState, Party
from finestreta.attention.store import AttentionStore
from finestreta.attention.waiting import places
from finestreta.config import Settings
from finestreta.media.ice import ice_configuration
from finestreta.realtime import frames as f
from finestreta.realtime.connections import Connection

if TYPE_CHECKING:
    from finestreta.realtime.device_desk import DeviceDesk

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1
# Names, hours and the like are re-read this often, so command-line changes show up quickly.
DIRECTORY_TTL_SECONDS = 5.0


class Hub:
    def __init__(
        self,
        settings: Settings,
        board: Switchboard,
        store: AttentionStore,
        directory: Directory,
        clock: Callable[[], float] = time.time,
        revoked: Callable[[dict[int, str], dict[int, str]], tuple[set[int], set[int]]]
        | None = None,
    ) -> None:
        self._revoked = revoked
        self._credentials_checked = 0.0
        self.settings = settings
        self.board = board
        self.store = store
        self.directory = directory
        self.clock = clock
        self.kiosks: dict[int, Connection] = {}
        self.consoles: dict[int, Connection] = {}
        self._sent_places: dict[int, tuple[str, int, int | None, str]] = {}
        self._queue_dirty = True
        self._last_summary: tuple[int, int] | None = None
        self._open: bool | None = None
        self._open_checked = 0.0
        self._handle_s = settings.average_handle_seconds
        self._handle_checked = 0.0
        self._ticker: asyncio.Task[None] | None = None
        self._purged_at = 0.0
        self.devices: DeviceDesk | None = None  # set by the app when devices are wired in
        # Called with the call id when a call ends (e.g. to drop personal data held for it).
        self.call_end_hooks: list[Callable[[str], None]] = []

    # ------------------------------------------------------------------ life
    async def start(self) -> None:
        now = self.clock()
        expired = self.store.load(self.board, now)
        self.store.record(expired)
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for conn in [*self.kiosks.values(), *self.consoles.values()]:
            conn.close(1001, "server going away")

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.tick()
            except Exception:  # one bad tick must not stop the queue
                log.exception("tick failed")

    def tick(self) -> None:
        now = self.clock()
        self._apply(self.board.tick(now))
        self._drop_silent()
        self._check_credentials(now)
        self._check_office(now)
        if self.devices is not None and now - self._purged_at > 3600:
            self._purged_at = now
            self.devices.purge_expired()
        if self._queue_dirty:
            self._queue_dirty = False
            self._push_places(now)

    # ------------------------------------------------------------------ applying events
    def _apply(self, events: list[Event]) -> None:
        if not events:
            return
        self.store.record(events)
        for event in events:
            self._deliver(event)
        self._queue_dirty = True

    def _run(self, conn: Connection, command: Callable[[], list[Event]], ref: str | None) -> bool:
        try:
            events = command()
        except AttentionError as exc:
            conn.send(f.error(exc.code, exc.message, ref))
            return False
        self._apply(events)
        return True

    def _deliver(self, event: Event) -> None:
        match event:
            case OfferMade():
                self.send_to_clerk(event.clerk_id, self._ring_frame(event.offer_id))
            case OfferEnded():
                self.send_to_clerk(
                    event.clerk_id,
                    {"type": "ring_ended", "offer_id": event.offer_id, "reason": event.reason},
                )
            case CallStarted():
                self.send_to_kiosk(event.kiosk_id, self._call_frame_for_kiosk(event.call_id))
                self.send_to_clerk(event.clerk_id, self._call_frame_for_clerk(event.call_id))
                if self.devices is not None:
                    self.devices.call_started(event.kiosk_id, event.clerk_id)
            case CallEnded():
                frame = {
                    "type": "call_ended",
                    "call_id": event.call_id,
                    "request_id": event.request_id,
                    "ended_by": event.ended_by,
                }
                self.send_to_kiosk(event.kiosk_id, frame)
                self.send_to_clerk(event.clerk_id, {**frame, "wrap_up": True})
                if self.devices is not None:
                    self.devices.call_ended(event.call_id, event.kiosk_id)
                for hook in self.call_end_hooks:
                    hook(event.call_id)
            case CallWrappedUp():
                self.send_to_clerk(event.clerk_id, self.attentions_frame(event.clerk_id))
            case ClerkStateChanged():
                self.send_to_clerk(
                    event.clerk_id,
                    {"type": "state", "state": event.state, "reason": event.reason},
                )
            case RequestCancelled() | RequestAbandoned():
                self._sent_places.pop(event.kiosk_id, None)
                self.send_to_kiosk(
                    event.kiosk_id,
                    {
                        "type": "request_ended",
                        "request_id": event.request_id,
                        "reason": "cancelled"
                        if isinstance(event, RequestCancelled)
                        else "abandoned",
                    },
                )
            case RequestQueued():
                pass  # its place follows with the next queue push
            case _:
                pass

    def send_to_kiosk(self, kiosk_id: int, frame: dict[str, Any]) -> None:
        conn = self.kiosks.get(kiosk_id)
        if conn is not None:
            conn.send(frame)

    def send_to_clerk(self, clerk_id: int, frame: dict[str, Any]) -> None:
        conn = self.consoles.get(clerk_id)
        if conn is not None:
            conn.send(frame)

    # ------------------------------------------------------------------ frames
    def _ring_frame(self, offer_id: str) -> dict[str, Any]:
        offer = self.board.offers[offer_id]
        request = self.board.requests[offer.request_id]
        kiosk = self.directory.kiosk(request.kiosk_id)
        now = self.clock()
        return {
            "type": "ring",
            "offer_id": offer.id,
            "request_id": request.id,
            "topic": request.topic,
            "language": request.language,
            "kiosk": kiosk["name"],
            "site": kiosk["site"],
            "waited_s": round(now - request.created_at),
            "expires_in_s": round(max(0.0, offer.deadline - now), 1),
            "ring_timeout_s": self.settings.ring_timeout_seconds,
        }

    def _call_frame_for_kiosk(self, call_id: str) -> dict[str, Any]:
        call = self.board.calls[call_id]
        clerk = self.directory.clerk(call.clerk_id)
        return {
            "type": "call_started",
            "call_id": call.id,
            "request_id": call.request_id,
            "role": "polite",
            "clerk": {"name": clerk["first_name"]},
            "ice_url": f"/api/calls/{call.id}/ice",
            "ice": self._ice(f"kiosk-{call.kiosk_id}"),
        }

    def _call_frame_for_clerk(self, call_id: str) -> dict[str, Any]:
        call = self.board.calls[call_id]
        request = self.board.requests.get(call.request_id)
        kiosk = self.directory.kiosk(call.kiosk_id)
        return {
            "type": "call_started",
            "call_id": call.id,
            "request_id": call.request_id,
            "role": "impolite",
            "kiosk": kiosk["name"],
            "site": kiosk["site"],
            "topic": request.topic if request else None,
            "language": request.language if request else None,
            "started_at": datetime.fromtimestamp(call.started_at, UTC).isoformat(),
            "ice_url": f"/api/calls/{call.id}/ice",
            "ice": self._ice(f"clerk-{call.clerk_id}"),
        }

    def _ice(self, user: str) -> dict[str, Any]:
        """The call's STUN/TURN servers, sent with ``call_started`` so that neither side waits
        for a request to ``ice_url`` before it can connect (it stays for reconnections)."""
        s = self.settings
        return ice_configuration(
            s.stun_urls,
            s.turn_urls,
            s.turn_secret,
            user,
            time.time(),
            s.turn_ttl_seconds,
            s.ice_transport_policy,
        )

    def attentions_frame(self, clerk_id: int) -> dict[str, Any]:
        return {
            "type": "attentions",
            "items": self.store.attentions_of_day(clerk_id, self._day_start()),
        }

    def _day_start(self) -> datetime:
        tz = ZoneInfo(self.directory.office_timezone())
        local = datetime.now(tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def office_frame(self) -> dict[str, Any]:
        hours = self.directory.opening_hours()
        tz = ZoneInfo(self.directory.office_timezone())
        return {
            "type": "office",
            "open": hours.is_open(datetime.now(tz)),
            "hours": hours.describe(),
        }

    # ------------------------------------------------------------------ queue positions
    def _push_places(self, now: float) -> None:
        if now - self._handle_checked > 60:
            self._handle_checked = now
            self._handle_s = self.store.average_handle_seconds(
                datetime.now(UTC) - timedelta(hours=8), self.settings.average_handle_seconds
            )
        current = places(self.board, self._handle_s)
        seen: set[int] = set()
        for place in current:
            seen.add(place.kiosk_id)
            request = self.board.requests[place.request_id]
            key = (place.request_id, place.position, place.estimated_wait_s, request.state.value)
            if self._sent_places.get(place.kiosk_id) == key:
                continue
            self._sent_places[place.kiosk_id] = key
            self.send_to_kiosk(
                place.kiosk_id,
                {
                    "type": "queue",
                    "request_id": place.request_id,
                    "state": request.state.value,
                    "position": place.position,
                    "estimated_wait_s": place.estimated_wait_s,
                },
            )
        for kiosk_id in list(self._sent_places):
            if kiosk_id not in seen:
                del self._sent_places[kiosk_id]
        waiting = len(current)
        oldest = round(
            now - min((self.board.requests[p.request_id].created_at for p in current), default=now)
        )
        summary = (waiting, oldest // 10)
        if summary != self._last_summary:
            self._last_summary = summary
            frame = {"type": "queue_summary", "waiting": waiting, "longest_wait_s": oldest}
            for conn in self.consoles.values():
                conn.send(frame)

    def _place_frame(self, kiosk_id: int) -> dict[str, Any] | None:
        for place in places(self.board, self._handle_s):
            if place.kiosk_id == kiosk_id:
                request = self.board.requests[place.request_id]
                return {
                    "type": "queue",
                    "request_id": place.request_id,
                    "state": request.state.value,
                    "position": place.position,
                    "estimated_wait_s": place.estimated_wait_s,
                }
        return None

    def _check_office(self, now: float) -> None:
        if now - self._open_checked < 5:
            return
        self._open_checked = now
        frame = self.office_frame()
        if frame["open"] != self._open:
            self._open = frame["open"]
            for conn in self.kiosks.values():
                conn.send(frame)

    def _check_credentials(self, now: float) -> None:
        """Close the sockets of booths disabled and staff deactivated since they connected
        (the command line changes the database, not this process)."""
        if self._revoked is None or now - self._credentials_checked < 2:
            return
        self._credentials_checked = now
        booths = {k: c.credential for k, c in self.kiosks.items()}
        for kiosk_id in self.devices.agents if self.devices else ():
            booths.setdefault(kiosk_id, "")  # agents prove the secret itself, not a session
        consoles = {k: c.credential for k, c in self.consoles.items()}
        kiosks, clerks = self._revoked(booths, consoles)
        for kiosk_id in kiosks:
            self.kiosk_disabled(kiosk_id)
        for clerk_id in clerks:
            conn = self.consoles.get(clerk_id)
            if conn is not None:
                conn.send({"type": "closed", "reason": "logged_out"})
                conn.close(4401, "session ended")

    def _drop_silent(self) -> None:
        limit = 3 * self.settings.heartbeat_seconds
        now = time.monotonic()
        for conn in [*self.kiosks.values(), *self.consoles.values()]:
            if now - conn.last_seen > limit:
                log.info("%s %s silent for %.0f s; closing", conn.party, conn.party_id, limit)
                conn.close(4000, "heartbeat timeout")

    # ------------------------------------------------------------------ booths
    def kiosk_joined(self, conn: Connection) -> None:
        kiosk_id = conn.party_id
        old = self.kiosks.get(kiosk_id)
        if old is not None and old is not conn:
            old.send({"type": "closed", "reason": "replaced"})
            old.close(4409, "replaced by a newer connection")
        self.kiosks[kiosk_id] = conn
        self._sent_places.pop(kiosk_id, None)
        now = self.clock()
        self.board.kiosk_connected(kiosk_id, now)
        request = self.board.live_request_of(kiosk_id)
        call = self.board.calls.get(request.call_id) if request and request.call_id else None
        kiosk = self.directory.kiosk(kiosk_id)
        conn.send(
            {
                "type": "hello",
                "protocol": f.PROTOCOL_VERSION,
                "kiosk": {"id": kiosk_id, "name": kiosk["name"], "site": kiosk["site"]},
                "heartbeat_s": self.settings.heartbeat_seconds,
                "idle_reset_s": self.settings.kiosk_idle_reset_seconds,
                "request": (
                    {"request_id": request.id, "language": request.language, "topic": request.topic}
                    if request
                    else None
                ),
                "call": (
                    self._call_frame_for_kiosk(call.id)
                    if call and call.state == CallState.ACTIVE
                    else None
                ),
            }
        )
        conn.send(self.office_frame())
        if request is not None and call is None:
            place = self._place_frame(kiosk_id)
            if place:
                conn.send(place)
        if call is not None and call.state == CallState.ACTIVE:
            self.send_to_clerk(call.clerk_id, {"type": "call_restart", "call_id": call.id})
            if self.devices is not None:
                self.devices.kiosk_page_back(kiosk_id)

    def kiosk_left(self, conn: Connection) -> None:
        if self.kiosks.get(conn.party_id) is conn:
            del self.kiosks[conn.party_id]
            self.board.kiosk_disconnected(conn.party_id, self.clock())

    def kiosk_frame(self, conn: Connection, frame: Any) -> None:
        kiosk_id = conn.party_id
        now = self.clock()
        match frame:
            case f.Ping():
                conn.send({"type": "pong", "t": frame.t})
            case f.RequestAttention():
                if not self.office_frame()["open"]:
                    conn.send(f.error("closed", "The office is closed now", frame.ref))
                    conn.send(self.office_frame())
                    return
                self._run(
                    conn,
                    lambda: self.board.request(kiosk_id, frame.language, frame.topic, now),
                    frame.ref,
                )
                self._queue_dirty = True
            case f.Cancel():
                request = self.board.live_request_of(kiosk_id)
                if request is None or (frame.request_id and frame.request_id != request.id):
                    conn.send(f.error("no_request", "There is no request to cancel", frame.ref))
                    return
                self._run(conn, lambda: self.board.cancel(request.id, now), frame.ref)
            case f.Signal():
                self._relay(conn, frame, Party.KIOSK)
            case f.HangUp():
                call = self.board.calls.get(frame.call_id)
                if call is None or call.kiosk_id != kiosk_id:
                    conn.send(f.error("no_call", "That call is not yours", frame.ref))
                    return
                self._run(conn, lambda: self.board.hang_up(call.id, Party.KIOSK, now), frame.ref)
            case f.MediaStatus():
                if self.devices is not None:
                    self.devices.media_status(kiosk_id, frame.camera, frame.microphone)
            case f.ScanReady():
                if self.devices is None or not self.devices.scan_ready(kiosk_id, frame.job_id):
                    conn.send(f.error("no_job", "No scan of this booth waits for that", frame.ref))
            case f.Rate():
                clerk_id = self.store.rate(
                    frame.request_id, kiosk_id, frame.rating, datetime.now(UTC)
                )
                if clerk_id is None:
                    conn.send(f.error("not_rateable", "That attention cannot be rated", frame.ref))
                    return
                conn.send({"type": "rated", "request_id": frame.request_id})
                if clerk_id:  # the clerk's list of the day shows the rating at once
                    self.send_to_clerk(clerk_id, self.attentions_frame(clerk_id))

    # ------------------------------------------------------------------ consoles
    def clerk_joined(
        self, conn: Connection, languages: frozenset[str], topics: frozenset[str]
    ) -> None:
        clerk_id = conn.party_id
        old = self.consoles.get(clerk_id)
        if old is not None and old is not conn:
            old.send({"type": "closed", "reason": "replaced"})
            old.close(4409, "replaced by a newer connection")
        self.consoles[clerk_id] = conn
        now = self.clock()
        clerk = self.board.register_clerk(clerk_id, languages, topics, idle_since=now)
        info = self.directory.clerk(clerk_id)
        offer = self.board.offers.get(clerk.offer_id) if clerk.offer_id else None
        call = self.board.calls.get(clerk.call_id) if clerk.call_id else None
        conn.send(
            {
                "type": "hello",
                "protocol": f.PROTOCOL_VERSION,
                "clerk": {
                    "id": clerk_id,
                    "name": info["name"],
                    "languages": sorted(clerk.languages),
                    "topics": sorted(clerk.topics),
                },
                "state": clerk.state.value,
                "heartbeat_s": self.settings.heartbeat_seconds,
                "ring_timeout_s": self.settings.ring_timeout_seconds,
                "outcomes": list(self.settings.outcomes),
                "offer": self._ring_frame(offer.id) if offer else None,
                "call": (
                    self._call_frame_for_clerk(call.id)
                    if call and call.state == CallState.ACTIVE
                    else None
                ),
                "wrap_up": (
                    {"call_id": call.id} if call and call.state == CallState.ENDED else None
                ),
            }
        )
        conn.send(self.attentions_frame(clerk_id))
        waiting = self.board.queue()
        conn.send(
            {
                "type": "queue_summary",
                "waiting": len(waiting),
                "longest_wait_s": round(now - min((r.created_at for r in waiting), default=now)),
            }
        )
        self._apply(self.board.console_connected(clerk_id, now))
        if call is not None and call.state == CallState.ACTIVE:
            self.send_to_kiosk(call.kiosk_id, {"type": "call_restart", "call_id": call.id})
            if self.devices is not None:  # the devices panel is current after a reload too
                conn.send(self.devices.devices_frame(call.kiosk_id))

    def clerk_left(self, conn: Connection) -> None:
        if self.consoles.get(conn.party_id) is conn:
            del self.consoles[conn.party_id]
            self.board.console_disconnected(conn.party_id, self.clock())

    def console_frame(self, conn: Connection, frame: Any) -> None:
        clerk_id = conn.party_id
        now = self.clock()
        match frame:
            case f.Ping():
                conn.send({"type": "pong", "t": frame.t})
            case f.SetState():
                self._run(
                    conn,
                    lambda: self.board.set_clerk_state(clerk_id, ClerkState(frame.state), now),
                    frame.ref,
                )
            case f.Accept():
                self._run(conn, lambda: self.board.accept(clerk_id, frame.offer_id, now), frame.ref)
            case f.Decline():
                self._run(
                    conn, lambda: self.board.decline(clerk_id, frame.offer_id, now), frame.ref
                )
            case f.Signal():
                self._relay(conn, frame, Party.CLERK)
            case f.HangUp():
                call = self.board.calls.get(frame.call_id)
                if call is None or call.clerk_id != clerk_id:
                    conn.send(f.error("no_call", "That call is not yours", frame.ref))
                    return
                self._run(conn, lambda: self.board.hang_up(call.id, Party.CLERK, now), frame.ref)
            case f.WrapUp():
                if frame.outcome not in self.settings.outcomes:
                    conn.send(
                        f.error("bad_outcome", f"Unknown outcome {frame.outcome!r}", frame.ref)
                    )
                    return
                self._run(
                    conn,
                    lambda: self.board.wrap_up(
                        clerk_id, frame.call_id, frame.outcome, frame.note, now
                    ),
                    frame.ref,
                )

    # ------------------------------------------------------------------ signalling
    def _relay(self, conn: Connection, frame: f.Signal, sender: Party) -> None:
        call = self.board.calls.get(frame.call_id)
        mine = call is not None and (
            (sender == Party.KIOSK and call.kiosk_id == conn.party_id)
            or (sender == Party.CLERK and call.clerk_id == conn.party_id)
        )
        if call is None or not mine or call.state != CallState.ACTIVE:
            conn.send(f.error("no_call", "No active call of yours with that id", frame.ref))
            return
        out = {"type": "signal", "call_id": call.id, "data": frame.data}
        if sender == Party.KIOSK:
            self.send_to_clerk(call.clerk_id, out)
        else:
            self.send_to_kiosk(call.kiosk_id, out)

    # ------------------------------------------------------------------ admin
    def kiosk_disabled(self, kiosk_id: int) -> None:
        if self.devices is not None:
            self.devices.kiosk_disabled(kiosk_id)
        conn = self.kiosks.get(kiosk_id)
        if conn is not None:
            conn.send({"type": "closed", "reason": "disabled"})
            conn.close(4403, "kiosk disabled")


class Directory:
    """Names of kiosks, sites and clerks, and the office's hours, cached from the database."""

    def __init__(self, loader: Callable[[], dict[str, Any]]) -> None:
        self._loader = loader
        self._data: dict[str, Any] = {}
        self._loaded_at = 0.0

    def _get(self) -> dict[str, Any]:
        if time.monotonic() - self._loaded_at > DIRECTORY_TTL_SECONDS or not self._data:
            self._data = self._loader()
            self._loaded_at = time.monotonic()
        return self._data

    def refresh(self) -> None:
        self._loaded_at = 0.0

    def kiosk(self, kiosk_id: int) -> dict[str, str]:
        data = self._get()["kiosks"].get(kiosk_id)
        if data is None:
            self.refresh()
            data = self._get()["kiosks"].get(kiosk_id, {"name": f"#{kiosk_id}", "site": ""})
        return dict(data)

    def clerk(self, clerk_id: int) -> dict[str, str]:
        data = self._get()["clerks"].get(clerk_id)
        if data is None:
            self.refresh()
            data = self._get()["clerks"].get(clerk_id, {"name": f"#{clerk_id}", "first_name": ""})
        return dict(data)

    def opening_hours(self) -> OpeningHours:
        hours: OpeningHours = self._get()["hours"]
        return hours

    def office_timezone(self) -> str:
        return str(self._get()["timezone"])
