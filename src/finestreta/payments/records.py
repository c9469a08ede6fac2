"""Tables of payments: orders, their items, what happened to them, the order-number counter
and the secret of our payment links.

* An order is never deleted (migration 0010 makes the database refuse it), so its number,
  its primary key, can never be given again.
* ``payment_order_items.held_reference`` is the item's reference while its order is open and
  NULL afterwards; a unique index on it makes the database itself refuse a second open order
  for the same receipt, even when two clerks press "pay" at the same moment.
* ``payment_counters`` holds the last sequence number per prefix; it only goes up (a trigger
  refuses anything else, and its deletion).
* ``payment_events`` is the audit: every transition, and every refused notification with who
  sent it and how big it was (never the key or the signature).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime

STATES = ("open", "paid", "declined", "expired", "cancelled")


class PaymentOrderRow(Base):
    __tablename__ = "payment_orders"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "state IN ('open', 'paid', 'declined', 'expired', 'cancelled')", name="state"
        ),
        CheckConstraint("returned IS NULL OR returned IN ('ok', 'ko')", name="returned"),
        Index("ix_payment_orders_state_expires", "state", "expires_at"),
    )

    number: Mapped[str] = mapped_column(String(12), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    kiosk_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    language: Mapped[str] = mapped_column(String(2))
    amount: Mapped[int] = mapped_column(Integer)  # cents
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(10))
    gateway: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    returned: Mapped[str | None] = mapped_column(String(2), nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    authorisation_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refund_due: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)


class PaymentItemRow(Base):
    __tablename__ = "payment_order_items"
    __table_args__ = (
        UniqueConstraint("order_number", "position", name="uq_payment_order_items_position"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("payment_orders.number"))
    position: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(Integer)  # cents
    # the reference while the order is open, NULL after: unique, so one open order per item
    held_reference: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class PaymentEventRow(Base):
    """One thing that happened to an order, or a notification refused (``order_number`` then
    as the notification named it, if it could be read)."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    order_number: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    event: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(40), nullable=True)  # clerk:3, gateway
    remote: Mapped[str | None] = mapped_column(String(64), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(String(300))


class PaymentCounterRow(Base):
    """The last sequence number given under an order prefix; only ever incremented."""

    __tablename__ = "payment_counters"
    __table_args__ = (CheckConstraint("last_sequence >= 0", name="last_sequence_not_negative"),)

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer)


class PaymentSecretRow(Base):
    """The secret our payment links' tokens are made with, made once and shared by every
    node through the database."""

    __tablename__ = "payment_secrets"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
