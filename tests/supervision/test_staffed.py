"""Staffed hours and clerk-hours from the clerks' states in the event log, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from finestreta.attention.opening_hours import OpeningHours, parse_hours
from finestreta.supervision import planning
from finestreta.supervision.kpis import Attention, LoggedEvent
from finestreta.supervision.staffed import logged_in, staffed_time

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = datetime(2026, 3, 2, tzinfo=MADRID)
START, END = MONDAY.astimezone(UTC), (MONDAY + timedelta(days=7)).astimezone(UTC)
ALWAYS = OpeningHours(parse_hours("mon-sun 00:00-24:00"))


def at(hour: float, day: int = 0) -> datetime:
    return (MONDAY + timedelta(days=day, hours=hour)).astimezone(UTC)


def state(clerk: int, when: datetime, to: str, previous: str = "offline") -> LoggedEvent:
    return LoggedEvent(
        "clerk_state_changed", when, clerk_id=clerk, data={"state": to, "previous": previous}
    )


def test_two_clerks_give_seven_clerk_hours_and_five_staffed_hours() -> None:
    events = [
        state(1, at(9), "available"),
        state(2, at(10), "available"),
        state(1, at(11), "busy", "available"),  # still logged in
        state(2, at(12), "offline", "available"),
        state(1, at(14), "offline", "busy"),
    ]
    staffed = staffed_time(events, ALWAYS, MADRID, START, END)
    assert staffed.basis == "logged_in" and staffed.clerks == 2
    assert staffed.clerk_hours == pytest.approx(7)
    assert staffed.hours == pytest.approx(5)
    assert staffed.opened.intervals == ((at(9), at(14)),)


def test_states_before_the_period_and_after_its_end_are_clipped() -> None:
    events = [
        state(1, START - timedelta(hours=2), "available"),  # logged in before the period
        state(1, at(1), "offline", "available"),
        state(2, at(23, day=6), "away"),  # away counts as logged in; still at the end
        state(3, END + timedelta(hours=1), "available"),  # after the period: nothing
    ]
    sessions = logged_in(events, START, END)
    assert sessions == {1: ((START, at(1)),), 2: ((at(23, day=6), END),)}
    assert staffed_time(events, ALWAYS, MADRID, START, END).clerk_hours == pytest.approx(2)


def test_no_clerk_state_falls_back_to_opening_hours_times_staffed_clerks() -> None:
    hours = OpeningHours(parse_hours("mon-fri 09:00-14:00"))
    staffed = staffed_time([], hours, MADRID, START, END, staffed_clerks=2)
    assert staffed.basis == "opening_hours" and staffed.clerks == 0
    assert staffed.hours == pytest.approx(25) and staffed.clerk_hours == pytest.approx(50)


def test_the_planner_counts_only_staffed_slots() -> None:
    events = [state(1, at(9), "available"), state(1, at(11), "offline", "available")]
    staffed = staffed_time(events, ALWAYS, MADRID, START, END)
    calls = []
    for n, hour in enumerate((9.25, 9.5, 10.5, 16.0)):  # the last when nobody was logged in
        a = Attention(f"r{n}", 1, "general", "ca", at(hour))
        a.answered_at = a.queued_at + timedelta(seconds=10)
        a.ended_at = a.answered_at + timedelta(seconds=120)
        calls.append(a)
    demand = planning.observed_demand(calls, ALWAYS, MADRID, START, END, opened=staffed.opened)
    assert [(s.weekday, s.hour, s.open_hours, s.offered) for s in demand.slots] == [
        (0, 9, 1.0, 2),
        (0, 10, 1.0, 1),
    ]
    assert demand.outside_hours == 1
    # on the always-open configuration every one of the 168 slots would have counted
    assert len(planning.observed_demand(calls, ALWAYS, MADRID, START, END).slots) == 168
