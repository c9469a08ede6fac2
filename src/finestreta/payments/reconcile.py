"""The reconciliation file: one line per order, for the treasury to compare with the bank's
settlement file (which lists the charges by order number, amount and authorisation)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO
from zoneinfo import ZoneInfo

from finestreta.payments.money import euros_text
from finestreta.payments.orders import PaymentOrder

COLUMNS = (
    "order",
    "created",
    "state",
    "amount_cents",
    "amount_euros",
    "response_code",
    "authorisation_code",
    "settled_at",
    "refund_due",
    "items",
)


def write_csv(orders: Iterable[PaymentOrder], out: TextIO, timezone: str) -> int:
    """Write ``orders`` as CSV to ``out`` (times in the city's ``timezone``, amounts in cents
    and as euros with a decimal comma, items as ``reference=cents`` separated by ``;``);
    returns how many were written."""
    zone = ZoneInfo(timezone)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for order in orders:
        writer.writerow(
            [
                order.number,
                order.created_at.astimezone(zone).isoformat(timespec="seconds"),
                order.state.value,
                str(order.amount),
                euros_text(order.amount),
                order.response_code or "",
                order.authorisation_code or "",
                order.settled_at.astimezone(zone).isoformat(timespec="seconds")
                if order.settled_at
                else "",
                "yes" if order.refund_due else "no",
                ";".join(f"{item.reference}={item.amount}" for item in order.items),
            ]
        )
        count += 1
    return count


def summary(orders: Iterable[PaymentOrder]) -> dict[str, tuple[int, int]]:
    """State → (how many orders, how many cents), for the command's closing lines."""
    totals: dict[str, tuple[int, int]] = {}
    for order in orders:
        count, amount = totals.get(order.state.value, (0, 0))
        totals[order.state.value] = (count + 1, amount + order.amount)
    return totals
