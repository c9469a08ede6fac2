"""The live wallboard: supervisors' sockets (``/ws/supervisor``), fed from the hub.

A supervisor's socket watches; it is not a console, so the switchboard never rings it (a
supervisor who also answers calls opens the console beside it). On connect it gets a
``wallboard`` frame; then another whenever the hub's state changes, coalesced to at most one
every :data:`PUSH_EVERY_S` seconds, the same text for every socket (built and serialised once).

Today's figures are kept folded in memory (:class:`kpis.Fold`): the day's log is read once,
when the first supervisor connects (and again after midnight), then every event the hub
applies, and every rating, is folded in as it comes; the figures are computed again at most
every :data:`TODAY_EVERY_S` seconds, and only the groups of the attentions that changed. Procedure steps are read for a call when
it ends and when it is wrapped up (one small query). Booths' device health is read every
:data:`BOOTHS_EVERY_S` seconds while someone watches.

A clerk asks for help from the console (``ask_help``); the call stays on every wallboard until
the clerk takes it back, goes offline or a supervisor acknowledges it. A supervisor sets a
clerk available or away through the switchboard's own command (reason ``supervisor``): refused
(``clerk_busy``) while the clerk is ringing, in a call or in wrap-up, never queued for later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from finestreta.attention import events as ev
from finestreta.attention.states import CHOOSABLE_CLERK_STATES, ClerkState
from finestreta.db import Database
from finestreta.devices.records import DeviceHealthRow
from finestreta.devices.service import printer_can_print
from finestreta.errors import N_, Conflict, declare
from finestreta.procedures.records import ProcedureStepRow
from finestreta.realtime import frames as f
from finestreta.realtime.connections import (
    CLOSE_GOING_AWAY,
    CLOSE_HEARTBEAT,
    CLOSE_UNAUTHORISED,
    Connection,
    Sockets,
)
from finestreta.realtime.hub import Hub
from finestreta.supervision.event_log import read_log
from finestreta.supervision.kpis import (
    KINDS,
    Attention,
    Fold,
    LoggedEvent,
    ProcedureStep,
    Thresholds,
    in_period,
)
from finestreta.supervision.wallboard import DayFigures, at_iso, day_json, logged, now_view

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1
PUSH_EVERY_S = 0.5  # at most two pushes a second to each socket
BOOTHS_EVERY_S = 2.0
CREDENTIALS_EVERY_S = 2.0
# Today's figures are computed again at most this often (the "now" part goes with every push):
# at the end of a busy day that costs a few milliseconds (bench/wallboard.py).
TODAY_EVERY_S = 2.0

CLERK_BUSY = declare(
    "clerk_busy",
    Conflict,
    N_("That clerk is ringing, in a call or wrapping up: change their state when they finish."),
)
CLERK_NOT_CONNECTED = declare(
    "clerk_not_connected",
    Conflict,
    N_("That clerk's console is not connected."),
)
NO_HELP_REQUEST = declare(
    "no_help_request", Conflict, N_("That clerk is not asking for help any more.")
)


class Wallboard:
    def __init__(self, hub: Hub, db: Database) -> None:
        self.hub = hub
        self.db = db
        self.thresholds = Thresholds(answer_within=hub.settings.service_level_seconds)
        self.sockets = Sockets(f.SUPERVISOR)
        self.clerk_since: dict[int, float] = {}
        self.help: dict[int, float] = {}  # clerk id -> since when they ask
        self.pushes = 0
        self._fold: Fold | None = None
        self._figures = DayFigures()
        self._touched: set[str] | None = None  # request ids changed since today was computed
        self._today: dict[str, Any] | None = None
        self._today_stale = True
        self._today_at = float("-inf")
        self._day: date | None = None
        self._sites: dict[int, str] = {}
        self._problems: dict[int, str] = {}
        self._pages: set[int] = set()
        self._booths_read = 0.0
        self._credentials_checked = 0.0
        self._dirty = False
        self._pushed_at = 0.0
        self._ticker: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ what the hub tells
    def observe(self, events: Iterable[ev.Event]) -> None:
        """A batch of switchboard events, as the hub applies them (``Hub.observe``)."""
        for event in events:
            match event:
                case ev.ClerkStateChanged():
                    self.clerk_since[event.clerk_id] = event.at
                    if event.state == ClerkState.OFFLINE.value:
                        self.help.pop(event.clerk_id, None)
                case ev.PresenceChanged():
                    continue  # not a KPI's, and a socket's coming is seen at the next push
            if self._fold is not None and event.kind in KINDS:  # what the KPIs read
                self._fold.add(logged(event))
                self._touch(getattr(event, "request_id", None))
                if isinstance(event, ev.CallEnded | ev.CallWrappedUp):
                    self._read_steps(event.call_id)
        self._dirty = True

    def rated(self, request_id: str, kiosk_id: int, rating: int, at: datetime) -> None:
        """A citizen's rating, once stored (``Hub.observe_ratings``)."""
        if self._fold is not None:
            self._touch(request_id)
            self._fold.add(
                LoggedEvent(
                    "request_rated",
                    at,
                    request_id=request_id,
                    kiosk_id=kiosk_id,
                    data={"rating": rating},
                )
            )
        self._dirty = True

    def _touch(self, request_id: str | None) -> None:
        if request_id is not None and self._touched is not None:
            self._touched.add(request_id)
        self._today_stale = True

    def _read_steps(self, call_id: str) -> None:
        assert self._fold is not None
        attention = self._fold.by_call.get(call_id)
        if attention is None:
            return
        self._touch(attention.request_id)  # a wrap-up names its call, not its request
        with self.db.session() as session:
            attention.steps = [
                ProcedureStep(row.at, row.call_id, row.procedure, row.step, row.outcome)
                for row in session.scalars(
                    select(ProcedureStepRow)
                    .where(ProcedureStepRow.call_id == call_id)
                    .order_by(ProcedureStepRow.id)
                )
            ]

    # ------------------------------------------------------------------ the day
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.hub.directory.office_timezone())

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of the city's ``day``, in UTC."""
        zone = self._zone()
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)

    def today(self) -> date:
        return self.hub.clock.now(self._zone()).date()

    def _ensure_day(self) -> None:
        """Read today's log once (and again when the day changes); events fold in after."""
        today = self.today()
        if self._fold is not None and self._day == today:
            return
        start, end = self.day_bounds(today)
        events = read_log(self.db, start, end)
        fold = Fold()
        for event in sorted(events.events, key=lambda e: e.at):
            fold.add(event)
        for step in events.steps:
            fold.add_step(step)
        self._fold, self._day, self._sites = fold, today, events.sites
        self._figures, self._touched, self._today = DayFigures(), None, None
        self._today_stale = True
        self._dirty = True

    def today_attentions(self) -> list[Attention]:
        """Today's attentions, as folded so far (the cut rule: queued today)."""
        self._ensure_day()
        assert self._fold is not None and self._day is not None
        start, end = self.day_bounds(self._day)
        return in_period(self._fold.attentions(), start, end)

    def today_json(self, fresh: bool = False) -> dict[str, Any]:
        """Today's figures: computed again only after something changed, at most every
        :data:`TODAY_EVERY_S` seconds unless ``fresh``, and then only the breakdowns' groups of
        the attentions that changed (``DayFigures``)."""
        chosen = self.today_attentions()
        now = self.hub.clock.time()
        recent = now - self._today_at < TODAY_EVERY_S
        if self._today is not None and (not self._today_stale or (recent and not fresh)):
            return self._today
        assert self._day is not None
        start, end = self.day_bounds(self._day)
        kiosks = self.hub.directory.kiosks()
        self._today = self._figures.update(
            chosen,
            self._touched,
            start,
            end,
            self._sites,
            {k: str(v.get("name", f"#{k}")) for k, v in kiosks.items()},
            self._names({a.clerk_id for a in chosen if a.clerk_id is not None}),
            self.thresholds,
            self._zone(),
        )
        self._touched, self._today_stale, self._today_at = set(), False, now
        return self._today

    def figures_json(
        self, attentions: list[Attention], start: datetime, end: datetime, sites: dict[int, str]
    ) -> dict[str, Any]:
        kiosks = self.hub.directory.kiosks()
        names = {k: str(v.get("name", f"#{k}")) for k, v in kiosks.items()}
        return day_json(
            attentions,
            start,
            end,
            sites,
            names,
            self._names({a.clerk_id for a in attentions if a.clerk_id is not None}),
            self.thresholds,
            self._zone(),
        )

    # ------------------------------------------------------------------ the frame
    def _name(self, staff_id: int) -> str:
        return str(self.hub.directory.clerk(staff_id).get("name") or f"#{staff_id}")

    def _names(self, staff_ids: Iterable[int]) -> dict[int, str]:
        return {staff_id: self._name(staff_id) for staff_id in staff_ids}

    def _read_booths(self, now: float) -> None:
        self._booths_read = now
        agents = set(self.hub.agents.ids())
        with self.db.session() as session:
            health = {
                row.kiosk_id: dict(row.agent or {})
                for row in session.scalars(select(DeviceHealthRow))
            }
        problems = {}
        for kiosk_id in self.hub.directory.kiosks():
            ok, reason = printer_can_print(health.get(kiosk_id), kiosk_id in agents)
            if not ok:
                problems[kiosk_id] = reason
        if problems != self._problems:
            self._problems = problems
            self._dirty = True

    def frame(self) -> f.Wallboard:
        now = self.hub.clock.time()
        board = self.hub.board
        return f.Wallboard(
            now=now_view(
                board,
                now,
                self.hub.directory.kiosks(),
                self._names(board.clerks),
                self.clerk_since,
                self._pages,
                self._problems,
            ),
            help=[
                f.HelpCall(clerk_id=clerk_id, name=self._name(clerk_id), since=at_iso(since))
                for clerk_id, since in sorted(self.help.items(), key=lambda item: item[1])
            ],
            today=self.today_json(),
            answer_within_s=self.thresholds.answer_within,
        )

    def push(self) -> None:
        """The wallboard to every watching socket: built and serialised once."""
        self._dirty = False
        self._pushed_at = self.hub.clock.time()
        self.sockets.broadcast(self.frame())
        self.pushes += 1

    def tick(self) -> None:
        now = self.hub.clock.time()
        if now - self._booths_read >= BOOTHS_EVERY_S:
            self._read_booths(now)
        if self._day is not None and self.today() != self._day:
            self._ensure_day()
        pages = set(self.hub.kiosks.ids())
        if pages != self._pages:  # a booth's page came or went: no switchboard event says so
            self._pages, self._dirty = pages, True
        self._drop_silent(now)
        if self._today_stale and now - self._today_at >= TODAY_EVERY_S:
            self._dirty = True  # what changed today waited for its turn: push it now
        if now - self._credentials_checked >= CREDENTIALS_EVERY_S:
            self._check_credentials(now)
        if self._dirty and now - self._pushed_at >= PUSH_EVERY_S:
            self.push()

    def _check_credentials(self, now: float) -> None:
        """Close the sockets of supervisors logged out or deactivated since they connected."""
        self._credentials_checked = now
        sessions = {conn.party_id: conn.credential for conn in self.sockets}
        for staff_id in self.hub.revoked_staff(sessions):
            self.sockets.close(staff_id, "logged_out", CLOSE_UNAUTHORISED, "session ended")

    def _drop_silent(self, now: float) -> None:
        limit = 3 * self.hub.settings.heartbeat_seconds
        for conn in self.sockets:
            if now - conn.last_seen > limit:
                conn.close(CLOSE_HEARTBEAT, "heartbeat timeout")

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.tick()
            except Exception:  # one bad tick must not stop the board
                log.exception("wallboard tick failed")

    # ------------------------------------------------------------------ sockets
    def joined(self, conn: Connection) -> None:
        self.sockets.join(conn)
        self._pages = set(self.hub.kiosks.ids())
        self._read_booths(self.hub.clock.time())
        conn.send(self.frame())
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    def left(self, conn: Connection) -> None:
        self.sockets.leave(conn)
        if not len(self.sockets) and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for conn in self.sockets:
            conn.close(CLOSE_GOING_AWAY, "server going away")

    def on_frame(self, conn: Connection, frame: Any) -> None:
        """A supervisor's frame (``/ws/supervisor``); a refusal raises (an ``error`` frame)."""
        match frame:
            case f.Ping():
                conn.send(f.Pong(t=frame.t))
            case f.AcknowledgeHelp():
                if self.help.pop(frame.clerk_id, None) is None:
                    raise NO_HELP_REQUEST(f"Clerk {frame.clerk_id} is not asking for help")
                who = self._name(conn.party_id)
                self.hub.to_clerk(frame.clerk_id, f.HelpState(active=False, acknowledged_by=who))
                self._dirty = True
            case f.SetClerkState():
                clerk = self.hub.board.clerks.get(frame.clerk_id)
                if clerk is None or not clerk.connected:
                    raise CLERK_NOT_CONNECTED(f"Clerk {frame.clerk_id} has no console open")
                if clerk.state not in CHOOSABLE_CLERK_STATES:
                    raise CLERK_BUSY(f"Clerk {frame.clerk_id} is {clerk.state.value}")
                log.info(
                    "supervisor %s sets clerk %s %s", conn.party_id, frame.clerk_id, frame.state
                )
                self.hub.set_clerk_state(frame.clerk_id, ClerkState(frame.state), "supervisor")

    def ask_help(self, conn: Connection, frame: f.AskHelp) -> None:
        """A clerk's ``ask_help`` (routed by the hub from the console socket)."""
        clerk_id = conn.party_id
        if frame.active:
            since = self.help.setdefault(clerk_id, self.hub.clock.time())
            conn.send(f.HelpState(active=True, since=at_iso(since)))
        else:
            self.help.pop(clerk_id, None)
            conn.send(f.HelpState(active=False))
        self._dirty = True
