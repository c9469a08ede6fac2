"""The hours the office was staffed, from what the event log observed (pure, no I/O).

The configured opening hours are not what a pilot paid for: the demo's office is open around
the clock so a newcomer can call at any hour, and a fresh database has the default week. What
the log saw is the clerks' states (``clerk_state_changed``): a clerk is *logged in* in any state
but ``offline``. From them:

* **clerk-hours logged in**: Σ over clerks of their logged-in time, clipped to the period (what
  the clerks cost);
* **staffed hours**: the time at least one clerk was logged in (the union of their intervals):
  the denominator of booth utilisation and the exposure of each weekday × hour slot of the
  planner and the heat map, so that a slot never staffed drops out.

A clerk's state at the period's start is the last one logged before it; a state still held at
the end of the log lasts to the period's end. When the log has no clerk state bearing on the
period, :func:`staffed_time` falls back to the configured opening hours × ``staffed_clerks``,
and says so (``basis``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from finestreta.attention.opening_hours import OpeningHours
from finestreta.supervision.kpis import LoggedEvent
from finestreta.supervision.planning import OpenTime, open_time

STATE_KIND = "clerk_state_changed"
OFFLINE = "offline"
Basis = Literal["logged_in", "opening_hours"]


def _merged(
    intervals: Iterable[tuple[datetime, datetime]],
) -> tuple[tuple[datetime, datetime], ...]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def logged_in(
    events: Iterable[LoggedEvent], start: datetime, end: datetime
) -> dict[int, tuple[tuple[datetime, datetime], ...]]:
    """Clerk id → the intervals of [start, end) they were in a state other than offline (from
    ``clerk_state_changed`` events, those before ``start`` giving the state at it)."""
    by_clerk: dict[int, list[tuple[datetime, str]]] = {}
    for event in events:
        if event.kind != STATE_KIND or event.clerk_id is None or event.at >= end:
            continue
        state = str(event.data.get("state", OFFLINE))
        by_clerk.setdefault(event.clerk_id, []).append((event.at, state))
    result: dict[int, tuple[tuple[datetime, datetime], ...]] = {}
    for clerk, changes in by_clerk.items():
        changes.sort(key=lambda change: change[0])  # stable: same instant keeps log order
        intervals = []
        since: datetime | None = None  # logged in since (unclipped)
        for at, state in changes:
            if state != OFFLINE and since is None:
                since = at
            elif state == OFFLINE and since is not None:
                intervals.append((since, at))
                since = None
        if since is not None:
            intervals.append((since, end))
        clipped = [(max(a, start), min(b, end)) for a, b in intervals]
        kept = _merged((a, b) for a, b in clipped if b > a)
        if kept:
            result[clerk] = kept
    return result


@dataclass(frozen=True)
class Staffed:
    """The period's staffed time and clerk-hours, and what they were taken from."""

    basis: Basis
    opened: OpenTime  # staffed intervals (or the configured opening hours, as a fallback)
    clerk_hours: float
    clerks: int  # clerks logged in at some time (0 on the fallback)

    @property
    def hours(self) -> float:
        return self.opened.seconds / 3600


def staffed_time(
    events: Iterable[LoggedEvent],
    hours: OpeningHours,
    tz: tzinfo,
    start: datetime,
    end: datetime,
    staffed_clerks: float = 1.0,
) -> Staffed:
    """What the log observed in [start, end), or the configured opening hours ×
    ``staffed_clerks`` when it has no clerk state for the period."""
    sessions = logged_in(events, start, end)
    if not sessions:
        opened = open_time(hours, tz, start, end)
        return Staffed("opening_hours", opened, opened.seconds / 3600 * staffed_clerks, 0)
    clerk_seconds = sum((b - a).total_seconds() for spans in sessions.values() for a, b in spans)
    union = _merged(span for spans in sessions.values() for span in spans)
    return Staffed("logged_in", OpenTime(union), clerk_seconds / 3600, len(sessions))
