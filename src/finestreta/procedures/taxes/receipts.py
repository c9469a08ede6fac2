"""What a receipt costs today, whether it may be paid by card or with a slip, and whether a
taxpayer is up to date: pure, table-driven rules over :class:`~.register.Receipt` values.

* :func:`amount_due`: the principal plus the surcharge of the day and, with the 20 % one only,
  late-payment interest (``surcharges.py``, General Tax Law art. 28);
* :func:`card_refusal` and :func:`slip_refusal` walk :data:`CARD_RULES` and :data:`SLIP_RULES`
  in order: the first rule that applies refuses, with its code; none applies: allowed (None);
* :func:`standing`: up to date when no receipt is in the executive (enforcement) period.

Every refusal code is a declared error of the ``taxes`` domain (the same code and text), so the
web layer raises ``REFUSALS[code]()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finestreta.errors import N_, Conflict, ErrorCode, declare
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.register import DOMAIN, Receipt, ReceiptState
from finestreta.procedures.taxes.surcharges import Surcharge, assess


@dataclass(frozen=True)
class Due:
    """What paying a receipt on one day costs, in cents."""

    principal: Cents
    surcharge_kind: Surcharge
    surcharge: Cents
    interest: Cents
    total: Cents


def amount_due(receipt: Receipt, on: date, rates: Mapping[int, Decimal]) -> Due:
    """What paying ``receipt`` on ``on`` costs. ``rates``: the late-payment interest rate of
    each year in per cent (``TaxesSettings.interest_rates``); a year the days of interest
    fall in and the table lacks is refused (ValueError), as is a receipt that owes nothing
    (paid or cancelled)."""
    if not receipt.is_open:
        raise ValueError(
            f"Expected a pending receipt or one in enforcement, but {receipt.reference} is "
            f"{receipt.state.value}"
        )
    breakdown = assess(
        receipt.principal, receipt.voluntary_until, receipt.enforcement_notified_on, on, rates
    )
    return Due(
        principal=breakdown.principal,
        surcharge_kind=breakdown.kind,
        surcharge=breakdown.surcharge,
        interest=breakdown.interest,
        total=breakdown.total,
    )


# -- refusals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    code: str
    message: str  # the clerk's text (English msgid of the taxes domain)
    applies: Callable[[Receipt, date], bool]


def _domiciled_not_due(receipt: Receipt, today: date) -> bool:
    """The bank will charge it: paying it another way first would charge it twice."""
    return receipt.domiciled and receipt.charge_date is not None and today < receipt.charge_date


def _outside_voluntary_period(receipt: Receipt, today: date) -> bool:
    return (
        receipt.state is not ReceiptState.PENDING
        or not receipt.voluntary_from <= today <= receipt.voluntary_until
    )


ALREADY_PAID = Rule(
    "already_paid",
    N_("This receipt is already paid."),
    lambda receipt, _today: receipt.state is ReceiptState.PAID,
)
CANCELLED = Rule(
    "cancelled",
    N_("This receipt was cancelled: nothing is owed for it."),
    lambda receipt, _today: receipt.state is ReceiptState.CANCELLED,
)
DOMICILED_NOT_DUE = Rule(
    "domiciled_not_due",
    N_(
        "This receipt is domiciled: the bank will charge it on its charge date. It cannot be "
        "paid another way before then."
    ),
    _domiciled_not_due,
)
NOT_YET_PAYABLE = Rule(
    "not_yet_payable",
    N_("The payment period of this receipt has not started yet."),
    lambda receipt, today: today < receipt.voluntary_from,
)
OUTSIDE_VOLUNTARY_PERIOD = Rule(
    "outside_voluntary_period",
    N_("A payment slip is only issued while the receipt is in its voluntary payment period."),
    _outside_voluntary_period,
)

# Pay now by card at the booth: a receipt in enforcement, or past its voluntary period, may be
# paid by card (with the surcharge of the day).
CARD_RULES: tuple[Rule, ...] = (ALREADY_PAID, CANCELLED, DOMICILED_NOT_DUE, NOT_YET_PAYABLE)
# A payment slip (to pay at a bank) only while pending inside its voluntary period: the slip
# carries the principal alone and the voluntary period's last day as its deadline.
SLIP_RULES: tuple[Rule, ...] = (
    ALREADY_PAID,
    CANCELLED,
    DOMICILED_NOT_DUE,
    OUTSIDE_VOLUNTARY_PERIOD,
)

NOT_UP_TO_DATE = declare(
    "not_up_to_date",
    Conflict,
    N_(
        "The taxpayer has receipts in the enforcement period: no certificate of being up to "
        "date can be issued until they are paid."
    ),
    domain=DOMAIN,
)
# Each refusal's declared error (raise ``REFUSALS[code]()``).
REFUSALS: Mapping[str, ErrorCode] = {
    rule.code: declare(rule.code, Conflict, rule.message, domain=DOMAIN)
    for rule in (*CARD_RULES, *SLIP_RULES)
}


def _first(rules: tuple[Rule, ...], receipt: Receipt, today: date) -> str | None:
    for rule in rules:
        if rule.applies(receipt, today):
            return rule.code
    return None


def card_refusal(receipt: Receipt, today: date) -> str | None:
    """None when ``receipt`` may be paid by card today, else the first refusing rule's code
    (``already_paid``, ``cancelled``, ``domiciled_not_due``, ``not_yet_payable``)."""
    return _first(CARD_RULES, receipt, today)


def slip_refusal(receipt: Receipt, today: date) -> str | None:
    """None when a payment slip of ``receipt`` may be issued today, else the first refusing
    rule's code (``already_paid``, ``cancelled``, ``domiciled_not_due``,
    ``outside_voluntary_period``)."""
    return _first(SLIP_RULES, receipt, today)


# -- standing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    up_to_date: bool
    in_enforcement: tuple[Receipt, ...]  # what stands in the way, the oldest deadline first


def overdue(receipt: Receipt, today: date) -> bool:
    """In the executive (enforcement) period: the enforcement order was issued, or the
    voluntary period ended unpaid (General Tax Law art. 161.1: the executive period starts
    the day after, whether or not the order has been issued yet)."""
    return receipt.state is ReceiptState.ENFORCEMENT or (
        receipt.state is ReceiptState.PENDING and today > receipt.voluntary_until
    )


def standing(receipts: Iterable[Receipt], today: date) -> Standing:
    """Up to date when no receipt is in the executive period on ``today``: a receipt still
    in its voluntary period (domiciled or not) does not count against the taxpayer."""
    late = sorted(
        (receipt for receipt in receipts if overdue(receipt, today)),
        key=lambda receipt: (receipt.voluntary_until, receipt.reference),
    )
    return Standing(up_to_date=not late, in_enforcement=tuple(late))
