"""When the central office answers: weekly opening hours plus closed days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Span:
    weekday: int  # 0 = Monday
    opens: time
    closes: time  # time.max stands for "until midnight" (24:00)


class OpeningHours:
    def __init__(self, spans: list[Span], closed_days: frozenset[date] = frozenset()) -> None:
        self.spans = sorted(spans, key=lambda s: (s.weekday, s.opens))
        self.closed_days = closed_days

    def is_open(self, moment: datetime) -> bool:
        if moment.date() in self.closed_days:
            return False
        now = moment.time()
        return any(s.weekday == moment.weekday() and s.opens <= now < s.closes for s in self.spans)

    def describe(self) -> list[dict[str, str]]:
        """The week as data for templates: ``[{"day": "mon", "opens": "08:30", …}]``."""
        return [
            {
                "day": _DAYS[s.weekday],
                "opens": s.opens.strftime("%H:%M"),
                "closes": "24:00" if s.closes == time.max else s.closes.strftime("%H:%M"),
            }
            for s in self.spans
        ]


def parse_hours(text: str) -> list[Span]:
    """Parse ``"mon-fri 08:30-14:00,16:00-19:00; sat 09:00-13:00"``.

    Raises ``ValueError`` saying which part is wrong.
    """
    spans: list[Span] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            days_text, ranges_text = part.split(None, 1)
        except ValueError:
            raise ValueError(f"Expected 'DAYS HH:MM-HH:MM', got {part!r}") from None
        days = _parse_days(days_text)
        for span_text in ranges_text.split(","):
            match = _SPAN.match(span_text.strip())
            if not match:
                raise ValueError(f"Expected a span like 08:30-14:00, got {span_text.strip()!r}")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
                raise ValueError(
                    f"Times run from 00:00 to 24:00; got {span_text.strip()!r} in {part!r}"
                )
            closes = time.max if h2 == 24 else time(h2, m2)
            opens = time(h1, m1)
            if closes <= opens:
                raise ValueError(f"A span must close after it opens: {span_text.strip()!r}")
            spans += [Span(d, opens, closes) for d in days]
    return spans


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for chunk in text.lower().split(","):
        if "-" in chunk:
            first, last = chunk.split("-", 1)
            a, b = _day(first), _day(last)
            if b < a:
                raise ValueError(f"Day range runs backwards: {chunk!r}")
            days += range(a, b + 1)
        else:
            days.append(_day(chunk))
    return days


_DAY_NAMES = {
    **{d: i for i, d in enumerate(_DAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


def _day(text: str) -> int:
    try:
        return _DAY_NAMES[text.strip().lower()]
    except KeyError:
        raise ValueError(f"Expected a day (mon…sun), got {text!r}") from None
