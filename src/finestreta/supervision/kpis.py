"""The contact-centre KPIs, computed from the event log and nothing else.

Pure functions: they take the events as read from ``attention_events`` (:class:`LoggedEvent`),
the procedures' steps as read from ``procedure_steps`` (:class:`ProcedureStep`) and which site
each booth stands in, and return numbers. ``event_log.read_log`` fetches those inputs from the
database; tests hand-make them. ``docs/kpis.md`` defines every figure and names its events.

First the events are folded into one :class:`Attention` per request (what happened to that
citizen, from queued to rated); then every figure is a function of a list of attentions, so a
breakdown (by site, booth, topic, procedure, clerk, hour) is the same function over a subset.

The period cut rule: an attention belongs to the period in which its request was *queued*; all
that followed (offers, the call, its wrap-up, the rating) counts with it, even after the period
ended. A request queued at 23:59:50 and answered at 00:00:05 is yesterday's, wait and all.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

K = TypeVar("K", str, int)

# Keys of attentions that no procedure recorded a step for, and of booths of no known site.
NO_PROCEDURE = ""
NO_SITE = ""

# The kinds of ``attention_events`` rows read here (``attention/events.py``; ``request_rated``
# is written by ``AttentionStore.rate``). Clerk states and presence are not needed by any KPI.
KINDS = (
    "request_queued",
    "request_cancelled",
    "request_abandoned",
    "offer_made",
    "offer_ended",
    "call_started",
    "call_ended",
    "call_wrapped_up",
    "request_rated",
)
# The order of a request's life, for events of one instant handed over in another order.
_LIFE = {kind: rank for rank, kind in enumerate(KINDS)}
_LIFE.update(request_cancelled=4, request_abandoned=4)  # after its offers were withdrawn


# ---------------------------------------------------------------------- input


# slots: a year of a city's log is ~700,000 events and ~120,000 attentions in memory
@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One row of ``attention_events``: its columns, ``data`` being the event's own fields."""

    kind: str
    at: datetime
    request_id: str | None = None
    call_id: str | None = None
    clerk_id: int | None = None
    kiosk_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProcedureStep:
    """One row of ``procedure_steps``: what a procedure did during a call."""

    at: datetime
    call_id: str | None
    procedure: str
    step: str
    outcome: str


@dataclass(frozen=True)
class Thresholds:
    """The figures' parameters (seconds)."""

    answer_within: float = 20.0  # the service level's target: answered within this, or not
    short_abandon: float = 5.0  # an abandon quicker than this is "short" (likely a mistake)
    # edges of the time-to-abandon histogram: [0, 5), [5, 20), … [300, ∞)
    abandon_edges: tuple[float, ...] = (5.0, 20.0, 60.0, 120.0, 300.0)


# ---------------------------------------------------------------------- attentions


@dataclass(slots=True)
class Ring:
    """An offer: the clerk it rang and how it ended (``accepted``, ``declined``, ``expired``,
    ``withdrawn``; ``ringing`` while nothing said yet)."""

    offer_id: str
    clerk_id: int
    at: datetime
    reason: str = "ringing"


@dataclass(slots=True)
class Attention:
    """What happened to one request, folded from its events."""

    request_id: str
    kiosk_id: int
    topic: str
    language: str
    queued_at: datetime
    rings: list[Ring] = field(default_factory=list)
    call_id: str | None = None
    clerk_id: int | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wrapped_at: datetime | None = None
    outcome: str | None = None
    left_at: datetime | None = None
    left_how: str | None = None  # "cancelled" (the citizen) or "abandoned" (the booth went)
    rating: int | None = None
    steps: list[ProcedureStep] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def abandoned(self) -> bool:
        return self.left_at is not None and self.answered_at is None

    @property
    def wait(self) -> float | None:
        """Seconds from queued to answered, or to leaving unanswered; None while waiting."""
        end = self.answered_at or self.left_at
        return None if end is None else (end - self.queued_at).total_seconds()

    @property
    def talk(self) -> float | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.answered_at).total_seconds()

    @property
    def wrap_up(self) -> float | None:
        if self.ended_at is None or self.wrapped_at is None:
            return None
        return (self.wrapped_at - self.ended_at).total_seconds()

    @property
    def handle(self) -> float | None:
        talk, wrap_up = self.talk, self.wrap_up
        return None if talk is None or wrap_up is None else talk + wrap_up

    @property
    def procedures(self) -> list[str]:
        return sorted({step.procedure for step in self.steps})


