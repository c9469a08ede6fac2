"""The week's staffing from what was observed: for each weekday × hour the office is open, the
arrival rate and handle time the pilot saw, and the clerks the Erlang models ask for.

Pure: it takes the attentions (``kpis.attentions``), the opening hours and the city's zone, and
calls :mod:`.staffing`. The command (``finestreta plan staffing --from … --to …``) and the pilot
report's roll-out read it; ``docs/staffing.md`` explains the figures.

Exposure: an hour of the week counts, on each date of the period, for the share of it the office
was open (08:30–09:00 is half an hour), closed days left out; the arrival rate is the requests
queued in that slot ÷ those open hours. Requests queued while the office was closed are counted
apart (``outside_hours``), not spread over open hours.

Two service levels, not to be mixed up (``docs/kpis.md``): the *observed* one is the KPI's,
answered within T ÷ (answered + abandoned after T); the *planned* one is the model's,
P(wait ≤ T) over all offered calls (Erlang C has nobody give up; Erlang A counts a call that gave
up as not answered in time).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from finestreta.attention.opening_hours import OpeningHours
from finestreta.supervision import staffing
from finestreta.supervision.kpis import Attention, Spread, Thresholds, figures

PlanModel = Literal["erlang_c", "erlang_a", "finite_source"]
MODELS: tuple[PlanModel, ...] = ("erlang_c", "erlang_a")  # what ``plan staffing --model`` takes
# finite_source: the booths hold the calls (M/M/N//K, a waiting citizen occupies the booth), so
# K booths never need more than K clerks; the report's roll-out plans with it
ALL_MODELS: tuple[PlanModel, ...] = (*MODELS, "finite_source")
MIN_HANDLES = 5
"""A slot's own handle time is used when it has at least this many measured calls; below, the
period's (a mean of one or two calls says little)."""


# ---------------------------------------------------------------------- opening intervals


@dataclass(frozen=True)
class OpenTime:
    """The office's open intervals in a period, as aware UTC datetimes, sorted and disjoint."""

    intervals: tuple[tuple[datetime, datetime], ...]
    # the intervals' starts, for bisecting: made once (a report asks for every call of a year)
    starts: tuple[datetime, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(a for a, _ in self.intervals))

    @property
    def seconds(self) -> float:
        return sum((b - a).total_seconds() for a, b in self.intervals)

    def overlap(self, start: datetime, end: datetime) -> float:
        """Seconds of [start, end) the office was open."""
        if end <= start:
            return 0.0
        index = max(0, bisect.bisect_right(self.starts, start) - 1)
        total = 0.0
        while index < len(self.intervals):
            a, b = self.intervals[index]
            if a >= end:
                break
            low, high = max(a, start), min(b, end)
            if high > low:
                total += (high - low).total_seconds()
            index += 1
        return total

    def contains(self, moment: datetime) -> bool:
        index = bisect.bisect_right(self.starts, moment) - 1
        return index >= 0 and moment < self.intervals[index][1]


def open_time(hours: OpeningHours, tz: tzinfo, start: datetime, end: datetime) -> OpenTime:
    """The open intervals of [start, end) (aware), each span of each open date in ``tz``."""
    intervals: list[tuple[datetime, datetime]] = []
    day: date = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        if day not in hours.closed_days:
            for span in hours.spans:
                if span.weekday != day.weekday():
                    continue
                opens = datetime.combine(day, span.opens, tz)
                closes = (
                    datetime.combine(day + timedelta(days=1), time(0), tz)
                    if span.closes == time.max
                    else datetime.combine(day, span.closes, tz)
                )
                low, high = max(opens.astimezone(UTC), start), min(closes.astimezone(UTC), end)
                if high > low:
                    intervals.append((low, high))
        day += timedelta(days=1)
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return OpenTime(tuple(merged))


def slot_exposure(opened: OpenTime, tz: tzinfo) -> dict[tuple[int, int], float]:
    """(weekday, hour) → open hours of that slot over the period (local time)."""
    exposure: dict[tuple[int, int], float] = {}
    for a, b in opened.intervals:
        cursor = a
        while cursor < b:
            local = cursor.astimezone(tz)
            top = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            step_end = min(b, top.astimezone(UTC))
            key = (local.weekday(), local.hour)
            exposure[key] = exposure.get(key, 0.0) + (step_end - cursor).total_seconds() / 3600
            cursor = step_end
    return exposure


# ---------------------------------------------------------------------- observed demand


@dataclass(frozen=True)
class SlotDemand:
    """What one hour of the week saw over the period."""

    weekday: int  # 0 = Monday
    hour: int
    open_hours: float  # how many hours of this slot the office was open in the period
    offered: int
    answered: int
    abandoned: int
    calls_per_hour: float  # offered ÷ open hours
    aht_seconds: float | None  # the slot's mean handle, or the period's below MIN_HANDLES
    handles: int  # measured handle times in the slot
    observed_service_level: float | None  # the KPI's definition (docs/kpis.md)


@dataclass(frozen=True)
class Demand:
    """The observed week: the slots the office opens, the period's whole figures."""

    slots: tuple[SlotDemand, ...]
    booths: int  # booths that queued at least one request in the period
    weeks: float  # the period's length in weeks
    aht_seconds: float | None  # the period's mean handle
    patience_seconds: float | None  # estimated mean patience (see :func:`patience`)
    outside_hours: int  # requests queued while the office was closed


