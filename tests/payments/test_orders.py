"""The pure parts of payment orders: the table of moves, the items of a new order, the links'
tokens, money as text, and no float anywhere in the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from finestreta.payments.errors import PaymentBusy, PaymentInvalid
from finestreta.payments.money import Cents, cents, euros_text
from finestreta.payments.orders import (
    OrderItem,
    OrderState,
    can_move,
    check_move,
    checked_items,
)
from finestreta.payments.tokens import make_token, token_holds
from tests.procedures.taxes.test_money import floats_in

S = OrderState
ALLOWED = {
    (S.OPEN, S.PAID),
    (S.OPEN, S.DECLINED),
    (S.OPEN, S.EXPIRED),
    (S.OPEN, S.CANCELLED),
    # an authorised notification settles whatever the order became meanwhile
    (S.DECLINED, S.PAID),
    (S.EXPIRED, S.PAID),
    (S.CANCELLED, S.PAID),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("new", list(S))
def test_the_table_of_moves(current: OrderState, new: OrderState) -> None:
    assert can_move(current, new) == ((current, new) in ALLOWED)


def test_nothing_leaves_paid_and_a_refused_move_says_why() -> None:
    with pytest.raises(PaymentBusy) as refused:
        check_move("000100000001", S.PAID, S.CANCELLED)
    assert refused.value.code == "payment_not_open"
    assert refused.value.details == {"order": "000100000001", "state": "paid"}


def test_items_are_cleaned_and_summed() -> None:
    cleaned, total = checked_items(
        [OrderItem(" IBI-2026-1 ", "IBI 2026", Cents(12345)), OrderItem("IVTM-7", "IVTM", Cents(1))]
    )
    assert total == 12346
    assert [item.reference for item in cleaned] == ["IBI-2026-1", "IVTM-7"]


@pytest.mark.parametrize(
    "items",
    [
        [],
        [OrderItem("R1", "one", Cents(0))],
        [OrderItem("R1", "one", Cents(-5))],
        [OrderItem("R1", "one", 12.5)],  # type: ignore[arg-type]
        [OrderItem("R1", "one", True)],  # type: ignore[arg-type]
        [OrderItem("R1", "one", Cents(1)), OrderItem("R1", "again", Cents(1))],
        [OrderItem("", "no reference", Cents(1))],
        [OrderItem("R1", "x" * 201, Cents(1))],
        [OrderItem("R\n1", "control", Cents(1))],
        [OrderItem(f"R{i}", "many", Cents(1)) for i in range(51)],
        [OrderItem("R1", "huge", Cents(10**12))],
    ],
)
def test_items_that_cannot_be_an_order_are_refused(items: list[OrderItem]) -> None:
    with pytest.raises(PaymentInvalid) as refused:
        checked_items(items)
    assert refused.value.code == "bad_payment"


def test_tokens_belong_to_one_order_and_one_purpose() -> None:
    secret = b"s" * 32
    token = make_token(secret, "000100000001", "return")
    assert token_holds(secret, "000100000001", "return", token)
    assert not token_holds(secret, "000100000002", "return", token)
    assert not token_holds(secret, "000100000001", "pay", token)
    assert not token_holds(b"t" * 32, "000100000001", "return", token)
    assert not token_holds(secret, "000100000001", "return", None)
    assert not token_holds(secret, "000100000001", "return", token + "x")
    assert not token_holds(secret, "000100000001", "return", "é" * 22)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0,00"), (5, "0,05"), (1234, "12,34"), (100000, "1000,00"), (-250, "-2,50")],
)
def test_euros_as_the_bank_writes_them(amount: int, text: str) -> None:
    assert euros_text(Cents(amount)) == text


@pytest.mark.parametrize("value", [1.5, True, "12"])
def test_only_integers_are_cents(value: object) -> None:
    with pytest.raises(TypeError):
        cents(value)  # type: ignore[arg-type]


def test_no_float_in_the_payments_package() -> None:
    package = Path(__file__).resolve().parents[2] / "src" / "finestreta" / "payments"
    found = {
        path.name: floats_in(path.read_text(encoding="utf-8"))
        for path in sorted(package.glob("*.py"))
    }
    assert len(found) >= 10
    assert {name: floats for name, floats in found.items() if floats} == {}