def attentions(
    events: Iterable[LoggedEvent], steps: Iterable[ProcedureStep] = ()
) -> list[Attention]:
    """Fold the events into one attention per queued request, in the order they were queued.

    Events are taken in time order, those of one instant in the order of a request's life
    (queued, offered, offer ended, answered or left, hung up, wrapped up, rated). Events of a
    request whose ``request_queued`` is not among them are dropped: with the cut rule, they
    belong to a period not asked for.
    """
    fold = Fold()
    for event in sorted(events, key=lambda e: (e.at, _LIFE.get(e.kind, len(KINDS)))):
        fold.add(event)
    for step in steps:
        fold.add_step(step)
    return fold.attentions()


class Fold:
    """The attentions folded so far, one event at a time: :func:`attentions` over a whole log,
    or the wallboard over today's events as the switchboard makes them (handed over in the
    order they happened, as the hub applies them)."""

    def __init__(self) -> None:
        self.by_request: dict[str, Attention] = {}
        self.by_call: dict[str, Attention] = {}

    def attentions(self) -> list[Attention]:
        return sorted(self.by_request.values(), key=lambda a: a.queued_at)

    def add_step(self, step: ProcedureStep) -> None:
        attention = self.by_call.get(step.call_id or "")
        if attention is not None:
            attention.steps.append(step)

    def add(self, event: LoggedEvent) -> None:
        data = event.data
        if event.kind == "request_queued" and event.request_id and event.kiosk_id is not None:
            self.by_request.setdefault(
                event.request_id,
                Attention(
                    event.request_id,
                    event.kiosk_id,
                    str(data.get("topic", "")),
                    str(data.get("language", "")),
                    event.at,
                ),
            )
            return
        if event.kind == "call_wrapped_up":
            # the wrap-up names its call, not its request
            attention = self.by_call.get(event.call_id or "")
            if attention is not None and attention.wrapped_at is None:
                attention.wrapped_at, attention.outcome = event.at, str(data.get("outcome", ""))
            return
        attention = self.by_request.get(event.request_id or "")
        if attention is None:
            return
        match event.kind:
            case "offer_made":
                attention.rings.append(
                    Ring(str(data.get("offer_id", "")), event.clerk_id or 0, event.at)
                )
            case "offer_ended":
                _end_ring(attention, str(data.get("offer_id", "")), str(data.get("reason", "")))
            case "call_started" if attention.answered_at is None:
                _end_ring(attention, str(data.get("offer_id", "")), "accepted")
                attention.call_id, attention.clerk_id = event.call_id, event.clerk_id
                attention.answered_at = event.at
                if event.call_id:
                    self.by_call[event.call_id] = attention
            case "call_ended" if attention.ended_at is None:
                attention.ended_at = event.at
            case "request_cancelled" | "request_abandoned" if attention.left_at is None:
                attention.left_at = event.at
                attention.left_how = event.kind.removeprefix("request_")
            case "request_rated" if attention.rating is None:
                rating = data.get("rating")
                if isinstance(rating, int) and 1 <= rating <= 5:
                    attention.rating = rating


def _end_ring(attention: Attention, offer_id: str, reason: str) -> None:
    for ring in attention.rings:
        if ring.offer_id == offer_id and ring.reason == "ringing":
            ring.reason = reason


def in_period(attentions: Iterable[Attention], start: datetime, end: datetime) -> list[Attention]:
    """The attentions whose request was queued in [start, end) (the cut rule)."""
    return [a for a in attentions if start <= a.queued_at < end]


# ---------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Spread:
    """A distribution of durations in seconds: how many, their mean and nearest-rank
    percentiles (the smallest value with at least p % of the values at or below it)."""

    count: int
    mean: float | None
    p50: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        ordered = sorted(values)
        if not ordered:
            return cls(0, None, None, None)
        return cls(
            len(ordered),
            sum(ordered) / len(ordered),
            percentile(ordered, 50),
            percentile(ordered, 90),
        )


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Nearest rank: the value at rank ⌈p/100 · n⌉ of the sorted values (None if none)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Bucket:
    """``count`` values in [lower, upper) seconds; ``upper`` None is unbounded."""

    lower: float
    upper: float | None
    count: int


