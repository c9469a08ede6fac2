"""Reading a report's inputs from the database, and the period a person asked for.

A period is given as two dates, both included, in the city's time zone: ``--from 2026-09-01
--to 2026-11-30`` is [1 September 00:00, 1 December 00:00) local time. A date that is not one,
an end before the start, a date outside :data:`EARLIEST`..:data:`LATEST` (where the UTC
conversion would overflow, and no pilot ran), or a period longer than :data:`MAX_DAYS`
(:data:`WEB_MAX_DAYS` on the web) is refused with ``report_bad_period``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from finestreta.accounts.directory import load_directory
from finestreta.db import Database
from finestreta.devices.incidents import read_incidents
from finestreta.errors import N_, InvalidInput, declare
from finestreta.supervision import kpis
from finestreta.supervision.event_log import read_clerk_states, read_log
from finestreta.supervision.report.pilot import Inputs

BAD_PERIOD = declare(
    "report_bad_period",
    InvalidInput,
    N_("The report's period is not valid: {problem}"),
)
MAX_DAYS = 731  # two years (a leap day included): the command line
WEB_MAX_DAYS = 366  # a year: the web, where a report holds a request's worker
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included
    tz: tzinfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), self.tz).astimezone(UTC)


def _bad(problem: str, what: str) -> InvalidInput:
    error: InvalidInput = BAD_PERIOD(f"{what} is not valid: {problem}", {"problem": problem})
    return error


def parse_period(
    first: str | None,
    last: str | None,
    tz: tzinfo,
    max_days: int = MAX_DAYS,
    names: tuple[str, str] = ("'from'", "'to'"),
    what: str = "the report's period",
) -> Period:
    """The period from two ISO dates (``YYYY-MM-DD``), both included. ``names`` are how the
    caller calls its two dates (``--from`` on the command line), ``what`` the period."""
    dates = []
    for name, text in zip(names, (first, last), strict=True):
        if not text:
            raise _bad(f"{name} is missing (a date, YYYY-MM-DD)", what)
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise _bad(f"{name} must be a date YYYY-MM-DD, got {text[:40]!r}", what) from None
        if not EARLIEST <= day <= LATEST:
            raise _bad(f"{name} must be between {EARLIEST} and {LATEST}, got {day}", what)
        dates.append(day)
    if dates[1] < dates[0]:
        raise _bad(f"{names[1]} ({dates[1]}) is before {names[0]} ({dates[0]})", what)
    if (dates[1] - dates[0]).days + 1 > max_days:
        raise _bad(f"at most {max_days} days, got {(dates[1] - dates[0]).days + 1}", what)
    return Period(dates[0], dates[1], tz)


def read_inputs(db: Database, first: date, last: date, tz: tzinfo | None = None) -> Inputs:
    """The attentions of the period (cut rule), the booths' sites, the opening hours and the
    device incidents. ``tz`` defaults to the office hours' zone."""
    directory: dict[str, Any] = load_directory(db)
    zone = tz or ZoneInfo(directory["timezone"])
    period = Period(first, last, zone)
    log = read_log(db, period.start, period.end)
    chosen = kpis.in_period(kpis.attentions(log.events, log.steps), period.start, period.end)
    incidents = read_incidents(db, period.start, period.end)
    return Inputs(
        start=period.start,
        end=period.end,
        attentions=chosen,
        sites=log.sites,
        hours=directory["hours"],
        tz=zone,
        incidents=incidents,
        clerk_states=read_clerk_states(db, period.start, period.end),
    )


def office_zone(db: Database) -> tzinfo:
    return ZoneInfo(load_directory(db)["timezone"])
