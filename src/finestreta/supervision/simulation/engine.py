"""A discrete-event simulation that drives the real switchboard through simulated days.

Time is simulated: an event queue (``heapq``) of what happens next, each handled at its instant
by calling the :class:`~finestreta.attention.switchboard.Switchboard`'s commands with that
instant, exactly as the live hub calls them with the wall clock. Everything random comes from one
seeded ``random.Random``, and ids from another, so a seed gives the same history every time.

What happens, by whom:

* citizens arrive at a booth (a non-homogeneous Poisson process, ``parameters``); one at a time
  uses a booth, the next waits in front of it. They request attention, wait, cancel when their
  patience runs out (or, rarely, the booth's connection drops), talk, and sometimes rate;
* clerks log in before opening, take a staggered morning break and a few short aways, answer
  (or decline, or miss) the offers that ring, run the topic's procedure during the call (its
  steps are written as the real procedures write them), hang up and wrap up, and log out after
  closing once their last call is wrapped up;
* booths' devices fail on a schedule (``incidents``) and recover.

Nothing is written here: each closed day is handed over as a :class:`Day` (the writes in the
order they happened) to a callback, which the database side persists in one transaction.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from finestreta.attention.errors import AttentionError
from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    ClerkStateChanged,
    Event,
    OfferEnded,
    OfferMade,
)
from finestreta.attention.states import ClerkState, Party
from finestreta.attention.switchboard import RoutingRules, Switchboard
from finestreta.supervision.simulation.incidents import HealthReport
from finestreta.supervision.simulation.parameters import (
    FRIDAY,
    Lognormal,
    Parameters,
    Script,
    check,
)

K = TypeVar("K")


@dataclass(frozen=True)
class Booth:
    id: int
    weight: float = 1.0  # its arrivals are the model's times this


@dataclass(frozen=True)
class Clerk:
    id: int
    languages: frozenset[str]
    topics: frozenset[str]


# ---------------------------------------------------------------------- what a day writes


@dataclass(frozen=True)
class StepDone:
    """A procedure step, as ``StepLog.record`` writes it."""

    at: float
    procedure: str
    step: str
    outcome: str
    call_id: str
    clerk_id: int
    detail: dict[str, Any]


@dataclass(frozen=True)
class Rating:
    """The booth's rating, as ``AttentionStore.rate`` takes it."""

    at: float
    request_id: str
    kiosk_id: int
    rating: int


Write = list[Event] | StepDone | Rating | HealthReport


@dataclass
class Day:
    day: date
    writes: list[Write] = field(default_factory=list)


@dataclass
class Totals:
    days: int = 0
    open_days: int = 0
    requests: int = 0
    answered: int = 0
    cancelled: int = 0
    abandoned: int = 0
    ratings: int = 0
    steps: int = 0
    health_reports: int = 0


# ---------------------------------------------------------------------- the simulation


@dataclass(frozen=True)
class _InLine:
    """A citizen who arrived while the booth was in use and waits in front of it."""

    language: str
    topic: str
    arrived: float
    closes: float  # the closing time of the period they arrived in


@dataclass
class _BoothState:
    booth: Booth
    busy: bool = False  # a citizen is using it
    line: deque[_InLine] = field(default_factory=deque)  # citizens waiting in front of it
    printer_ok: bool = True


@dataclass
class _ClerkState:
    clerk: Clerk
    index: int
    on_shift: bool = False
    shift_ends: float = 0.0  # the closing time of the period the clerk works now
    leaving: bool = False  # past closing and overtime: takes no new citizen


@dataclass
class _Citizen:
    request_id: str
    kiosk_id: int
    language: str
    topic: str
    queued_at: float
    answered_at: float | None = None


