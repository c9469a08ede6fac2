"""What every payment gateway does, whatever is behind it (Redsys, the sandbox, later a card
reader at the booth): build what the browser posts to pay an order, and turn the gateway's
notification into a verified :class:`Notification` or a refusal.

Settlement is the caller's business and happens only on what :meth:`PaymentGateway.verify`
returns: a notification whose signature verified and whose order, amount, currency, merchant
and terminal match the order we created. The browser's return (URL OK/KO) proves nothing.

Order numbers follow one rule (:func:`order_number`, :func:`is_order_number`): 12 characters,
the first 4 digits, unique per merchant and never reused. Redsys refuses a number it has seen
for the merchant, so a number is never derived from anything that can repeat (a time, a
receipt): it comes from a sequence the database only ever increments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from finestreta.payments.errors import BAD_ORDER_NUMBER, ORDER_NUMBERS_EXHAUSTED

Language = Literal["ca", "es", "en"]
EURO = "978"  # ISO 4217 numeric, as the gateways want it

ORDER_LENGTH = 12
PREFIX_LENGTH = 4
SEQUENCE_DIGITS = ORDER_LENGTH - PREFIX_LENGTH
LAST_SEQUENCE = 10**SEQUENCE_DIGITS - 1
_ORDER = re.compile(r"[0-9]{4}[0-9A-Za-z]{8}", re.ASCII)
_PREFIX = re.compile(r"[0-9]{4}", re.ASCII)


def order_number(prefix: str, sequence: int) -> str:
    """The order number for the ``sequence``-th order of the merchant prefix ``prefix``.

    ``prefix`` is 4 digits given to one installation (two installations sharing a merchant
    code get two prefixes, so their numbers never meet); ``sequence`` (1, 2, …) comes from a
    counter that only increases. Digits only after the prefix: every acquirer accepts them,
    and numbers sort as they were made. One-to-one, so distinct sequences never share a number.
    """
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"an order prefix is 4 digits, got {prefix!r}")
    if sequence < 1:
        raise ValueError(f"order sequences start at 1, got {sequence}")
    if sequence > LAST_SEQUENCE:
        raise ORDER_NUMBERS_EXHAUSTED(
            f"order sequence {sequence} does not fit in {SEQUENCE_DIGITS} digits",
            {"prefix": prefix},
        )
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


def is_order_number(text: str) -> bool:
    """Whether ``text`` keeps the rule: 12 ASCII letters or digits, the first 4 digits."""
    return _ORDER.fullmatch(text) is not None


def check_order_number(text: str) -> str:
    """``text`` if it keeps the rule, else the ``bad_order_number`` refusal."""
    if not is_order_number(text):
        raise BAD_ORDER_NUMBER(f"not an order number: {text[:40]!r}")
    return text


@dataclass(frozen=True)
class Order:
    """An order as we created it: what the gateway is asked to charge, and where it answers.

    ``notify_url`` receives the gateway's signed notification (server to server);
    ``ok_url``/``ko_url`` are where the citizen's browser returns.
    """

    number: str
    amount_cents: int
    notify_url: str
    ok_url: str
    ko_url: str
    language: Language = "ca"
    currency: str = EURO

    def __post_init__(self) -> None:
        check_order_number(self.number)
        # bool is an int too: refuse it, and floats never reach here through a type checker
        if type(self.amount_cents) is not int or self.amount_cents <= 0:
            raise ValueError(f"an amount is a positive number of cents, got {self.amount_cents!r}")


@dataclass(frozen=True)
class PaymentForm:
    """What the booth's browser posts to pay: the gateway's address and the form's fields."""

    action: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A notification that verified: signed by the gateway and matching our order.

    ``authorised`` is the gateway's verdict (Redsys: ``Ds_Response`` 0000–0099); a verified
    notification of a declined payment is not a refusal, it closes the order as failed.
    """

    order: str
    amount_cents: int
    currency: str
    merchant: str
    terminal: str
    response: str
    authorised: bool
    date: datetime | None
    authorisation_code: str = ""


# Looks an order up by the number a notification names (None: never created here).
FindOrder = Callable[[str], Order | None]


class PaymentGateway(Protocol):
    """A redirect payment gateway (the browser goes to its page; it notifies us directly)."""

    name: str

    def form(self, order: Order) -> PaymentForm:
        """The signed form that sends the browser to pay ``order``."""
        ...

    def verify(self, fields: Mapping[str, str], find: FindOrder) -> Notification:
        """The notification posted with ``fields``, verified against the order ``find``
        returns for the number it names; a :class:`~finestreta.payments.errors.PaymentRefused`
        (never another exception) when anything does not hold."""
        ...
