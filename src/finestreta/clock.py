"""The time, injectable: every part that keeps time (the hub, its ticker, heartbeats, office
hours, day boundaries) reads one :class:`Clock`, so that tests can set it to a Monday at 08:29
or move it past midnight and see what happens."""

from __future__ import annotations

import time
from datetime import UTC, datetime, tzinfo


class Clock:
    """Wall-clock time (``time.time``)."""

    def time(self) -> float:
        """Seconds since the Unix epoch."""
        return time.time()

    def now(self, tz: tzinfo = UTC) -> datetime:
        """An aware datetime of :meth:`time` in ``tz``."""
        return datetime.fromtimestamp(self.time(), tz)


class ManualClock(Clock):
    """A clock that stands still until moved (tests)."""

    def __init__(self, start: float | datetime) -> None:
        self.seconds = start.timestamp() if isinstance(start, datetime) else float(start)

    def time(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def set(self, moment: float | datetime) -> None:
        self.seconds = moment.timestamp() if isinstance(moment, datetime) else float(moment)


SYSTEM_CLOCK = Clock()