@dataclass(frozen=True)
class Rings:
    """The offers made: how each ended."""

    offers: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0  # ring-no-answer: the offer's deadline passed
    withdrawn: int = 0  # the citizen left, or the clerk's console went, while it rang
    ringing: int = 0  # nothing said yet when the log was read

    @classmethod
    def of(cls, rings: Iterable[Ring]) -> Rings:
        counts = Counter(ring.reason for ring in rings)
        return cls(
            offers=sum(counts.values()),
            accepted=counts["accepted"],
            declined=counts["declined"],
            expired=counts["expired"],
            withdrawn=counts["withdrawn"],
            ringing=counts["ringing"],
        )


@dataclass(frozen=True)
class Satisfaction:
    """The booth's 1–5 ratings of served (answered and hung-up) attentions."""

    served: int
    rated: int
    mean: float | None
    distribution: dict[int, int]  # 1..5 -> how many
    response_rate: float | None  # rated / served


@dataclass(frozen=True)
class Figures:
    """Every KPI of one set of attentions (a period, or one group of a breakdown)."""

    offered: int
    answered: int
    abandoned: int
    cancelled: int  # abandoned by the citizen's own cancel
    lost: int  # abandoned because the booth was gone past its grace period
    abandoned_short: int  # abandoned sooner than ``short_abandon`` (included in abandoned)
    waiting: int  # neither answered nor abandoned when the log was read
    answered_within: int
    abandoned_within: int  # left at or before ``answer_within``
    abandoned_after: int  # left after ``answer_within``
    service_level: float | None  # answered_within / (answered + abandoned_after)
    abandon_rate: float | None  # abandoned / offered
    speed_of_answer: Spread  # its mean is the ASA
    time_to_abandon: Spread
    abandon_histogram: list[Bucket]
    talk: Spread
    wrap_up: Spread
    handle: Spread  # its mean is the AHT
    unwrapped: int  # hung up, no wrap-up recorded (in talk, not in wrap-up nor handle)
    rings: Rings
    transfers: int  # the switchboard has no transfer: always 0 today
    satisfaction: Satisfaction
    outcomes: dict[str, int]  # wrap-up outcome -> calls
    procedures: dict[str, int]  # procedure -> answered attentions where it recorded a step
    procedure_outcomes: dict[str, dict[str, int]]  # procedure -> "step:outcome" -> steps

    @property
    def average_speed_of_answer(self) -> float | None:
        return self.speed_of_answer.mean

    @property
    def average_handle_time(self) -> float | None:
        return self.handle.mean

    @property
    def ring_no_answer(self) -> int:
        return self.rings.expired


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(attentions: Sequence[Attention], thresholds: Thresholds | None = None) -> Figures:
    """The KPIs of ``attentions`` (already cut to a period): zeros and None, never a division
    by zero, when there are none."""
    limits = thresholds or Thresholds()
    answered = [a for a in attentions if a.answered]
    abandoned = [a for a in attentions if a.abandoned]
    answer_waits = [w for a in answered if (w := a.wait) is not None]
    abandon_waits = [w for a in abandoned if (w := a.wait) is not None]
    answered_within = sum(1 for w in answer_waits if w <= limits.answer_within)
    abandoned_after = sum(1 for w in abandon_waits if w > limits.answer_within)
    talks = [t for a in answered if (t := a.talk) is not None]
    wrap_ups = [w for a in answered if (w := a.wrap_up) is not None]
    handles = [h for a in answered if (h := a.handle) is not None]
    served = [a for a in answered if a.ended_at is not None]
    ratings = [a.rating for a in served if a.rating is not None]
    procedure_outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for attention in answered:
        for step in attention.steps:
            procedure_outcomes[step.procedure][f"{step.step}:{step.outcome}"] += 1
    return Figures(
        offered=len(attentions),
        answered=len(answered),
        abandoned=len(abandoned),
        cancelled=sum(1 for a in abandoned if a.left_how == "cancelled"),
        lost=sum(1 for a in abandoned if a.left_how == "abandoned"),
        abandoned_short=sum(1 for w in abandon_waits if w < limits.short_abandon),
        waiting=len(attentions) - len(answered) - len(abandoned),
        answered_within=answered_within,
        abandoned_within=len(abandon_waits) - abandoned_after,
        abandoned_after=abandoned_after,
        service_level=_share(answered_within, len(answered) + abandoned_after),
        abandon_rate=_share(len(abandoned), len(attentions)),
        speed_of_answer=Spread.of(answer_waits),
        time_to_abandon=Spread.of(abandon_waits),
        abandon_histogram=histogram(abandon_waits, limits.abandon_edges),
        talk=Spread.of(talks),
        wrap_up=Spread.of(wrap_ups),
        handle=Spread.of(handles),
        unwrapped=len(talks) - len(wrap_ups),
        rings=Rings.of(ring for a in attentions for ring in a.rings),
        transfers=0,
        satisfaction=Satisfaction(
            served=len(served),
            rated=len(ratings),
            mean=sum(ratings) / len(ratings) if ratings else None,
            distribution={n: ratings.count(n) for n in range(1, 6)},
            response_rate=_share(len(ratings), len(served)),
        ),
        outcomes=dict(sorted(Counter(a.outcome for a in answered if a.outcome).items())),
        procedures=dict(sorted(Counter(p for a in answered for p in a.procedures).items())),
        procedure_outcomes={
            p: dict(sorted(c.items())) for p, c in sorted(procedure_outcomes.items())
        },
    )


