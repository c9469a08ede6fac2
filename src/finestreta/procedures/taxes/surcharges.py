"""What a receipt costs on the day it is paid after its voluntary period: the enforcement
surcharges of the General Tax Law (Ley 58/2003, art. 28) and, with the ordinary one only,
late-payment interest (art. 28.5, art. 26).

* paid within the voluntary period: nothing added;
* after it, before the enforcement order (*providencia de apremio*) is notified: **5 %**
  executive surcharge;
* from the notification until the end of the term of art. 62.5: **10 %** reduced surcharge;
* later: **20 %** ordinary surcharge **plus late-payment interest** on the principal, from the
  day after the voluntary period ended to the day of payment, both included, each day at the
  rate of its calendar year, over the days of that year (365, or 366 in a leap year).

Every amount is integer cents; surcharge and interest are each rounded half-up to the cent
once, from the exact value (:class:`~fractions.Fraction`, never a float). The term's end is
not moved to the next business day when it falls on a holiday (out of scope, docs/taxes.md).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from finestreta.i18n import N_
from finestreta.procedures.taxes.money import Cents, cents


class Surcharge(StrEnum):
    NONE = "none"
    EXECUTIVE = "executive"
    REDUCED = "reduced"
    ORDINARY = "ordinary"


PERCENT: Mapping[Surcharge, int] = {
    Surcharge.NONE: 0,
    Surcharge.EXECUTIVE: 5,
    Surcharge.REDUCED: 10,
    Surcharge.ORDINARY: 20,
}
# What the slip and the certificate print for each (translated with the procedure's domain).
LABELS: Mapping[Surcharge, str] = {
    Surcharge.NONE: N_("Voluntary period: no surcharge"),
    Surcharge.EXECUTIVE: N_("Executive surcharge, 5 per cent"),
    Surcharge.REDUCED: N_("Reduced enforcement surcharge, 10 per cent"),
    Surcharge.ORDINARY: N_(
        "Ordinary enforcement surcharge, 20 per cent, and late-payment interest"
    ),
}

Rates = Mapping[int, Decimal | int]
"""Late-payment interest rate of each calendar year, in per cent (``{2024: Decimal("4.0625")}``)."""


@dataclass(frozen=True)
class Breakdown:
    kind: Surcharge
    principal: Cents
    surcharge: Cents
    interest: Cents

    @property
    def total(self) -> Cents:
        return Cents(self.principal + self.surcharge + self.interest)


def reduced_term_end(notified: date) -> date:
    """The last day of the art. 62.5 term: notified on days 1–15 of a month, day 20 of the
    next month; on day 16 or later, day 5 of the month after that."""
    month_index = notified.year * 12 + notified.month - 1 + (1 if notified.day <= 15 else 2)
    year, month = divmod(month_index, 12)
    return date(year, month + 1, 20 if notified.day <= 15 else 5)


def kind_on(voluntary_end: date, notified: date | None, paid_on: date) -> Surcharge:
    """Which surcharge a payment on ``paid_on`` bears."""
    if notified is not None and notified <= voluntary_end:
        raise ValueError(
            f"Expected the enforcement order notified after the voluntary period "
            f"({voluntary_end.isoformat()}), but got {notified.isoformat()}"
        )
    if paid_on <= voluntary_end:
        return Surcharge.NONE
    if notified is None or paid_on < notified:
        return Surcharge.EXECUTIVE
    if paid_on <= reduced_term_end(notified):
        return Surcharge.REDUCED
    return Surcharge.ORDINARY


def interest(principal: Cents, voluntary_end: date, paid_on: date, rates: Rates) -> Cents:
    """Late-payment interest on ``principal`` for the days after ``voluntary_end`` up to and
    including ``paid_on``, each calendar year at its own rate over its own length."""
    exact = Fraction(0)
    start = voluntary_end + timedelta(days=1)
    while start <= paid_on:
        end = min(paid_on, date(start.year, 12, 31))
        days = (end - start).days + 1
        length = 366 if calendar.isleap(start.year) else 365
        exact += cents(principal) * _rate(rates, start.year) * days / (100 * length)
        start = end + timedelta(days=1)
    return Cents(_half_up(exact))


def assess(
    principal: Cents,
    voluntary_end: date,
    notified: date | None,
    paid_on: date,
    rates: Rates,
) -> Breakdown:
    """What a receipt of ``principal`` cents costs when paid on ``paid_on``. ``notified`` is
    when the enforcement order was notified (None: not yet)."""
    if cents(principal) < 0:
        raise ValueError(f"Expected a principal of 0 cents or more, but got {principal}")
    kind = kind_on(voluntary_end, notified, paid_on)
    surcharge = Cents(_half_up(Fraction(principal * PERCENT[kind], 100)))
    late = interest(principal, voluntary_end, paid_on, rates) if kind is Surcharge.ORDINARY else 0
    return Breakdown(kind, principal, surcharge, Cents(late))


def _rate(rates: Rates, year: int) -> Fraction:
    if year not in rates:
        raise ValueError(
            f"Expected a late-payment interest rate for {year}, but the table has {sorted(rates)}"
        )
    rate = rates[year]
    if isinstance(rate, bool) or not isinstance(rate, Decimal | int):
        raise TypeError(f"Expected the {year} rate as a Decimal, but got {type(rate).__name__}")
    if rate < 0:
        raise ValueError(f"Expected a rate of 0 or more for {year}, but got {rate}")
    return Fraction(rate)


def _half_up(value: Fraction) -> int:
    """``value`` (≥ 0) rounded to the nearest integer, halves up."""
    return int(value + Fraction(1, 2)) if value >= 0 else -_half_up(-value)
