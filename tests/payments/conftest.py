"""Payments are tested on the API tests' databases (SQLite, and PostgreSQL when
FINESTRETA_TEST_DATABASE_URL is set), with a clock that stands still.

* ``desk``: a :class:`PaymentDesk` on the sandbox gateway, told to a :class:`Recorder`
  (``recorder``), with ``public_url`` ``http://testserver``;
* ``sandbox_gateway``, ``sandbox_merchants``, ``uvicorn_on`` and ``free_socket`` live in the
  root ``tests/conftest.py`` (the browser tests use them too).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from finestreta.clock import ManualClock
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.gateways import gateway_for
from finestreta.payments.money import Cents
from finestreta.payments.orders import OrderItem, PaymentOrder
from tests.api.conftest import *  # noqa: F403
from tests.api.conftest import pytest_configure as pytest_configure

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Barcelona


class Recorder:
    """The desk's listener: what it was told, and what posting answers (``posts``)."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, str]] = []
        self.settled: list[str] = []
        self.posts: bool | Exception = True
        self._lock = threading.Lock()

    def payment_changed(self, order: PaymentOrder, event: str) -> None:
        with self._lock:
            self.changes.append((order.number, event))

    def payment_settled(self, order: PaymentOrder) -> bool:
        with self._lock:
            self.settled.append(order.number)
        if isinstance(self.posts, Exception):
            raise self.posts
        return self.posts


def items(*amounts: int, prefix: str = "R") -> list[OrderItem]:
    return [
        OrderItem(f"{prefix}{index}", f"Receipt {index}", Cents(amount))
        for index, amount in enumerate(amounts, 1)
    ]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def desk(settings: Settings, db: Database, clock: ManualClock, recorder: Recorder) -> PaymentDesk:
    return PaymentDesk(db, settings, clock, gateway_for(settings), recorder)