def histogram(values: Iterable[float], edges: Sequence[float]) -> list[Bucket]:
    """Counts in [0, e1), [e1, e2), … [en, ∞)."""
    bounds = [0.0, *sorted(edges)]
    counts = [0] * len(bounds)
    for value in values:
        index = sum(1 for bound in bounds[1:] if value >= bound)
        counts[index] += 1
    uppers: list[float | None] = [*bounds[1:], None]
    return [Bucket(lower, upper, n) for lower, upper, n in zip(bounds, uppers, counts, strict=True)]


# ---------------------------------------------------------------------- breakdowns


@dataclass(frozen=True)
class Breakdowns:
    """The figures per group. An attention counts in the group of its site, booth, topic and
    local hour of queueing; in the group of each procedure that recorded a step in its call
    (``NO_PROCEDURE`` if none); and, answered, in the group of the clerk who answered it.
    ``rings_by_clerk`` counts offers by the clerk they rang, answered or not."""

    site: dict[str, Figures]
    booth: dict[int, Figures]
    topic: dict[str, Figures]
    procedure: dict[str, Figures]
    clerk: dict[int, Figures]
    hour: dict[int, Figures]
    rings_by_clerk: dict[int, Rings]


def group(
    attentions: Iterable[Attention], keys: Callable[[Attention], Iterable[K]]
) -> dict[K, list[Attention]]:
    groups: dict[K, list[Attention]] = defaultdict(list)
    for attention in attentions:
        for key in keys(attention):
            groups[key].append(attention)
    return dict(groups)


def breakdowns(
    attentions: Sequence[Attention],
    sites: Mapping[int, str],
    thresholds: Thresholds | None = None,
    tz: tzinfo = UTC,
) -> Breakdowns:
    """``sites`` maps a booth (kiosk id) to its site's name; ``tz`` is the city's, for hours."""

    def per(keys: Callable[[Attention], Iterable[K]]) -> dict[K, Figures]:
        groups = group(attentions, keys)
        return {key: figures(groups[key], thresholds) for key in sorted(groups)}

    rings: dict[int, list[Ring]] = defaultdict(list)
    for attention in attentions:
        for ring in attention.rings:
            rings[ring.clerk_id].append(ring)
    return Breakdowns(
        site=per(lambda a: [sites.get(a.kiosk_id, NO_SITE)]),
        booth=per(lambda a: [a.kiosk_id]),
        topic=per(lambda a: [a.topic]),
        procedure=per(lambda a: a.procedures or [NO_PROCEDURE]),
        clerk=per(lambda a: [a.clerk_id] if a.clerk_id is not None else []),
        hour=per(lambda a: [a.queued_at.astimezone(tz).hour]),
        rings_by_clerk={clerk: Rings.of(rings[clerk]) for clerk in sorted(rings)},
    )


@dataclass(frozen=True)
class Summary:
    start: datetime
    end: datetime
    thresholds: Thresholds
    total: Figures
    by: Breakdowns


def summarise(
    events: Iterable[LoggedEvent],
    steps: Iterable[ProcedureStep],
    sites: Mapping[int, str],
    start: datetime,
    end: datetime,
    thresholds: Thresholds | None = None,
    tz: tzinfo = UTC,
) -> Summary:
    """All the figures of [start, end): the whole period and its breakdowns."""
    limits = thresholds or Thresholds()
    chosen = in_period(attentions(events, steps), start, end)
    return Summary(
        start, end, limits, figures(chosen, limits), breakdowns(chosen, sites, limits, tz)
    )
