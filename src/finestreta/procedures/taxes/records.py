"""Tables of the built-in tax register, and the audit of look-ups (migration ``x001``).

Amounts are integer cents. A receipt is never deleted: a cancelled one keeps its row with the
state ``cancelled``; a paid one keeps how, when and by which payment it was paid.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finestreta.db import Base, UTCDateTime, utcnow


class TaxpayerRow(Base):
    __tablename__ = "tax_taxpayers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nif: Mapped[str] = mapped_column(String(9), unique=True)  # normalised DNI, NIE or CIF
    name: Mapped[str] = mapped_column(String(200))


class ReceiptRow(Base):
    __tablename__ = "tax_receipts"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'enforcement', 'paid', 'cancelled')", name="state"),
        CheckConstraint("principal > 0", name="principal"),
        CheckConstraint("voluntary_from <= voluntary_until", name="voluntary_period"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(10), unique=True)  # Cuaderno 60 document
    taxpayer_id: Mapped[int] = mapped_column(ForeignKey("tax_taxpayers.id"), index=True)
    tax: Mapped[str] = mapped_column(String(8))  # ibi | ivtm | fee
    tax_code: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(40))
    object_kind: Mapped[str] = mapped_column(String(10))  # property | vehicle | activity
    object_id: Mapped[str] = mapped_column(String(40))
    object_label: Mapped[str] = mapped_column(String(200))
    principal: Mapped[int] = mapped_column(BigInteger)  # cents
    voluntary_from: Mapped[date] = mapped_column(Date)
    voluntary_until: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))
    domiciled: Mapped[bool] = mapped_column(Boolean, default=False)
    charge_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    enforcement_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # cents
    paid_channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    payment_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    taxpayer: Mapped[TaxpayerRow] = relationship(lazy="joined")


class TaxLookupRow(Base):
    """One look-up in the tax register by a clerk: written whatever the answer (even none)."""

    __tablename__ = "tax_lookups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    clerk_id: Mapped[int] = mapped_column(Integer, index=True)
    call_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(20))  # taxpayer | receipts_of | receipt
    nif: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)
    reference: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    found: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # None: the register failed
    purpose: Mapped[str] = mapped_column(Text)


class PaymentReceiptRow(Base):
    """The sealed payment receipt of a paid order, one per order: the row is written in the
    transaction that issues the receipt, so a posting retried (another node, the periodic task)
    never issues a second one."""

    __tablename__ = "tax_payment_receipts"
    order_number: Mapped[str] = mapped_column(String(12), primary_key=True)
    code: Mapped[str] = mapped_column(String(32))  # the receipt's verification code
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
