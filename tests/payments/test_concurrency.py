"""At the same moment: fifty copies of one authorised notification settle once and post once,
and twenty clerks ordering one receipt open one order. On real PostgreSQL (row locks, READ
COMMITTED) and on SQLite (one writer at a time)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from finestreta.db import Database
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.errors import PaymentRefused
from finestreta.payments.orders import OrderState
from tests.payments.conftest import Recorder, items

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; results or exceptions."""
    gate = threading.Barrier(count)

    def run(index: int) -> Any:
        gate.wait()
        try:
            return work(index)
        except Exception as exc:  # the outcome is what the test counts
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_fifty_identical_notifications_settle_once(
    desk: PaymentDesk, recorder: Recorder, db: Database
) -> None:
    order, _ = desk.create(
        owner="shop", items=items(1234, 500), language="ca",
        call_id=None, kiosk_id=None, clerk_id=None,
    )  # fmt: skip
    note = desk.gateway.notification(  # type: ignore[attr-defined]
        order.number, 1734, "0000", when=desk.clock.now(), authorisation_code="111111"
    )
    outcomes = at_once(50, lambda _: desk.notify(note, remote="192.0.2.1"))
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert {o.state for o in outcomes} == {OrderState.PAID}
    assert recorder.settled == [order.number]  # payment_settled once
    assert recorder.changes == [(order.number, "paid")]
    events = Counter(e.event for e in desk.events(order.number))
    assert events == {"created": 1, "paid": 1, "posted": 1, "repeated": 49}
    assert len({o.settled_at for o in outcomes}) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_twenty_clerks_ordering_one_receipt_open_one_order(desk: PaymentDesk) -> None:
    def order(index: int) -> str:
        made, _ = desk.create(
            owner="shop", items=items(100), language="es",
            call_id=None, kiosk_id=None, clerk_id=index,
        )  # fmt: skip
        return made.number

    outcomes = at_once(20, order)
    numbers = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, PaymentRefused)]
    assert len(numbers) == 1 and len(refused) == 19, outcomes
    assert {r.code for r in refused} == {"payment_in_progress"}
    assert desk.open_order_for("R1") is not None
