"""The treasury's reconciliation: the orders of a period, by number, as CSV; and the command."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from finestreta.cli import main
from finestreta.clock import ManualClock
from finestreta.config import Settings
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.reconcile import COLUMNS, summary, write_csv
from tests.payments.conftest import items

DAY = date(2026, 12, 7)


def three_orders(desk: PaymentDesk, clock: ManualClock) -> list[str]:
    paid, _ = desk.create(
        owner="shop", items=items(1234, 5, prefix="IBI-"), language="ca",
        call_id=None, kiosk_id=None, clerk_id=1,
    )  # fmt: skip
    declined, _ = desk.create(
        owner="shop", items=items(999, prefix="IVTM-"), language="es",
        call_id=None, kiosk_id=None, clerk_id=1,
    )  # fmt: skip
    clock.advance(600)  # within the 20 minutes: nothing expires
    open_, _ = desk.create(
        owner="shop", items=items(100000, prefix="TAXA-"), language="en",
        call_id=None, kiosk_id=None, clerk_id=2,
    )  # fmt: skip
    gateway = desk.gateway
    desk.notify(
        gateway.notification(paid.number, 1239, "0000", authorisation_code="482910"),  # type: ignore[attr-defined]
        remote="192.0.2.1",
    )
    desk.notify(gateway.notification(declined.number, 999, "0190"), remote="192.0.2.1")  # type: ignore[attr-defined]
    return [paid.number, declined.number, open_.number]


def test_the_csv_a_treasury_compares(desk: PaymentDesk, clock: ManualClock) -> None:
    numbers = three_orders(desk, clock)
    orders = desk.reconcile(DAY, DAY)
    out = io.StringIO()
    assert write_csv(orders, out, "Europe/Madrid") == 3
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == [
        numbers[0], "2026-12-07T10:00:00+01:00", "paid", "1239", "12,39", "0000", "482910",
        "2026-12-07T10:10:00+01:00", "no", "IBI-1=1234;IBI-2=5",
    ]  # fmt: skip
    assert rows[2][:6] == [
        numbers[1],
        "2026-12-07T10:00:00+01:00",
        "declined",
        "999",
        "9,99",
        "0190",
    ]
    assert rows[3][2:6] == ["open", "100000", "1000,00", ""] and rows[3][7] == ""
    assert summary(orders) == {"paid": (1, 1239), "declined": (1, 999), "open": (1, 100000)}
    assert desk.reconcile(date(2026, 12, 8), date(2026, 12, 9)) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command(
    desk: PaymentDesk,
    clock: ManualClock,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    three_orders(desk, clock)
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", settings.database_url)
    target = tmp_path / "orders.csv"
    main(
        [
            "payments",
            "reconcile",
            "--from",
            "2026-12-07",
            "--to",
            "2026-12-07",
            "--csv",
            str(target),
        ]
    )
    written = target.read_text(encoding="utf-8").splitlines()
    assert len(written) == 4 and written[0].startswith("order,created,state")
    said = capsys.readouterr().out
    assert "3 orders from 2026-12-07 to 2026-12-07" in said
    assert "paid" in said and "12,39 EUR" in said
    with pytest.raises(SystemExit) as failed:
        main(["payments", "reconcile", "--from", "2026-12-08", "--to", "2026-12-07"])
    assert failed.value.code == 2
    main(["payments", "reconcile", "--from", "2026-12-07", "--to", "2026-12-07"])
    streams = capsys.readouterr()
    assert streams.out.count("\n") == 4 and "3 orders" in streams.err


def test_an_order_settled_the_next_day_is_in_both_days_lists(
    desk: PaymentDesk, clock: ManualClock
) -> None:
    """The bank's file goes by the day the money moved: an order made at 23:55 and settled after
    midnight is reconciled on both days."""
    clock.set(datetime(2026, 12, 7, 22, 55, tzinfo=UTC))  # 23:55 in Barcelona
    order, _ = desk.create(
        owner="shop", items=items(1500), language="ca", call_id=None, kiosk_id=None, clerk_id=1
    )
    clock.advance(600)  # 00:05, the next day
    desk.notify(desk.gateway.notification(order.number, 1500, "0000"), remote="127.0.0.1")  # type: ignore[attr-defined]
    assert [o.number for o in desk.reconcile(DAY, DAY)] == [order.number]
    assert [o.number for o in desk.reconcile(date(2026, 12, 8), date(2026, 12, 8))] == [
        order.number
    ]
    assert desk.reconcile(date(2026, 12, 9), date(2026, 12, 9)) == []
