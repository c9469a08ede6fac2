"""The week planned from observed data: exposure, rates, patience, and the clerks per slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from finestreta.attention.opening_hours import OpeningHours, parse_hours
from finestreta.errors import InvalidInput
from finestreta.supervision import planning, staffing
from finestreta.supervision.kpis import Attention

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = datetime(2026, 3, 2, tzinfo=MADRID)
START, END = MONDAY.astimezone(UTC), (MONDAY + timedelta(days=7)).astimezone(UTC)


def hours(spec: str, closed: frozenset[object] = frozenset()) -> OpeningHours:
    return OpeningHours(parse_hours(spec), closed)  # type: ignore[arg-type]


def attention(
    n: int, queued: datetime, wait: float, answered: bool = True, handle: float = 180.0
) -> Attention:
    a = Attention(f"r{n}", 1, "general", "ca", queued.astimezone(UTC))
    if answered:
        a.answered_at = a.queued_at + timedelta(seconds=wait)
        a.ended_at = a.answered_at + timedelta(seconds=handle - 30)
        a.wrapped_at = a.ended_at + timedelta(seconds=30)
    else:
        a.left_at, a.left_how = a.queued_at + timedelta(seconds=wait), "cancelled"
    return a


def test_exposure_counts_the_open_part_of_each_hour() -> None:
    opened = planning.open_time(hours("mon-fri 08:30-10:00"), MADRID, START, END)
    assert opened.seconds == 5 * 1.5 * 3600
    exposure = planning.slot_exposure(opened, MADRID)
    assert exposure[(0, 8)] == pytest.approx(0.5)
    assert exposure[(4, 9)] == pytest.approx(1.0)
    assert (5, 9) not in exposure


def test_closed_days_are_left_out() -> None:
    closed = frozenset({MONDAY.date()})
    opened = planning.open_time(hours("mon-fri 09:00-10:00", closed), MADRID, START, END)
    assert opened.seconds == 4 * 3600


def test_the_rate_is_arrivals_over_open_hours_and_outside_hours_apart() -> None:
    at = MONDAY.replace(hour=9)
    chosen = [attention(i, at + timedelta(minutes=10 * i), 5) for i in range(1, 4)]
    chosen.append(attention(9, MONDAY.replace(hour=20), 5))
    demand = planning.observed_demand(chosen, hours("mon-fri 09:00-10:00"), MADRID, START, END)
    (monday,) = [s for s in demand.slots if (s.weekday, s.hour) == (0, 9)]
    assert (monday.offered, monday.open_hours, monday.calls_per_hour) == (3, 1.0, 3.0)
    assert demand.outside_hours == 1
    assert len(demand.slots) == 5  # every open slot, those with no arrival too
    assert demand.booths == 1
    assert demand.weeks == pytest.approx(1.0)


def test_patience_is_all_waiting_time_over_abandons() -> None:
    at = MONDAY.replace(hour=9)
    chosen = [
        attention(1, at, 10),
        attention(2, at, 20),
        attention(3, at, 30, answered=False),
    ]
    # (10 + 20 + 30) / 1 abandon, not the 30 s the one who left waited
    assert planning.patience(chosen) == 60.0
    assert planning.patience(chosen[:2]) is None


def test_a_slot_of_the_published_example_needs_fourteen_clerks() -> None:
    # 200 calls in an hour, 180 s each, 80 % within 20 s: 14 agents (docs/staffing.md)
    at = MONDAY.replace(hour=9)
    chosen = [attention(i, at + timedelta(seconds=17 * i), 5) for i in range(200)]
    demand = planning.observed_demand(chosen, hours("mon 09:00-10:00"), MADRID, START, END)
    week = planning.plan_week(demand, 0.8, 20.0)
    (slot,) = week.slots
    assert slot.demand.aht_seconds == pytest.approx(180.0)
    assert slot.clerks == staffing.agents_needed(200, 180, 0.8, 20) == 14
    assert slot.result is not None and slot.result.service_level >= 0.8
    assert week.peak_clerks == 14 and week.clerk_hours_per_week == pytest.approx(14.0)
    # the observed SL is the KPI's, computed apart: every call here waited 5 s
    assert slot.demand.observed_service_level == 1.0


def test_booths_scale_the_observed_rate() -> None:
    at = MONDAY.replace(hour=9)
    chosen = [attention(i, at + timedelta(minutes=i), 5) for i in range(10)]
    demand = planning.observed_demand(chosen, hours("mon 09:00-10:00"), MADRID, START, END)
    week = planning.plan_week(demand, booths=4)
    assert week.slots[0].calls_per_hour == pytest.approx(40.0)
    assert week.slots[0].clerks == staffing.agents_needed(40.0, 180.0, 0.8, 20.0)


def test_erlang_a_uses_the_estimated_patience_or_refuses_without_abandons() -> None:
    at = MONDAY.replace(hour=9)
    answered = [attention(i, at + timedelta(minutes=i), 30) for i in range(10)]
    demand = planning.observed_demand(answered, hours("mon 09:00-10:00"), MADRID, START, END)
    with pytest.raises(InvalidInput) as refused:
        planning.plan_week(demand, model="erlang_a")
    assert refused.value.code == "staffing_bad_figures"
    left = [*answered, attention(99, at + timedelta(minutes=30), 60, answered=False)]
    demand = planning.observed_demand(left, hours("mon 09:00-10:00"), MADRID, START, END)
    week = planning.plan_week(demand, model="erlang_a")
    assert week.patience_seconds == pytest.approx((10 * 30 + 60) / 1)
    assert week.slots[0].result is not None and week.slots[0].result.model == "erlang_a"


def test_one_booth_never_needs_more_than_one_clerk_in_the_roll_out() -> None:
    from finestreta.supervision import kpis
    from finestreta.supervision.report.economics import rollout_of
    from finestreta.supervision.report.model import ReportModel

    # a busy booth: 10 requests an hour of 10 minutes each, 1.7 erlangs offered
    slot = planning.SlotDemand(0, 9, 10.0, 100, 100, 0, 10.0, 600.0, 100, 1.0)
    demand = planning.Demand((slot,), 1, 1.0, 600.0, None, 0)
    erlang_c = planning.plan_week(demand, 0.8, 20.0, "erlang_c", booths=1)
    assert erlang_c.peak_clerks >= 2  # what the roll-out said before: a booth holds one call
    finite = planning.plan_week(demand, 0.8, 20.0, "finite_source", booths=1)
    assert finite.peak_clerks == 1 and finite.model == "finite_source"
    rollout = rollout_of(ReportModel(rollout_booths=(1, 2, 5)), demand, kpis.figures([]))
    assert [r.booths for r in rollout] == [1, 2, 5]
    for scale in rollout:
        assert 1 <= scale.plan.peak_clerks <= scale.booths
        assert scale.plan.model == "finite_source"
