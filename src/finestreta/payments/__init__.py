"""Payments: taxes now, fees later. A payment gateway is a protocol (:mod:`.gateway`) with
Redsys's redirect connection behind it (:mod:`.redsys`) and the project's sandbox
(:mod:`.sandbox`); a card reader at the booth will be another. Orders and their moves are
:mod:`.orders`; what is exported here is pure (no web, no database, no network). The desk that
keeps orders in the database and settles them is :mod:`.desk` (``Platform.payments``)."""

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
from finestreta.payments.money import Cents, cents
from finestreta.payments.orders import OrderItem, OrderState, PaymentOrder
from finestreta.payments.redsys import RedsysGateway, RedsysSettings

__all__ = [
    "EURO",
    "Cents",
    "FindOrder",
    "Language",
    "Notification",
    "Order",
    "OrderItem",
    "OrderState",
    "PaymentForged",
    "PaymentForm",
    "PaymentGateway",
    "PaymentInvalid",
    "PaymentMalformed",
    "PaymentMismatch",
    "PaymentOrder",
    "PaymentRefused",
    "PaymentTooLarge",
    "PaymentUnknown",
    "RedsysGateway",
    "RedsysSettings",
    "cents",
    "check_order_number",
    "is_order_number",
    "order_number",
]