def patience(attentions: Iterable[Attention]) -> float | None:
    """The mean patience under exponential patience: the total time *every* caller waited
    (answered ones until answered, abandoned ones until they gave up) ÷ the abandons. It is the
    maximum-likelihood estimate with the answered calls as censored observations; dividing only
    the abandoned callers' waits would take the impatient for everyone. None without abandons."""
    waited = 0.0
    abandons = 0
    for attention in attentions:
        wait = attention.wait
        if wait is None:
            continue
        waited += wait
        abandons += attention.abandoned
    return waited / abandons if abandons else None


def observed_demand(
    attentions: Sequence[Attention],
    hours: OpeningHours,
    tz: tzinfo,
    start: datetime,
    end: datetime,
    thresholds: Thresholds | None = None,
    opened: OpenTime | None = None,
) -> Demand:
    """The demand of [start, end) per open hour of the week (``attentions`` cut to it).
    ``opened`` is the time that counts as open (the staffed time, :mod:`.staffed`); the
    configured opening ``hours`` when not given."""
    opened = opened or open_time(hours, tz, start, end)
    exposure = slot_exposure(opened, tz)
    by_slot: dict[tuple[int, int], list[Attention]] = {key: [] for key in exposure}
    outside = 0
    for attention in attentions:
        if not opened.contains(attention.queued_at):
            outside += 1
            continue
        local = attention.queued_at.astimezone(tz)
        by_slot.setdefault((local.weekday(), local.hour), []).append(attention)
    # the period's handle time: the slots' own figures are below, no need of all the others
    whole = Spread.of(h for a in attentions if (h := a.handle) is not None)
    slots = []
    for key in sorted(by_slot):
        chosen = by_slot[key]
        counted = figures(chosen, thresholds)
        open_hours = exposure.get(key, 0.0)
        slots.append(
            SlotDemand(
                weekday=key[0],
                hour=key[1],
                open_hours=open_hours,
                offered=counted.offered,
                answered=counted.answered,
                abandoned=counted.abandoned,
                calls_per_hour=counted.offered / open_hours if open_hours else 0.0,
                aht_seconds=(
                    counted.handle.mean if counted.handle.count >= MIN_HANDLES else whole.mean
                ),
                handles=counted.handle.count,
                observed_service_level=counted.service_level,
            )
        )
    return Demand(
        slots=tuple(slots),
        booths=len({a.kiosk_id for a in attentions}),
        weeks=(end - start).total_seconds() / (7 * 86400),
        aht_seconds=whole.mean,
        patience_seconds=patience(attentions),
        outside_hours=outside,
    )


# ---------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class SlotPlan:
    demand: SlotDemand
    calls_per_hour: float  # scaled to the booths planned for
    clerks: int
    result: staffing.Staffing | None  # None when nothing arrives (no clerk needed)


@dataclass(frozen=True)
class WeekPlan:
    model: PlanModel
    target_sl: float
    answer_within_s: float
    patience_seconds: float | None
    scale: float  # arrivals multiplied by this (booths planned ÷ booths observed)
    slots: tuple[SlotPlan, ...]
    weeks: float = 1.0  # the observed period's length, to give figures per average week

    @property
    def peak_clerks(self) -> int:
        return max((s.clerks for s in self.slots), default=0)

    @property
    def clerk_hours_per_week(self) -> float:
        """Σ clerks × the slot's open hours in an average week."""
        return sum(s.clerks * s.demand.open_hours for s in self.slots) / self.weeks

    @property
    def calls_per_week(self) -> float:
        return sum(s.calls_per_hour * s.demand.open_hours for s in self.slots) / self.weeks


def plan_week(
    demand: Demand,
    target_sl: float = 0.8,
    answer_within_s: float = 20.0,
    model: PlanModel = "erlang_c",
    patience_seconds: float | None = None,
    booths: int | None = None,
) -> WeekPlan:
    """The clerks each open slot needs to reach ``target_sl`` (the model's P(wait ≤ T)).

    ``booths`` scales the observed arrivals to that many booths (the observed per-booth rate
    times ``booths``); ``finite_source`` plans for that many booths (or the observed ones)
    holding the calls; ``erlang_a`` takes ``patience_seconds`` or else the observed estimate,
    and refuses (``staffing_bad_figures``) when the period had no abandons to estimate it."""
    if model not in ALL_MODELS:
        raise staffing.BAD_FIGURES(
            f"the model must be one of {', '.join(ALL_MODELS)}, got {model!r}", {"model": model}
        )
    scale = 1.0
    if booths is not None:
        if booths < 1:
            raise staffing.BAD_FIGURES(f"booths must be 1 or more, got {booths}", {})
        scale = booths / demand.booths if demand.booths else 0.0
    used_patience: float | None = None
    if model == "erlang_a":
        used_patience = patience_seconds or demand.patience_seconds
        if used_patience is None:
            raise staffing.BAD_FIGURES(
                "Erlang A needs a patience: the period had no abandons to estimate it from",
                {},
            )
    sources = (booths or demand.booths or 1) if model == "finite_source" else None
    rows = []
    for slot in demand.slots:
        rate = slot.calls_per_hour * scale
        if rate <= 0 or slot.aht_seconds is None or slot.aht_seconds <= 0:
            rows.append(SlotPlan(slot, rate, 0, None))
            continue
        clerks = staffing.agents_needed(
            rate,
            slot.aht_seconds,
            target_sl,
            answer_within_s,
            patience_seconds=used_patience,
            booths=sources,
        )
        result = staffing.staffing(
            rate, slot.aht_seconds, clerks, answer_within_s, used_patience, sources
        )
        rows.append(SlotPlan(slot, rate, clerks, result))
    weeks = demand.weeks if demand.weeks > 0 else 1.0
    return WeekPlan(model, target_sl, answer_within_s, used_patience, scale, tuple(rows), weeks)


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
