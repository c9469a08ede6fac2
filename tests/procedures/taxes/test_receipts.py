"""The rules over receipts, one row per case: what is due today, card and slip refusals,
standing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finestreta import errors
from finestreta.i18n import catalogue
from finestreta.procedures.taxes import procedure
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.receipts import (
    CARD_RULES,
    NOT_UP_TO_DATE,
    REFUSALS,
    SLIP_RULES,
    Due,
    amount_due,
    card_refusal,
    slip_refusal,
    standing,
)
from finestreta.procedures.taxes.register import ReceiptState
from finestreta.procedures.taxes.surcharges import Surcharge
from tests.procedures.taxes.conftest import receipt

RATES = {2026: Decimal("4.0625"), 2027: Decimal("4.0625")}
PENDING, ENFORCEMENT = ReceiptState.PENDING, ReceiptState.ENFORCEMENT
PAID, CANCELLED = ReceiptState.PAID, ReceiptState.CANCELLED
NOTIFIED = date(2027, 1, 10)  # a day 1–15: the reduced term ends on 20 February


@pytest.mark.parametrize(
    ("state", "notified", "on", "expected"),
    [
        # in the voluntary period (its last day included): the principal alone
        (
            PENDING,
            None,
            date(2026, 12, 31),
            Due(Cents(45678), Surcharge.NONE, Cents(0), Cents(0), Cents(45678)),
        ),
        # after it, no enforcement order notified: 5 % of 456,78 € = 22,839 → 22,84 €
        (
            PENDING,
            None,
            date(2027, 1, 5),
            Due(Cents(45678), Surcharge.EXECUTIVE, Cents(2284), Cents(0), Cents(47962)),
        ),
        (
            ENFORCEMENT,
            None,
            date(2027, 1, 5),
            Due(Cents(45678), Surcharge.EXECUTIVE, Cents(2284), Cents(0), Cents(47962)),
        ),
        # notified, paid within the term: 10 % = 45,678 → 45,68 €
        (
            ENFORCEMENT,
            NOTIFIED,
            date(2027, 2, 20),
            Due(Cents(45678), Surcharge.REDUCED, Cents(4568), Cents(0), Cents(50246)),
        ),
        # after the term: 20 % = 91,356 → 91,36 €, and interest for 1 January – 1 March 2027
        # (60 days) at 4.0625 %: 45678 × 0.040625 × 60 / 365 = 305.04 → 3,05 €
        (
            ENFORCEMENT,
            NOTIFIED,
            date(2027, 3, 1),
            Due(Cents(45678), Surcharge.ORDINARY, Cents(9136), Cents(305), Cents(55119)),
        ),
    ],
)
def test_amount_due(state: ReceiptState, notified: date | None, on: date, expected: Due) -> None:
    assert amount_due(receipt(state=state, enforcement_notified_on=notified), on, RATES) == expected


@pytest.mark.parametrize("state", [PAID, CANCELLED])
def test_nothing_is_due_on_a_closed_receipt(state: ReceiptState) -> None:
    with pytest.raises(ValueError, match=state.value):
        amount_due(receipt(state=state), date(2026, 12, 1), RATES)


def test_a_year_without_a_rate_is_refused() -> None:
    late = receipt(state=ENFORCEMENT, enforcement_notified_on=NOTIFIED)
    with pytest.raises(ValueError, match="2027"):
        amount_due(late, date(2027, 3, 1), {2026: Decimal("4.0625")})


DOMICILED = {"domiciled": True, "charge_date": date(2026, 12, 20)}


@pytest.mark.parametrize(
    ("changes", "today", "refusal"),
    [
        ({}, date(2026, 11, 1), None),  # first day of the voluntary period
        ({}, date(2026, 12, 31), None),  # its last day
        ({}, date(2027, 2, 1), None),  # after it: payable, with its surcharge
        ({"state": ENFORCEMENT}, date(2027, 2, 1), None),
        ({"state": ENFORCEMENT, "enforcement_notified_on": NOTIFIED}, date(2027, 5, 1), None),
        ({"state": PAID}, date(2026, 12, 1), "already_paid"),
        ({"state": CANCELLED}, date(2026, 12, 1), "cancelled"),
        (DOMICILED, date(2026, 12, 19), "domiciled_not_due"),
        (DOMICILED, date(2026, 12, 20), None),  # from the charge date (the charge failed)
        (DOMICILED, date(2027, 1, 15), None),
        ({}, date(2026, 10, 31), "not_yet_payable"),
        (DOMICILED, date(2026, 10, 31), "domiciled_not_due"),  # the more telling reason
        ({**DOMICILED, "state": PAID}, date(2026, 12, 1), "already_paid"),
    ],
)
def test_card_refusal(changes: dict[str, object], today: date, refusal: str | None) -> None:
    assert card_refusal(receipt(**changes), today) == refusal


@pytest.mark.parametrize(
    ("changes", "today", "refusal"),
    [
        ({}, date(2026, 11, 1), None),
        ({}, date(2026, 12, 31), None),
        ({}, date(2027, 1, 1), "outside_voluntary_period"),
        ({}, date(2026, 10, 31), "outside_voluntary_period"),
        ({"state": ENFORCEMENT}, date(2027, 2, 1), "outside_voluntary_period"),
        ({"state": PAID}, date(2026, 12, 1), "already_paid"),
        ({"state": CANCELLED}, date(2026, 12, 1), "cancelled"),
        (DOMICILED, date(2026, 12, 1), "domiciled_not_due"),
        (DOMICILED, date(2026, 12, 22), None),  # the charge failed: a slip to pay at a bank
    ],
)
def test_slip_refusal(changes: dict[str, object], today: date, refusal: str | None) -> None:
    assert slip_refusal(receipt(**changes), today) == refusal


def test_standing() -> None:
    today = date(2026, 12, 10)
    in_period = receipt(reference="2610000001")
    paid = receipt(reference="2610000002", state=PAID)
    cancelled = receipt(
        reference="2510000003",
        state=CANCELLED,
        voluntary_from=date(2025, 10, 1),
        voluntary_until=date(2025, 12, 1),
    )
    domiciled = receipt(reference="2620000004", **DOMICILED)
    assert standing([], today) == standing([in_period, paid, cancelled, domiciled], today)
    assert standing([in_period, paid, cancelled, domiciled], today).up_to_date
    # past its voluntary period, unpaid: in the executive period, order or not
    overdue = receipt(
        reference="2530000005",
        voluntary_from=date(2026, 8, 1),
        voluntary_until=date(2026, 9, 30),
    )
    enforced = receipt(
        reference="2510000006",
        state=ENFORCEMENT,
        voluntary_from=date(2025, 11, 1),
        voluntary_until=date(2025, 12, 31),
        enforcement_notified_on=date(2026, 3, 2),
    )
    result = standing([in_period, overdue, paid, enforced], today)
    assert not result.up_to_date
    assert result.in_enforcement == (enforced, overdue)  # the oldest deadline first
    # the day after the voluntary period ends, a pending receipt stands in the way
    assert standing([in_period], date(2026, 12, 31)).up_to_date
    assert standing([in_period], date(2027, 1, 1)).in_enforcement == (in_period,)


def test_every_refusal_is_a_declared_error_with_its_texts() -> None:
    codes = {rule.code for rule in (*CARD_RULES, *SLIP_RULES)}
    assert codes == {
        "already_paid",
        "cancelled",
        "domiciled_not_due",
        "not_yet_payable",
        "outside_voluntary_period",
    }
    for code in (*sorted(codes), NOT_UP_TO_DATE.code):
        entry = errors.CODES[code]
        assert entry is REFUSALS.get(code, NOT_UP_TO_DATE)
        assert entry.domain == "taxes" and issubclass(entry.kind, errors.Conflict)
        assert procedure.locale is not None
        texts = [
            catalogue(lang, "taxes", procedure.locale).get(entry.clerk)
            for lang in ["ca", "es", "en"]
        ]
        assert all(texts) and texts[0] != entry.clerk and texts[1] != entry.clerk, code
        raised = REFUSALS.get(code, NOT_UP_TO_DATE)()
        assert isinstance(raised, errors.Conflict) and raised.code == code
