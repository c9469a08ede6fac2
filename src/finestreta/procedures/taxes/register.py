"""The port to the tax register: what the taxes procedure asks, whoever answers.

The built-in :class:`finestreta.procedures.taxes.sql_register.SqlTaxRegister` keeps taxpayers
and their receipts (*rebuts*) in Finestreta's own database, filled by the CSV importer. A city
whose treasury runs its own system writes an adapter with the methods of :class:`TaxRegister`
(over a web service, a database view...) and names its factory in ``FINESTRETA_TAXES_REGISTER``
(``factory.py``); nothing else changes. Pure: no I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from stdnum.es import nif as stdnum_nif
from stdnum.exceptions import ValidationError

from finestreta.errors import N_, InvalidInput, NotFound, Unavailable, declare
from finestreta.procedures.taxes.money import Cents

DOMAIN = "taxes"


class Tax(StrEnum):
    IBI = "ibi"  # impost sobre béns immobles: a property, by its cadastral reference
    IVTM = "ivtm"  # impost sobre vehicles de tracció mecànica: a vehicle, by its plate
    FEE = "fee"  # a fee (taxa): waste collection, an activity...


class ObjectKind(StrEnum):
    PROPERTY = "property"  # object_id: the cadastral reference (20 characters)
    VEHICLE = "vehicle"  # object_id: the plate
    ACTIVITY = "activity"  # object_id: the city's code of the activity


class ReceiptState(StrEnum):
    """Where a receipt stands in the register.

    ``PENDING``: not paid and not in enforcement: its voluntary period is running, or has ended
    without the enforcement order being issued yet (paying then bears the 5 % executive
    surcharge). ``ENFORCEMENT``: the enforcement order (*providència de constrenyiment*) was
    issued; ``enforcement_notified_on`` says when it was notified, once it was."""

    PENDING = "pending"
    ENFORCEMENT = "enforcement"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentPosting(StrEnum):
    """What :meth:`TaxRegister.record_payment` did."""

    RECORDED = "recorded"  # the receipt is now paid by this payment
    ALREADY_RECORDED = "already_recorded"  # this payment (same reference) was recorded before
    PAID_OTHERWISE = "paid_otherwise"  # already paid by another payment: nothing changed
    CANCELLED = "cancelled"  # the receipt was cancelled: nothing recorded (a refund is due)


class Channel(StrEnum):
    """How a receipt was paid (``Receipt.paid_channel``)."""

    CARD_BOOTH = "card_booth"  # by card at a booth, through the payment gateway
    BANK = "bank"  # with the payment slip at a bank
    DOMICILIATION = "domiciliation"  # charged to the taxpayer's bank account
    COUNTER = "counter"  # at a municipal office's counter


CHANNELS: frozenset[str] = frozenset(channel.value for channel in Channel)
OPEN_STATES: frozenset[ReceiptState] = frozenset({ReceiptState.PENDING, ReceiptState.ENFORCEMENT})

REFERENCE = re.compile(r"[0-9]{10}")
TAX_CODE = re.compile(r"[0-9]{3}")


@dataclass(frozen=True)
class Taxpayer:
    nif: str  # normalised: DNI, NIE or CIF, upper case, no separators
    name: str


@dataclass(frozen=True)
class Receipt:
    reference: str  # 10 digits: the Cuaderno 60 document number, unique in the register
    taxpayer: Taxpayer
    tax: Tax
    tax_code: str  # 3 digits: the tax's code on the payment slip
    year: int  # the tax year (ejercicio)
    period: str  # as the treasury writes it: "2026", "1r semestre 2026"
    object_kind: ObjectKind
    object_id: str  # cadastral reference, plate or activity code (normalised)
    object_label: str  # what a person reads: "Carrer de Mallorca 401, 3r 2a"
    principal: Cents
    voluntary_from: date  # first day of the voluntary period
    voluntary_until: date  # last day of the voluntary period (the slip's deadline)
    state: ReceiptState
    domiciled: bool = False  # charged to a bank account on ``charge_date``
    charge_date: date | None = None
    enforcement_notified_on: date | None = None
    paid_on: date | None = None
    paid_amount: Cents | None = None  # principal plus any surcharge and interest
    paid_channel: str | None = None  # one of CHANNELS
    payment_reference: str | None = None  # the order, bank operation... that paid it

    @property
    def is_open(self) -> bool:
        """Not paid and not cancelled: something is owed."""
        return self.state in OPEN_STATES


class TaxRegisterError(LookupError):
    """Base of the errors a register raises for a reference it cannot answer for."""


class TaxRegisterUnavailable(Unavailable):
    """An adapter could not reach its back end (time-out, outage); safe to retry."""

    def __init__(self, message: str = "The tax register does not answer") -> None:
        super().__init__(TAX_REGISTER_UNAVAILABLE.code, message)


TAX_REGISTER_UNAVAILABLE = declare(
    "tax_register_unavailable",
    Unavailable,
    N_("The tax register does not answer. Try again in a moment."),
    domain=DOMAIN,
)
UNKNOWN_RECEIPT = declare(
    "unknown_receipt", NotFound, N_("There is no receipt with that reference."), domain=DOMAIN
)
BAD_NIF = declare(
    "bad_nif",
    InvalidInput,
    N_("That is not a valid NIF, NIE or DNI: check the number and its letter."),
    domain=DOMAIN,
)
BAD_REFERENCE = declare(
    "bad_reference",
    InvalidInput,
    N_("A receipt's reference is 10 digits: check it on the receipt."),
    domain=DOMAIN,
)

_SEPARATORS = re.compile(r"[\s\-./]+")


def parse_nif(text: str) -> str:
    """``text`` as a normalised NIF (a DNI, NIE or company CIF: ``12.345.678-z`` →
    ``12345678Z``), or the declared error ``bad_nif``."""
    try:
        return str(stdnum_nif.validate(_SEPARATORS.sub("", text).upper()))
    except ValidationError:
        raise BAD_NIF(f"Not a valid NIF, NIE or DNI: {text!r}") from None


def parse_reference(text: str) -> str:
    """``text`` as a receipt reference (10 digits; spaces ignored), or ``bad_reference``."""
    value = _SEPARATORS.sub("", text)
    if not REFERENCE.fullmatch(value):
        raise BAD_REFERENCE(f"A receipt reference is 10 digits, not {text!r}")
    return value


@runtime_checkable
class TaxRegister(Protocol):
    def taxpayer(self, nif: str) -> Taxpayer | None:
        """The taxpayer with that (normalised) NIF, or None."""
        ...

    def receipts_of(self, nif: str) -> list[Receipt]:
        """Every receipt of the taxpayer, of every year and state, the newest first (an
        unknown taxpayer has none)."""
        ...

    def receipt(self, reference: str) -> Receipt | None:
        """The receipt with that reference, whoever it belongs to (anyone may pay a receipt
        by its reference), or None."""
        ...

    def record_payment(
        self,
        reference: str,
        *,
        paid_on: date,
        amount: Cents,
        channel: str,
        payment_reference: str,
    ) -> PaymentPosting:
        """Mark the receipt paid, once: posting the same ``payment_reference`` again answers
        ``ALREADY_RECORDED``; a receipt paid by another payment, ``PAID_OTHERWISE``; a
        cancelled one, ``CANCELLED`` (nothing changes in either). Raises ``unknown_receipt``
        for a reference the register does not know."""
        ...
