"""The demo receipts import cleanly and show every case the demo needs, on any day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stdnum.es import nif, referenciacatastral

from finestreta.db import Database
from finestreta.padro.synthetic import DEMO
from finestreta.procedures.taxes import synthetic
from finestreta.procedures.taxes.importer import import_csv
from finestreta.procedures.taxes.receipts import amount_due, card_refusal, slip_refusal, standing
from finestreta.procedures.taxes.register import ObjectKind, Receipt, ReceiptState, Tax
from finestreta.procedures.taxes.settings import DEFAULT_INTEREST_RATES
from finestreta.procedures.taxes.sql_register import SqlTaxRegister
from finestreta.procedures.taxes.surcharges import Surcharge

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "taxes.md").read_text(encoding="utf-8")


def imported(db: Database, tmp_path: Path, today: date) -> list[Receipt]:
    path = tmp_path / "rebuts.csv"
    count = synthetic.write_csv(path, today=today)
    with db.session() as session:
        report = import_csv(session, path, today=today)
    assert report.ok, report.errors
    assert report.receipts_created == count
    register = SqlTaxRegister(db.session)
    nifs = sorted({row["nif"] for row in synthetic.generate(today)})
    return [receipt for number in nifs for receipt in register.receipts_of(number)]


@pytest.mark.parametrize("today", [date(2026, 11, 28), date(2027, 1, 3)])
def test_the_demo_has_every_case(db: Database, tmp_path: Path, today: date) -> None:
    receipts = imported(db, tmp_path, today)
    states = {receipt.state for receipt in receipts}
    assert states == set(ReceiptState)
    assert {receipt.tax for receipt in receipts} == set(Tax)
    assert {receipt.object_kind for receipt in receipts} == set(ObjectKind)
    # pending ones payable today, by card and with a slip
    payable = [
        r for r in receipts if card_refusal(r, today) is None and r.state is ReceiptState.PENDING
    ]
    assert len([r for r in payable if slip_refusal(r, today) is None]) >= 3
    # paid ones say how and when
    for paid in (r for r in receipts if r.state is ReceiptState.PAID):
        assert paid.paid_on is not None and paid.paid_on <= today
        assert paid.paid_channel and paid.paid_amount and paid.payment_reference
    channels = {r.paid_channel for r in receipts if r.paid_channel}
    assert channels == {"bank", "counter", "card_booth", "domiciliation"}
    # one domiciled, charged in the future: not payable by card yet
    waiting = [r for r in receipts if card_refusal(r, today) == "domiciled_not_due"]
    assert len(waiting) == 1 and waiting[0].charge_date and waiting[0].charge_date > today
    # one in enforcement, notified: 10 % today, with the default rates
    (enforced,) = [r for r in receipts if r.state is ReceiptState.ENFORCEMENT]
    assert enforced.enforcement_notified_on is not None
    assert amount_due(enforced, today, DEFAULT_INTEREST_RATES).surcharge_kind is Surcharge.REDUCED
    # one past its voluntary period without an order: 5 %
    late = [r for r in receipts if r.state is ReceiptState.PENDING and r.voluntary_until < today]
    assert [amount_due(r, today, DEFAULT_INTEREST_RATES).surcharge_kind for r in late] == [
        Surcharge.EXECUTIVE
    ]


def test_the_taxpayers_are_the_census_demo_residents(db: Database, tmp_path: Path) -> None:
    today = date(2026, 11, 28)
    receipts = imported(db, tmp_path, today)
    residents = {
        person.document_number: f"{person.given_name} {person.surnames}" for person in DEMO.values()
    }
    for receipt in receipts:
        assert residents[receipt.taxpayer.nif] == receipt.taxpayer.name
        assert nif.is_valid(receipt.taxpayer.nif)
        if receipt.object_kind is ObjectKind.PROPERTY:
            assert referenciacatastral.is_valid(receipt.object_id)
    by_person = {
        number: standing([r for r in receipts if r.taxpayer.nif == number], today).up_to_date
        for number in {r.taxpayer.nif for r in receipts}
    }
    # who is up to date, as docs/taxes.md tells the demo user
    assert by_person == {
        "11111111H": True,
        "22222222J": True,
        "33333333P": False,
        "12345678Z": True,
        "X1234567L": False,
    }
    for receipt in receipts:  # the demo user's table names every object
        assert receipt.object_label.split(": ")[-1] in DOCS, receipt.object_label
    for number in by_person:
        assert f"`{number}`" in DOCS


def test_the_same_day_gives_the_same_rows() -> None:
    day = date(2026, 2, 28)
    assert synthetic.generate(day) == synthetic.generate(day)
    assert synthetic.generate(day) != synthetic.generate(date(2026, 3, 1))
