"""The order-number rule: 12 characters, the first 4 digits, one number per sequence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finestreta.payments import (
    Order,
    PaymentRefused,
    check_order_number,
    is_order_number,
    order_number,
)
from finestreta.payments.gateway import LAST_SEQUENCE

PREFIXES = st.from_regex(r"\A[0-9]{4}\Z")
SEQUENCES = st.integers(min_value=1, max_value=LAST_SEQUENCE)


@given(PREFIXES, SEQUENCES)
def test_every_number_keeps_the_rule(prefix: str, sequence: int) -> None:
    number = order_number(prefix, sequence)
    assert is_order_number(number) and number.startswith(prefix) and len(number) == 12


@given(PREFIXES, SEQUENCES, SEQUENCES)
def test_distinct_sequences_never_share_a_number_and_sort_as_made(
    prefix: str, first: int, second: int
) -> None:
    a, b = order_number(prefix, first), order_number(prefix, second)
    assert (a == b) == (first == second)
    assert (a < b) == (first < second)


@given(PREFIXES, PREFIXES, SEQUENCES, SEQUENCES)
def test_two_prefixes_never_meet(p: str, q: str, first: int, second: int) -> None:
    if p != q:
        assert order_number(p, first) != order_number(q, second)


def test_the_sequence_running_out_is_a_refusal_not_a_reuse() -> None:
    assert order_number("0001", LAST_SEQUENCE) == "000199999999"
    with pytest.raises(PaymentRefused) as refused:
        order_number("0001", LAST_SEQUENCE + 1)
    assert refused.value.code == "order_numbers_exhausted"


@pytest.mark.parametrize(("prefix", "sequence"), [("001", 1), ("00A1", 1), ("0001", 0)])
def test_a_bad_prefix_or_sequence_is_a_programming_error(prefix: str, sequence: int) -> None:
    with pytest.raises(ValueError, match="order"):
        order_number(prefix, sequence)


@pytest.mark.parametrize(
    "text",
    [
        "12345678901",
        "1234567890123",
        "123A56789012",
        "1234-6789012",
        "1234５67890１",
        "",
        "abcd12345678",
    ],
)
def test_the_validator_refuses_what_breaks_the_rule(text: str) -> None:
    assert not is_order_number(text)
    with pytest.raises(PaymentRefused) as refused:
        check_order_number(text)
    assert refused.value.code == "bad_order_number"


@pytest.mark.parametrize("text", ["123456789012", "2024AbCdEf09"])
def test_the_validator_takes_letters_and_digits_after_four_digits(text: str) -> None:
    assert check_order_number(text) == text


@pytest.mark.parametrize("amount", [12.5, True, 0, -100, "100"])
def test_an_order_is_an_exact_positive_number_of_cents(amount: object) -> None:
    with pytest.raises(ValueError, match="cents"):
        Order("000100000001", amount, "https://n", "https://ok", "https://ko")  # type: ignore[arg-type]
