"""The built-in tax register: the ``tax_*`` tables in Finestreta's own database."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finestreta.procedures.taxes.money import Cents, cents
from finestreta.procedures.taxes.records import ReceiptRow, TaxpayerRow
from finestreta.procedures.taxes.register import (
    CHANNELS,
    OPEN_STATES,
    UNKNOWN_RECEIPT,
    ObjectKind,
    PaymentPosting,
    Receipt,
    ReceiptState,
    Tax,
    Taxpayer,
)

SessionFactory = Callable[[], AbstractContextManager[Session]]


def taxpayer_of(row: TaxpayerRow) -> Taxpayer:
    return Taxpayer(nif=row.nif, name=row.name)


def receipt_of(row: ReceiptRow) -> Receipt:
    return Receipt(
        reference=row.reference,
        taxpayer=taxpayer_of(row.taxpayer),
        tax=Tax(row.tax),
        tax_code=row.tax_code,
        year=row.year,
        period=row.period,
        object_kind=ObjectKind(row.object_kind),
        object_id=row.object_id,
        object_label=row.object_label,
        principal=Cents(row.principal),
        voluntary_from=row.voluntary_from,
        voluntary_until=row.voluntary_until,
        state=ReceiptState(row.state),
        domiciled=row.domiciled,
        charge_date=row.charge_date,
        enforcement_notified_on=row.enforcement_notified_on,
        paid_on=row.paid_on,
        paid_amount=Cents(row.paid_amount) if row.paid_amount is not None else None,
        paid_channel=row.paid_channel,
        payment_reference=row.payment_reference,
    )


class SqlTaxRegister:
    """Implements :class:`finestreta.procedures.taxes.register.TaxRegister` over the ``tax_*``
    tables. ``sessions`` is a factory of sessions such as ``Database.session``; every call
    uses one short session of its own."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def taxpayer(self, nif: str) -> Taxpayer | None:
        with self._sessions() as session:
            row = session.scalar(select(TaxpayerRow).where(TaxpayerRow.nif == nif))
            return taxpayer_of(row) if row is not None else None

    def receipts_of(self, nif: str) -> list[Receipt]:
        with self._sessions() as session:
            rows = session.scalars(
                select(ReceiptRow)
                .join(TaxpayerRow, TaxpayerRow.id == ReceiptRow.taxpayer_id)
                .where(TaxpayerRow.nif == nif)
                .order_by(
                    ReceiptRow.year.desc(),
                    ReceiptRow.voluntary_until.desc(),
                    ReceiptRow.reference.desc(),
                )
            )
            return [receipt_of(row) for row in rows]

    def receipt(self, reference: str) -> Receipt | None:
        with self._sessions() as session:
            row = session.scalar(select(ReceiptRow).where(ReceiptRow.reference == reference))
            return receipt_of(row) if row is not None else None

    def record_payment(
        self,
        reference: str,
        *,
        paid_on: date,
        amount: Cents,
        channel: str,
        payment_reference: str,
    ) -> PaymentPosting:
        """One conditional UPDATE (only while the receipt is open) decides: of two postings
        at the same moment, the database lets one change the row; the other then finds it
        paid and reads who paid it."""
        if channel not in CHANNELS:
            raise ValueError(f"Expected a channel among {sorted(CHANNELS)}, but got {channel!r}")
        if cents(amount) <= 0:
            raise ValueError(f"Expected a payment of 1 cent or more, but got {amount}")
        if not payment_reference or len(payment_reference) > 64:
            raise ValueError(
                f"Expected a payment reference of 1–64 characters: {payment_reference!r}"
            )
        with self._sessions() as session:
            changed = session.execute(
                update(ReceiptRow)
                .where(
                    ReceiptRow.reference == reference,
                    ReceiptRow.state.in_([state.value for state in OPEN_STATES]),
                )
                .values(
                    state=ReceiptState.PAID.value,
                    paid_on=paid_on,
                    paid_amount=int(amount),
                    paid_channel=channel,
                    payment_reference=payment_reference,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(changed, "rowcount", 0) == 1:
                return PaymentPosting.RECORDED
            row = session.execute(
                select(ReceiptRow.state, ReceiptRow.payment_reference).where(
                    ReceiptRow.reference == reference
                )
            ).first()
        if row is None:
            raise UNKNOWN_RECEIPT(f"No receipt {reference!r} in the tax register")
        state, recorded = row
        if state == ReceiptState.CANCELLED.value:
            return PaymentPosting.CANCELLED
        if recorded == payment_reference:
            return PaymentPosting.ALREADY_RECORDED
        return PaymentPosting.PAID_OTHERWISE
