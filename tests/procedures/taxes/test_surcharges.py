"""General Tax Law art. 28: 5 %, 10 %, 20 % + interest, on the day of payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.surcharges import (
    Breakdown,
    Surcharge,
    assess,
    interest,
    reduced_term_end,
)

# Late-payment interest (interés de demora) of the State budget laws: 3.75 % in 2022,
# 4.0625 % in 2023, 2024 and 2025. The tests pass the table in, as settings will.
RATES = {
    2022: Decimal("3.75"),
    2023: Decimal("4.0625"),
    2024: Decimal("4.0625"),
    2025: Decimal("4.0625"),
}
END = date(2023, 11, 20)  # last day of the voluntary period
NOTIFIED = date(2024, 1, 10)  # enforcement order notified on a day 1–15: term ends 20 February


@pytest.mark.parametrize(
    ("notified", "term_end"),
    [
        (date(2024, 1, 1), date(2024, 2, 20)),
        (date(2024, 1, 15), date(2024, 2, 20)),
        (date(2024, 1, 16), date(2024, 3, 5)),
        (date(2024, 1, 31), date(2024, 3, 5)),
        (date(2024, 12, 10), date(2025, 1, 20)),  # across the year
        (date(2024, 11, 30), date(2025, 1, 5)),
        (date(2024, 12, 16), date(2025, 2, 5)),
    ],
)
def test_the_term_of_article_62_5(notified: date, term_end: date) -> None:
    assert reduced_term_end(notified) == term_end


def test_within_the_voluntary_period_nothing_is_added() -> None:
    assert assess(Cents(100000), END, None, END, RATES) == Breakdown(
        Surcharge.NONE, Cents(100000), Cents(0), Cents(0)
    )


def test_executive_before_the_order_is_notified() -> None:
    # 5 % of 1,000.00 € = 50.00 €; no interest
    for notified in (None, NOTIFIED):
        breakdown = assess(Cents(100000), END, notified, date(2024, 1, 9), RATES)
        assert (breakdown.kind, breakdown.surcharge, breakdown.interest) == (
            Surcharge.EXECUTIVE,
            5000,
            0,
        )


def test_reduced_from_the_notification_to_the_end_of_the_term() -> None:
    # 10 % of 1,000.00 € = 100.00 €; no interest, on the day of notification as on the last day
    for paid_on in (NOTIFIED, date(2024, 2, 20)):
        breakdown = assess(Cents(100000), END, NOTIFIED, paid_on, RATES)
        assert (breakdown.kind, breakdown.surcharge, breakdown.interest, breakdown.total) == (
            Surcharge.REDUCED,
            10000,
            0,
            110000,
        )


def test_ordinary_with_interest_worked_by_hand() -> None:
    # Paid 4 March 2024, after the term (20 February): 20 % of 1,000.00 € = 200.00 €, and
    # interest from 21 November 2023 to 4 March 2024, both included:
    #   2023: 21 Nov … 31 Dec = 41 days at 4.0625 % over 365:  100000·0.040625·41/365 = 456.3356…
    #   2024:  1 Jan …  4 Mar = 31 + 29 + 4 = 64 days over 366: 100000·0.040625·64/366 = 710.3825…
    #   1,166.718… cents → 1,167 cents (11.67 €); total 1,000.00 + 200.00 + 11.67 = 1,211.67 €
    breakdown = assess(Cents(100000), END, NOTIFIED, date(2024, 3, 4), RATES)
    assert breakdown == Breakdown(Surcharge.ORDINARY, Cents(100000), Cents(20000), Cents(1167))
    assert breakdown.total == 121167


def test_interest_of_one_day_at_different_rates() -> None:
    # 1 January 2023 only: 123456·0.040625/365 = 13.740… → 14;  in 2022 at 3.75 %: 12.68… → 13
    assert interest(Cents(123456), date(2022, 12, 31), date(2023, 1, 1), RATES) == 14
    assert interest(Cents(123456), date(2022, 12, 30), date(2022, 12, 31), RATES) == 13


def test_rounding_is_half_up() -> None:
    # 5 % of 10 cents = 0.5 → 1;  5 % of 30 = 1.5 → 2;  5 % of 29 = 1.45 → 1
    paid = date(2023, 12, 1)
    assert [assess(Cents(p), END, None, paid, RATES).surcharge for p in (10, 30, 29)] == [1, 2, 1]


def test_a_missing_or_float_rate_is_refused() -> None:
    late = date(2026, 6, 1)
    with pytest.raises(ValueError, match="rate for 2026"):
        assess(Cents(100000), END, NOTIFIED, late, RATES)
    with pytest.raises(TypeError):
        interest(Cents(100), END, date(2023, 12, 1), {2023: 4.0625})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        assess(100000.0, END, None, late, RATES)  # type: ignore[arg-type]


def test_an_order_notified_within_the_voluntary_period_is_refused() -> None:
    with pytest.raises(ValueError, match="notified after the voluntary period"):
        assess(Cents(100), END, END, date(2024, 1, 1), RATES)


principals = st.integers(min_value=0, max_value=99_999_999)
ends = st.dates(min_value=date(2022, 1, 1), max_value=date(2023, 12, 31))


@given(principals, ends, st.integers(1, 400), st.integers(0, 600), st.integers(0, 600))
def test_total_never_decreases_with_the_payment_date(
    principal: int, end: date, after: int, first: int, more: int
) -> None:
    notified = end + timedelta(days=after)
    earlier = end + timedelta(days=first)
    later = earlier + timedelta(days=more)
    if later.year > 2025:
        return
    a = assess(Cents(principal), end, notified, earlier, RATES)
    b = assess(Cents(principal), end, notified, later, RATES)
    assert a.total <= b.total


@given(st.integers(min_value=20, max_value=99_999_999), ends, st.integers(1, 60))
def test_five_below_ten_below_twenty_with_interest(principal: int, end: date, after: int) -> None:
    notified = end + timedelta(days=after)
    executive = assess(Cents(principal), end, notified, notified - timedelta(days=1), RATES)
    reduced = assess(Cents(principal), end, notified, notified, RATES)
    ordinary = assess(
        Cents(principal), end, notified, reduced_term_end(notified) + timedelta(1), RATES
    )
    assert executive.kind is Surcharge.EXECUTIVE or notified - timedelta(days=1) == end
    assert (reduced.kind, ordinary.kind) == (Surcharge.REDUCED, Surcharge.ORDINARY)
    assert executive.total < reduced.total < ordinary.total
    assert reduced.interest == executive.interest == 0  # interest only with the 20 %


@given(principals, ends, st.integers(0, 700), st.one_of(st.none(), st.integers(1, 200)))
def test_every_amount_is_integer_cents(
    principal: int, end: date, days: int, after: int | None
) -> None:
    notified = None if after is None else end + timedelta(days=after)
    paid_on = end + timedelta(days=days)
    if paid_on.year > 2025:
        return
    breakdown = assess(Cents(principal), end, notified, paid_on, RATES)
    for amount in (breakdown.surcharge, breakdown.interest, breakdown.total):
        assert type(amount) is int and amount >= 0
