"""A payment order and its life, as one table of allowed moves (pure: no database, no web).

open ──authorised──▶ paid
  │ ──declined────▶ declined ─┐
  │ ──expires─────▶ expired  ─┼──authorised (late)──▶ paid
  └ ──cancelled───▶ cancelled ┘

An order is *open* from its creation until the gateway answers, it expires or the clerk
cancels it; while it is open its items are held (no second open order may charge them). An
authorised notification always settles, whatever state the order reached meanwhile: the card
was charged, and the money must be accounted for (a receipt paid twice is flagged for refund,
never silently dropped). Nothing leaves *paid*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from finestreta.payments.errors import BAD_PAYMENT, PAYMENT_NOT_OPEN
from finestreta.payments.gateway import Language
from finestreta.payments.money import Cents, cents

MAX_ITEMS = 50
MAX_REFERENCE = 64
MAX_LABEL = 200
# Redsys takes up to 12 digits of cents; a municipal order never comes near it.
MAX_AMOUNT = Cents(99_999_999_99)

Returned = Literal["ok", "ko"]
# What the owner of an order is told (Procedure.payment_changed); "paid" also when a late
# notification settles an expired or cancelled order.
EVENTS = ("opened", "returned", "paid", "declined", "expired", "cancelled")


class OrderState(StrEnum):
    OPEN = "open"
    PAID = "paid"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        """Whether the order can no longer be paid at the booth (a late notification may still
        settle an ended order that is not paid)."""
        return self is not OrderState.OPEN


_MOVES: dict[OrderState, frozenset[OrderState]] = {
    OrderState.OPEN: frozenset(
        {OrderState.PAID, OrderState.DECLINED, OrderState.EXPIRED, OrderState.CANCELLED}
    ),
    # the card was charged after all: a late or repeated attempt the gateway authorised
    OrderState.DECLINED: frozenset({OrderState.PAID}),
    OrderState.EXPIRED: frozenset({OrderState.PAID}),
    OrderState.CANCELLED: frozenset({OrderState.PAID}),
    OrderState.PAID: frozenset(),
}


def can_move(current: OrderState, new: OrderState) -> bool:
    return new in _MOVES[current]


def check_move(number: str, current: OrderState, new: OrderState) -> None:
    """The ``payment_not_open`` refusal for a move the table does not allow."""
    if not can_move(current, new):
        raise PAYMENT_NOT_OPEN(
            f"order {number} is {current.value}; it cannot become {new.value}",
            {"order": number, "state": current.value},
        )


@dataclass(frozen=True)
class OrderItem:
    """One thing paid in an order: ``reference`` is the owner's key for it (a receipt's
    number), unique among open orders; ``label`` is what the citizen and the clerk read."""

    reference: str
    label: str
    amount: Cents


@dataclass(frozen=True)
class PaymentOrder:
    """An order as stored: what was asked, what the gateway and the booth said, and whether
    its owner has posted it (``posted_at``). Amounts in cents; times aware, UTC."""

    number: str
    owner: str  # the procedure that made it, and is told about it
    call_id: str | None
    kiosk_id: int | None
    clerk_id: int | None
    language: Language
    items: tuple[OrderItem, ...]
    amount: Cents
    state: OrderState
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None = None
    returned: Returned | None = None  # the booth came back through URL OK or URL KO
    settled_at: datetime | None = None  # paid, or declined: when the gateway said so
    response_code: str | None = None  # Ds_Response
    authorisation_code: str | None = None
    gateway: str = ""
    posted_at: datetime | None = None
    refund_due: bool = False  # charged, but what it paid was paid otherwise
    note: str = ""

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(item.reference for item in self.items)

    @property
    def paid(self) -> bool:
        return self.state is OrderState.PAID


def _text(name: str, value: object, longest: int) -> str:
    if not isinstance(value, str):
        raise BAD_PAYMENT(f"{name} must be text, not {type(value).__name__}", {"field": name})
    text = value.strip()
    if not text or len(text) > longest or not text.isprintable():
        raise BAD_PAYMENT(f"{name} must be 1 to {longest} printable characters", {"field": name})
    return text


def checked_items(items: Sequence[OrderItem]) -> tuple[tuple[OrderItem, ...], Cents]:
    """The items of a new order, cleaned, and their total; the ``bad_payment`` refusal for
    none, too many, a reference twice, or an amount that is not a positive number of cents."""
    if isinstance(items, (str, bytes)) or not items:
        raise BAD_PAYMENT("an order pays at least one item")
    if len(items) > MAX_ITEMS:
        raise BAD_PAYMENT(f"an order pays at most {MAX_ITEMS} items")
    cleaned: list[OrderItem] = []
    for index, item in enumerate(items):
        if not isinstance(item, OrderItem):
            raise BAD_PAYMENT(f"items[{index}] is not an OrderItem")
        try:
            amount = cents(item.amount)
        except TypeError as exc:
            raise BAD_PAYMENT(str(exc), {"field": f"items[{index}].amount"}) from None
        if amount <= 0:
            raise BAD_PAYMENT(
                "every item costs a positive number of cents", {"field": f"items[{index}]"}
            )
        cleaned.append(
            OrderItem(
                _text(f"items[{index}].reference", item.reference, MAX_REFERENCE),
                _text(f"items[{index}].label", item.label, MAX_LABEL),
                amount,
            )
        )
    references = [item.reference for item in cleaned]
    if len(set(references)) != len(references):
        raise BAD_PAYMENT("an item appears twice in the order")
    total = Cents(sum(item.amount for item in cleaned))
    if total > MAX_AMOUNT:
        raise BAD_PAYMENT("the order's amount is larger than a gateway takes")
    return tuple(cleaned), total