class Simulation:
    def __init__(
        self,
        parameters: Parameters,
        booths: Sequence[Booth],
        clerks: Sequence[Clerk],
        start: date,
        days: int,
        seed: int,
        *,
        rules: RoutingRules | None = None,
        first_seq: int = 1,
    ) -> None:
        check(parameters)
        self.p = parameters
        self.tz = ZoneInfo(parameters.timezone)
        self.start, self.days, self.seed = start, days, seed
        self.rng = random.Random(seed)
        # ids depend on the first day too: a later run with the same seed gets new ones
        ids = random.Random(f"{seed}/{start.isoformat()}")
        self.board = Switchboard(rules, new_id=lambda: f"{ids.getrandbits(128):032x}")
        self.board.note_next_seq(first_seq)
        self.rules = self.board.rules
        self.booths = {b.id: _BoothState(b) for b in booths}
        self.clerks = {c.id: _ClerkState(c, i) for i, c in enumerate(clerks)}
        for clerk in clerks:
            self.board.register_clerk(clerk.id, clerk.languages, clerk.topics)
        self.health: dict[date, list[HealthReport]] = {}
        self.totals = Totals()
        self._queue: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._day = Day(start)
        self._citizens: dict[str, _Citizen] = {}
        self._pending_outcome: dict[str, str] = {}  # call id -> its wrap-up outcome

    def report_health(self, reports: Iterable[HealthReport]) -> None:
        """Booth device reports to write on their day (``incidents``)."""
        for report in sorted(reports, key=lambda r: (r.at, r.kiosk_id)):
            self.health.setdefault(self._local_day(report.at), []).append(report)

    # ------------------------------------------------------------------ running
    def run(self, write: Callable[[Day], None]) -> Totals:
        """Simulate every day, handing each to ``write`` once all of it has happened."""
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            self._day = Day(day)
            self.totals.days += 1
            periods = self.open_periods(day)
            if periods:
                self.totals.open_days += 1
                self._plan_day(day, periods)
            for report in self.health.get(day, ()):
                self._at(report.at, self._health, report)
            while self._queue:
                at, _, handler, args = heapq.heappop(self._queue)
                handler(at, *args)
            write(self._day)
        return self.totals

    def open_periods(self, day: date) -> list[tuple[float, float]]:
        """The day's opening periods as epoch seconds (none on a holiday or a closed day)."""
        if (day.month, day.day) in self.p.holidays:
            return []
        return [
            (self._epoch(day, opens), self._epoch(day, closes))
            for opens, closes in self.p.opening.get(day.weekday(), ())
        ]

    def is_open(self, day: date, moment: time) -> bool:
        at = self._epoch(day, moment)
        return any(opens <= at < closes for opens, closes in self.open_periods(day))

    def expected_requests(self) -> float:
        """The arrival model's expected number of requests over the whole run."""
        total = 0.0
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            for opens, closes in self.open_periods(day):
                for booth in self.booths.values():
                    for begin, end, rate in self._segments(day, opens, closes, booth.booth):
                        total += rate * (end - begin) / 3600.0
        return total

    # ------------------------------------------------------------------ the queue
    def _at(self, at: float, handler: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self._queue, (at, next(self._order), handler, args))

    def _apply(self, events: list[Event]) -> None:
        """Write the switchboard's events down and react to them as the parties would."""
        if not events:
            return
        self._day.writes.append(events)
        for event in events:
            match event:
                case OfferMade():
                    self._offered(event)
                case OfferEnded(reason="declined" | "expired"):
                    # the clerk who let it pass may be rung for it again after a ring timeout
                    self._at(event.at + self.rules.ring_timeout, self._tick)
                case CallStarted():
                    self._answered(event)
                case CallEnded():
                    self._hung_up(event)
                case ClerkStateChanged(state="away", reason="missed_rings"):
                    # back after a minute or two, if still on shift
                    self._at(event.at + self.rng.uniform(60, 180), self._back, event.clerk_id)

    def _command(self, command: Callable[[], list[Event]]) -> bool:
        try:
            events = command()
        except AttentionError:  # refused, as the hub would be: nothing changed
            return False
        self._apply(events)
        return True

    def _tick(self, now: float) -> None:
        self._apply(self.board.tick(now))

    # ------------------------------------------------------------------ planning a day
    def _plan_day(self, day: date, periods: list[tuple[float, float]]) -> None:
        for booth in self.booths.values():
            self.board.kiosk_connected(booth.booth.id, periods[0][0])
            for opens, closes in periods:
                for begin, end, rate in self._segments(day, opens, closes, booth.booth):
                    self._arrivals(begin, end, rate, booth.booth.id, closes)
        for state in self.clerks.values():
            if self.rng.random() < self.p.absence:
                continue
            self._plan_shift(day, periods, state)

    def _segments(
        self, day: date, opens: float, closes: float, booth: Booth
    ) -> Iterable[tuple[float, float, float]]:
        """[begin, end) pieces of an opening period with their arrival rate per hour."""
        friday_afternoon = self._epoch(day, self.p.afternoon_from)
        factor = self.p.weekday_factor.get(day.weekday(), 1.0) * booth.weight
        for hour, rate in sorted(self.p.arrivals_per_booth_hour.items()):
            if not 0 <= hour <= 23:
                continue
            begin = max(opens, self._epoch(day, time(hour)))
            end = min(closes, self._epoch(day, time(hour)) + 3600.0)
            if end <= begin or rate <= 0:
                continue
            scale = factor
            if day.weekday() == FRIDAY and begin >= friday_afternoon:
                scale *= self.p.friday_afternoon_factor
            yield begin, end, rate * scale

    def _arrivals(
        self, begin: float, end: float, per_hour: float, kiosk_id: int, closes: float
    ) -> None:
        if per_hour <= 0:
            return
        at = begin
        while True:
            at += self.rng.expovariate(per_hour / 3600.0)
            if at >= end:
                return
            language = _choice(self.rng, self.p.languages)
            topic = _choice(self.rng, self.p.topics)
            self._at(at, self._arrive, _InLine(language, topic, at, closes), kiosk_id)

    def _plan_shift(
        self, day: date, periods: list[tuple[float, float]], state: _ClerkState
    ) -> None:
        p = self.p
        for number, (opens, closes) in enumerate(periods):
            afternoon = number > 0
            if (
                afternoon
                and p.friday_afternoon_off
                and day.weekday() == FRIDAY
                and state.index % 2 == 1
            ):
                continue
            login = opens - self.rng.uniform(0, p.login_early)
            self._at(login, self._log_in, state.clerk.id, closes)
            self._at(closes, self._log_out, state.clerk.id, closes)
        brk = self._epoch(day, p.morning_break) + state.index * p.break_stagger
        if any(opens <= brk and brk + p.break_length <= closes for opens, closes in periods):
            self._at(brk, self._away, state.clerk.id, p.break_length)
        for _ in range(_poisson(self.rng, p.short_aways)):
            opens, closes = self.rng.choice(periods)
            start = self.rng.uniform(opens, max(opens, closes - p.short_away))
            self._at(start, self._away, state.clerk.id, p.short_away * self.rng.uniform(0.5, 1.5))

    # ------------------------------------------------------------------ clerks
    def _log_in(self, now: float, clerk_id: int, closes: float) -> None:
        state = self.clerks[clerk_id]
        state.on_shift, state.shift_ends, state.leaving = True, closes, False
        self._apply(self.board.console_connected(clerk_id, now))
        self._command(lambda: self.board.set_clerk_state(clerk_id, ClerkState.AVAILABLE, now))

    def _log_out(self, now: float, clerk_id: int, closes: float) -> None:
        """At closing, once the clerk's calls are over; citizens who were already at a booth
        at closing time are still answered, for up to ``overtime``; after that the clerk
        finishes the call in hand and declines new ones."""
        state = self.clerks[clerk_id]
        if state.shift_ends != closes or not state.on_shift:
            return  # a long call ran into the next period: the clerk works on
        clerk = self.board.clerks[clerk_id]
        busy = clerk.state not in (ClerkState.AVAILABLE, ClerkState.AWAY, ClerkState.OFFLINE)
        late = now >= closes + self.p.overtime
        state.leaving = late
        waiting = any(clerk.serves(r) for r in self.board.queue()) or any(
            b.line for b in self.booths.values()
        )
        if busy or (waiting and not late):
            self._at(now + 30.0, self._log_out, clerk_id, closes)
            return
        state.on_shift = False
        self._command(lambda: self.board.set_clerk_state(clerk_id, ClerkState.OFFLINE, now))
        self._apply(self.board.console_disconnected(clerk_id, now))

    def _away(self, now: float, clerk_id: int, length: float) -> None:
        """A break: the clerk steps away when free, and is back after ``length``."""
        if not self.clerks[clerk_id].on_shift:
            return
        clerk = self.board.clerks[clerk_id]
        if clerk.state == ClerkState.AWAY:
            return
        if clerk.state != ClerkState.AVAILABLE:
            self._at(now + 30.0, self._away, clerk_id, length)
            return
        self._command(lambda: self.board.set_clerk_state(clerk_id, ClerkState.AWAY, now))
        self._at(now + length, self._back, clerk_id)

    def _back(self, now: float, clerk_id: int) -> None:
        if self.clerks[clerk_id].on_shift and self.board.clerks[clerk_id].state == ClerkState.AWAY:
            self._command(lambda: self.board.set_clerk_state(clerk_id, ClerkState.AVAILABLE, now))

    def _offered(self, event: OfferMade) -> None:
        """The clerk's console rings: answered after a few seconds, declined, or missed."""
        draw = self.rng.random()
        if self.clerks[event.clerk_id].leaving:
            self._at(event.at + self.rng.uniform(2.0, 8.0), self._decline, event)
        elif draw < self.p.ring_no_answer:
            self._at(event.deadline, self._tick)
        elif draw < self.p.ring_no_answer + self.p.decline:
            self._at(event.at + self.rng.uniform(2.0, 8.0), self._decline, event)
        else:
            delay = min(_lognormal(self.rng, self.p.answer_delay), self.rules.ring_timeout - 0.5)
            self._at(event.at + delay, self._accept, event)

    def _accept(self, now: float, offer: OfferMade) -> None:
        if offer.offer_id in self.board.offers:  # not withdrawn meanwhile
            self._command(lambda: self.board.accept(offer.clerk_id, offer.offer_id, now))

    def _decline(self, now: float, offer: OfferMade) -> None:
        if offer.offer_id in self.board.offers:
            self._command(lambda: self.board.decline(offer.clerk_id, offer.offer_id, now))
        state = self.clerks[offer.clerk_id]
        if state.leaving:
            self._log_out(now, offer.clerk_id, state.shift_ends)

    def _answered(self, event: CallStarted) -> None:
        """The call: the topic's procedure runs its steps, then one side hangs up."""
        citizen = self._citizens[event.request_id]
        citizen.answered_at = event.at
        self.totals.answered += 1
        script = self.p.scripts[citizen.topic]
        talk = _lognormal(self.rng, script.talk)
        steps, completed = self._steps(script, citizen, event, talk)
        for step in steps:
            self._at(step.at, self._step_done, step)
        by = Party.KIOSK if self.rng.random() < self.p.citizen_hangs_up else Party.CLERK
        outcome = script.outcome if completed else script.outcome_if_stopped
        self._at(event.at + talk, self._hang_up, event.call_id, by, outcome)

    def _steps(
        self, script: Script, citizen: _Citizen, call: CallStarted, talk: float
    ) -> tuple[list[StepDone], bool]:
        done: list[StepDone] = []
        completed = True
        for step in script.steps:
            outcome = _choice(self.rng, step.outcomes)
            detail: dict[str, Any] = {}
            for key, value in step.detail.items():
                if key == "lang":
                    detail[key] = citizen.language
                elif isinstance(value, tuple):
                    detail[key] = self.rng.choice(value)
                else:
                    detail[key] = value
            done.append(
                StepDone(
                    0.0, script.procedure, step.step, outcome, call.call_id, call.clerk_id, detail
                )
            )
            if step.goes_on_if is not None and outcome not in step.goes_on_if:
                completed = False
                break
        # spread over the call, the last one a little before its end
        spaced = [
            replace(step, at=call.at + talk * (n + 1) / (len(done) + 1))
            for n, step in enumerate(done)
        ]
        return spaced, completed

    def _step_done(self, now: float, step: StepDone) -> None:
        call = self.board.calls.get(step.call_id)
        if call is None or call.ended_at is not None:
            return  # the booth's connection dropped the call: the procedure went no further
        if "printed" in step.detail:  # printed at the booth, unless its printer is down now
            kiosk_id = call.kiosk_id
            step = replace(
                step, detail={**step.detail, "printed": self.booths[kiosk_id].printer_ok}
            )
        self.totals.steps += 1
        self._day.writes.append(step)

    def _hang_up(self, now: float, call_id: str, by: Party, outcome: str) -> None:
        call = self.board.calls.get(call_id)
        if call is None or call.ended_at is not None:
            return  # already ended (the booth's connection went)
        self._pending_outcome[call_id] = outcome
        self._command(lambda: self.board.hang_up(call_id, by, now))

    def _hung_up(self, event: CallEnded) -> None:
        outcome = self._pending_outcome.pop(event.call_id, "call_dropped")
        if event.ended_by == Party.SYSTEM.value:
            outcome = "call_dropped"
        wrap = _lognormal(self.rng, self.p.wrap_up)
        self._at(event.at + wrap, self._wrap_up, event.clerk_id, event.call_id, outcome)
        citizen = self._citizens.pop(event.request_id)
        leave = event.at + self.p.leave_after
        if event.ended_by != Party.SYSTEM.value and self.rng.random() < self.p.rating_rate:
            rating = _choice(self.rng, self.p.ratings)
            waited = (citizen.answered_at or event.at) - citizen.queued_at
            if waited > self.p.long_wait and rating > 1 and self.rng.random() < 0.5:
                rating -= 1
            at = event.at + self.rng.uniform(3.0, self.p.leave_after - 1.0)
            self._at(at, self._rate, Rating(at, event.request_id, event.kiosk_id, rating))
        self._at(leave, self._booth_free, event.kiosk_id)

    def _wrap_up(self, now: float, clerk_id: int, call_id: str, outcome: str) -> None:
        self._command(lambda: self.board.wrap_up(clerk_id, call_id, outcome, "", now))

    def _rate(self, now: float, rating: Rating) -> None:
        self.totals.ratings += 1
        self._day.writes.append(rating)

    # ------------------------------------------------------------------ citizens
    def _arrive(self, now: float, citizen: _InLine, kiosk_id: int) -> None:
        booth = self.booths[kiosk_id]
        booth.line.append(citizen)
        if not booth.busy:
            self._next_citizen(now, kiosk_id)

    def _booth_free(self, now: float, kiosk_id: int) -> None:
        self.booths[kiosk_id].busy = False
        self._next_citizen(now, kiosk_id)

    def _next_citizen(self, now: float, kiosk_id: int) -> None:
        booth = self.booths[kiosk_id]
        if booth.busy or not booth.line:
            return
        if not self.board.kiosks[kiosk_id].connected:
            return  # the booth is back later (_reconnect), and takes the next then
        # Who arrived before closing and waited in front of the booth still asks after it, as
        # an office serves who is already waiting; but only until the clerks of that period
        # stop answering (its closing plus overtime): then who still waits goes home.
        while booth.line and now >= booth.line[0].closes + self.p.overtime:
            booth.line.popleft()
        if not booth.line:
            return
        self._ask(now, kiosk_id, booth.line.popleft())

    def _ask(self, now: float, kiosk_id: int, waiting: _InLine) -> None:
        """The citizen at the head of the booth's line uses it and asks for a clerk."""
        language, topic = waiting.language, waiting.topic
        booth = self.booths[kiosk_id]
        booth.busy = True
        events = self.board.request(kiosk_id, language, topic, now)
        request_id = events[0].request_id  # type: ignore[attr-defined]
        self._citizens[request_id] = _Citizen(request_id, kiosk_id, language, topic, now)
        self.totals.requests += 1
        patience = self.rng.expovariate(1.0 / self.p.patience)
        if self.rng.random() < self.p.booth_lost:
            drops = self.rng.uniform(5.0, max(5.0, min(patience, self.p.booth_lost_within)))
            self._at(now + drops, self._lose_booth, request_id)
        else:
            self._at(now + patience, self._give_up, request_id)
        self._apply(events)

    def _give_up(self, now: float, request_id: str) -> None:
        request = self.board.requests.get(request_id)
        if request is None or not request.state.is_queued:
            return  # answered (or gone) meanwhile
        self.totals.cancelled += 1
        self._citizens.pop(request_id, None)
        self._command(lambda: self.board.cancel(request_id, now))
        self._at(now + 5.0, self._booth_free, request.kiosk_id)

    def _lose_booth(self, now: float, request_id: str) -> None:
        """The booth's connection drops while its citizen waits, and stays down past the grace
        period: the switchboard abandons the request (or ends its call, if answered since)."""
        request = self.board.requests.get(request_id)
        if request is None or not request.state.is_queued:
            return
        self.board.kiosk_disconnected(request.kiosk_id, now)
        self._at(now + self.rules.kiosk_grace, self._tick)
        self._at(now + self.rules.kiosk_grace, self._count_lost, request_id)
        self._at(now + self.p.booth_back, self._reconnect, request.kiosk_id)

    def _count_lost(self, now: float, request_id: str) -> None:
        if request_id not in self.board.requests and request_id in self._citizens:
            citizen = self._citizens.pop(request_id)
            if citizen.answered_at is None:
                self.totals.abandoned += 1

    def _reconnect(self, now: float, kiosk_id: int) -> None:
        self.board.kiosk_connected(kiosk_id, now)
        self._booth_free(now, kiosk_id)

    # ------------------------------------------------------------------ devices
    def _health(self, now: float, report: HealthReport) -> None:
        self.totals.health_reports += 1
        booth = self.booths.get(report.kiosk_id)
        if booth is not None:
            booth.printer_ok = report.printer_ok
        self._day.writes.append(report)

    # ------------------------------------------------------------------ time
    def _epoch(self, day: date, moment: time) -> float:
        return datetime.combine(day, moment, tzinfo=self.tz).timestamp()

    def _local_day(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.tz).date()


def _choice(rng: random.Random, weights: Mapping[K, float]) -> K:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _lognormal(rng: random.Random, spec: Lognormal) -> float:
    value = rng.lognormvariate(math.log(spec.median), spec.sigma)
    return min(spec.high, max(spec.low, value))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
