"""Reading and writing payment rows inside a caller's session: orders as
:class:`~finestreta.payments.orders.PaymentOrder` values, order numbers from the counter,
events, and the secret of our links. No rules here; :mod:`.desk` holds them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from finestreta.payments.gateway import Language
from finestreta.payments.money import Cents
from finestreta.payments.orders import OrderItem, OrderState, PaymentOrder, Returned
from finestreta.payments.records import (
    PaymentCounterRow,
    PaymentEventRow,
    PaymentItemRow,
    PaymentOrderRow,
    PaymentSecretRow,
)

LINK_SECRET = "links"


@dataclass(frozen=True)
class PaymentEvent:
    """A line of the payments audit (a refused notification: ``event`` is ``refused``)."""

    at: datetime
    order_number: str | None
    event: str
    code: str | None
    actor: str | None
    remote: str | None
    size: int | None
    detail: str


def _insert_ignoring_conflict(session: Session, table: type, values: dict[str, object]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(table).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(table).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - Finestreta runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"payments do not support {dialect}")


def _increment(session: Session, prefix: str) -> int | None:
    statement = (
        update(PaymentCounterRow)
        .where(PaymentCounterRow.prefix == prefix)
        .values(last_sequence=PaymentCounterRow.last_sequence + 1)
        .returning(PaymentCounterRow.last_sequence)
    )
    return session.execute(statement).scalar_one_or_none()


def next_sequence(session: Session, prefix: str) -> int:
    """The next sequence number of ``prefix`` (1 for the first), taken in the session's
    transaction: two transactions never get the same one (the second waits on the counter
    row's lock, or SQLite's write lock), and the counter only goes up. Like the registry's
    counter (``registry/numbering.py``), it must be the transaction's first write on SQLite."""
    sequence = _increment(session, prefix)
    if sequence is not None:
        return sequence
    _insert_ignoring_conflict(session, PaymentCounterRow, {"prefix": prefix, "last_sequence": 0})
    sequence = _increment(session, prefix)
    if sequence is None:  # pragma: no cover - the row exists now, whoever made it
        raise RuntimeError(f"payment counter {prefix} vanished")
    return sequence


def link_secret(session: Session, now: datetime) -> bytes:
    """The secret of our links' tokens: made once (random) and kept in the database, so that
    every node of a cluster makes and checks the same tokens."""
    _insert_ignoring_conflict(
        session,
        PaymentSecretRow,
        {
            "name": LINK_SECRET,
            "value": secrets.token_urlsafe(48),
            "created_at": now,
        },
    )
    value = session.scalar(
        select(PaymentSecretRow.value).where(PaymentSecretRow.name == LINK_SECRET)
    )
    if value is None:  # pragma: no cover - inserted just above, or by another node
        raise RuntimeError("the payment links' secret is missing")
    return value.encode("ascii")


def add_event(
    session: Session,
    at: datetime,
    order_number: str | None,
    event: str,
    *,
    code: str | None = None,
    actor: str | None = None,
    remote: str | None = None,
    size: int | None = None,
    detail: str = "",
) -> None:
    session.add(
        PaymentEventRow(
            at=at,
            order_number=order_number[:40] if order_number is not None else None,
            event=event,
            code=code,
            actor=actor[:40] if actor else actor,
            remote=remote[:64] if remote else remote,
            size=size,
            detail=detail[:300],
        )
    )


def event_of(row: PaymentEventRow) -> PaymentEvent:
    return PaymentEvent(
        row.at, row.order_number, row.event, row.code, row.actor, row.remote, row.size, row.detail
    )


def _order_of(row: PaymentOrderRow, items: Iterable[PaymentItemRow]) -> PaymentOrder:
    return PaymentOrder(
        number=row.number,
        owner=row.owner,
        call_id=row.call_id,
        kiosk_id=row.kiosk_id,
        clerk_id=row.clerk_id,
        language=cast(Language, row.language),
        items=tuple(
            OrderItem(item.reference, item.label, Cents(item.amount))
            for item in sorted(items, key=lambda item: item.position)
        ),
        amount=Cents(row.amount),
        state=OrderState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        opened_at=row.opened_at,
        returned=cast(Returned | None, row.returned),
        settled_at=row.settled_at,
        response_code=row.response_code,
        authorisation_code=row.authorisation_code,
        gateway=row.gateway,
        posted_at=row.posted_at,
        refund_due=row.refund_due,
        note=row.note,
    )


def orders(session: Session, rows: Iterable[PaymentOrderRow]) -> list[PaymentOrder]:
    """The orders of ``rows`` with their items (one query for all the items)."""
    rows = list(rows)
    numbers = [row.number for row in rows]
    items: dict[str, list[PaymentItemRow]] = {number: [] for number in numbers}
    if numbers:
        for item in session.scalars(
            select(PaymentItemRow).where(PaymentItemRow.order_number.in_(numbers))
        ):
            items[item.order_number].append(item)
    return [_order_of(row, items[row.number]) for row in rows]


def load(session: Session, number: str) -> PaymentOrder | None:
    row = session.get(PaymentOrderRow, number)
    return orders(session, [row])[0] if row is not None else None


def rows_changed(session: Session, statement: Executable) -> int:
    """How many rows an ``UPDATE`` changed: what decides who settled an order."""
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def release_holds(session: Session, number: str) -> None:
    """The order has ended: its items may be paid in another order."""
    session.execute(
        update(PaymentItemRow)
        .where(PaymentItemRow.order_number == number)
        .values(held_reference=None)
    )


def paid_elsewhere(session: Session, number: str, references: Iterable[str]) -> list[str]:
    """Other paid orders that paid one of ``references`` (a receipt paid twice)."""
    statement = (
        select(PaymentItemRow.order_number)
        .join(PaymentOrderRow, PaymentOrderRow.number == PaymentItemRow.order_number)
        .where(
            PaymentItemRow.reference.in_(list(references)),
            PaymentOrderRow.state == OrderState.PAID.value,
            PaymentOrderRow.number != number,
        )
        .distinct()
        .order_by(PaymentItemRow.order_number)
    )
    return list(session.scalars(statement))
