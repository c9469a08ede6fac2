"""Payments: taxes now, fees later. A payment gateway is a protocol (:mod:`.gateway`) with
Redsys's redirect connection behind it (:mod:`.redsys`); a sandbox gateway and a card reader at
the booth will be others. Pure: no web, no database, no network (the edges call in)."""

from __future__ import annotations

from finestreta.payments.errors import (
    PaymentForged,
    PaymentInvalid,
    PaymentMalformed,
    PaymentMismatch,
    PaymentRefused,
    PaymentTooLarge,
    PaymentUnknown,
)
from finestreta.payments.gateway import (
    EURO,
    FindOrder,
    Language,
    Notification,
    Order,
    PaymentForm,
    PaymentGateway,
    check_order_number,
    is_order_number,
    order_number,
)
from finestreta.payments.redsys import RedsysGateway, RedsysSettings

__all__ = [
    "EURO",
    "FindOrder",
    "Language",
    "Notification",
    "Order",
    "PaymentForged",
    "PaymentForm",
    "PaymentGateway",
    "PaymentInvalid",
    "PaymentMalformed",
    "PaymentMismatch",
    "PaymentRefused",
    "PaymentTooLarge",
    "PaymentUnknown",
    "RedsysGateway",
    "RedsysSettings",
    "check_order_number",
    "is_order_number",
    "order_number",
]
