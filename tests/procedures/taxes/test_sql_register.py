"""The built-in tax register over its tables (SQLite and PostgreSQL): answers, ordering, and
payments posted exactly once, also when twenty arrive at the same moment."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from finestreta.db import Database
from finestreta.errors import NotFound
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.records import ReceiptRow, TaxpayerRow
from finestreta.procedures.taxes.register import (
    ObjectKind,
    PaymentPosting,
    Receipt,
    ReceiptState,
    Tax,
    Taxpayer,
    TaxRegister,
)
from finestreta.procedures.taxes.sql_register import SqlTaxRegister
from tests.procedures.taxes.conftest import MARTA, receipt

JOAN = Taxpayer("33333333P", "Joan Martí Serra")
PAID_ON = date(2026, 12, 2)


def add(db: Database, *receipts: Receipt) -> None:
    with db.session() as session:
        taxpayers = {row.nif: row for row in session.scalars(select(TaxpayerRow))}
        for item in receipts:
            who = taxpayers.get(item.taxpayer.nif)
            if who is None:
                who = taxpayers[item.taxpayer.nif] = TaxpayerRow(
                    nif=item.taxpayer.nif, name=item.taxpayer.name
                )
                session.add(who)
            session.add(
                ReceiptRow(
                    reference=item.reference,
                    taxpayer=who,
                    tax=item.tax.value,
                    tax_code=item.tax_code,
                    year=item.year,
                    period=item.period,
                    object_kind=item.object_kind.value,
                    object_id=item.object_id,
                    object_label=item.object_label,
                    principal=item.principal,
                    voluntary_from=item.voluntary_from,
                    voluntary_until=item.voluntary_until,
                    state=item.state.value,
                    domiciled=item.domiciled,
                    charge_date=item.charge_date,
                    enforcement_notified_on=item.enforcement_notified_on,
                    paid_on=item.paid_on,
                    paid_amount=item.paid_amount,
                    paid_channel=item.paid_channel,
                    payment_reference=item.payment_reference,
                )
            )


IBI_2026 = receipt()
FEE_2026 = receipt(
    reference="2630000002",
    tax=Tax.FEE,
    tax_code="300",
    object_label="Taxa de residus: Carrer de Mallorca 401, 3r 2a",
    principal=Cents(9850),
    voluntary_until=date(2026, 12, 15),
)
IBI_2025 = receipt(
    reference="2510000003",
    year=2025,
    period="2025",
    voluntary_from=date(2025, 11, 1),
    voluntary_until=date(2025, 12, 31),
    state=ReceiptState.PAID,
    paid_on=date(2025, 12, 10),
    paid_amount=Cents(44321),
    paid_channel="bank",
    payment_reference="BANC-1",
)
CAR_2026 = receipt(
    reference="2620000004",
    taxpayer=JOAN,
    tax=Tax.IVTM,
    tax_code="200",
    object_kind=ObjectKind.VEHICLE,
    object_id="4821KLM",
    object_label="Turisme 4821 KLM",
    domiciled=True,
    charge_date=date(2026, 12, 20),
)
ENFORCED = receipt(
    reference="2510000005",
    taxpayer=JOAN,
    year=2025,
    voluntary_from=date(2025, 6, 1),
    voluntary_until=date(2025, 7, 31),
    state=ReceiptState.ENFORCEMENT,
    enforcement_notified_on=date(2026, 2, 3),
)
VOID = receipt(reference="2630000006", state=ReceiptState.CANCELLED)


@pytest.fixture
def register(db: Database) -> SqlTaxRegister:
    add(db, IBI_2026, FEE_2026, IBI_2025, CAR_2026, ENFORCED, VOID)
    return SqlTaxRegister(db.session)


def test_it_answers_with_what_was_stored(register: SqlTaxRegister) -> None:
    assert isinstance(register, TaxRegister)
    assert register.taxpayer("11111111H") == MARTA
    assert register.taxpayer("99999999R") is None
    assert register.receipt("2620000004") == CAR_2026
    assert register.receipt("2510000005") == ENFORCED
    assert register.receipt("0000000000") is None


def test_receipts_of_a_taxpayer_newest_first(register: SqlTaxRegister) -> None:
    assert register.receipts_of("11111111H") == [VOID, IBI_2026, FEE_2026, IBI_2025]
    assert register.receipts_of("33333333P") == [CAR_2026, ENFORCED]
    assert register.receipts_of("99999999R") == []


def test_a_payment_is_recorded_once(register: SqlTaxRegister) -> None:
    post: dict[str, Any] = {"paid_on": PAID_ON, "amount": Cents(45678), "channel": "card_booth"}
    assert register.record_payment("2610000001", **post, payment_reference="0001A0000001") is (
        PaymentPosting.RECORDED
    )
    paid = replace(
        IBI_2026,
        state=ReceiptState.PAID,
        paid_on=PAID_ON,
        paid_amount=Cents(45678),
        paid_channel="card_booth",
        payment_reference="0001A0000001",
    )
    assert register.receipt("2610000001") == paid
    # the same payment again (a repeated notification): nothing changes
    again = register.record_payment("2610000001", **post, payment_reference="0001A0000001")
    assert again is PaymentPosting.ALREADY_RECORDED
    # another payment of a receipt already paid: nothing changes, the caller refunds it
    other = register.record_payment(
        "2610000001", paid_on=date(2026, 12, 3), amount=Cents(45678), channel="bank",
        payment_reference="BANC-9",
    )  # fmt: skip
    assert other is PaymentPosting.PAID_OTHERWISE
    assert register.receipt("2610000001") == paid
    assert register.record_payment("2510000003", **post, payment_reference="X") is (
        PaymentPosting.PAID_OTHERWISE
    )


def test_receipts_in_enforcement_take_payments_cancelled_ones_do_not(
    register: SqlTaxRegister,
) -> None:
    late = register.record_payment(
        "2510000005", paid_on=PAID_ON, amount=Cents(46518), channel="counter",
        payment_reference="OAC-1",
    )  # fmt: skip
    assert late is PaymentPosting.RECORDED
    recorded = register.receipt("2510000005")
    assert recorded is not None and recorded.state is ReceiptState.PAID
    assert recorded.paid_amount == 46518 and recorded.enforcement_notified_on == date(2026, 2, 3)
    void = register.record_payment(
        "2630000006", paid_on=PAID_ON, amount=Cents(1), channel="bank", payment_reference="B"
    )
    assert void is PaymentPosting.CANCELLED
    assert register.receipt("2630000006") == VOID


def test_bad_postings_are_refused(register: SqlTaxRegister) -> None:
    with pytest.raises(NotFound) as unknown:
        register.record_payment(
            "0000000000", paid_on=PAID_ON, amount=Cents(1), channel="bank", payment_reference="B"
        )
    assert unknown.value.code == "unknown_receipt"
    with pytest.raises(ValueError, match="channel"):
        register.record_payment(
            "2610000001", paid_on=PAID_ON, amount=Cents(1), channel="cash", payment_reference="B"
        )
    with pytest.raises(ValueError, match="1 cent or more"):
        register.record_payment(
            "2610000001", paid_on=PAID_ON, amount=Cents(0), channel="bank", payment_reference="B"
        )
    with pytest.raises(TypeError):
        register.record_payment(
            "2610000001",
            paid_on=PAID_ON,
            amount=456.78,  # type: ignore[arg-type]
            channel="bank",
            payment_reference="B",
        )
    assert register.receipt("2610000001") == IBI_2026


def post_at_once(register: SqlTaxRegister, references: list[str]) -> list[PaymentPosting]:
    """Post one payment per reference, each from its own thread, all released together."""
    start = threading.Barrier(len(references))
    results: list[PaymentPosting | BaseException] = [PaymentPosting.RECORDED] * len(references)

    def post(index: int, payment: str) -> None:
        try:
            start.wait(timeout=10)
            results[index] = register.record_payment(
                "2610000001", paid_on=PAID_ON, amount=Cents(45678), channel="card_booth",
                payment_reference=payment,
            )  # fmt: skip
        except BaseException as exc:  # surfaced below
            results[index] = exc

    threads = [
        threading.Thread(target=post, args=(i, payment)) for i, payment in enumerate(references)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    failures = [result for result in results if isinstance(result, BaseException)]
    assert not failures, failures
    return [result for result in results if isinstance(result, PaymentPosting)]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_twenty_payments_at_once_record_one(db: Database, register: SqlTaxRegister) -> None:
    """Twenty different payments of one receipt at the same moment, on PostgreSQL (real
    concurrency: SQLite serialises its writers): one is recorded, the others find it paid
    otherwise."""
    assert db.engine.dialect.name == "postgresql"
    payments = [f"0001A{n:07d}" for n in range(20)]
    results = post_at_once(register, payments)
    assert sorted(results) == sorted(
        [PaymentPosting.RECORDED] + [PaymentPosting.PAID_OTHERWISE] * 19
    )
    winner = payments[results.index(PaymentPosting.RECORDED)]
    stored = register.receipt("2610000001")
    assert stored is not None and stored.payment_reference == winner


def test_one_payment_notified_twenty_times_at_once_records_once(
    db: Database, register: SqlTaxRegister
) -> None:
    results = post_at_once(register, ["0001A0000042"] * 20)
    assert results.count(PaymentPosting.RECORDED) == 1
    assert results.count(PaymentPosting.ALREADY_RECORDED) == 19
    stored = register.receipt("2610000001")
    assert stored is not None and stored.payment_reference == "0001A0000042"
