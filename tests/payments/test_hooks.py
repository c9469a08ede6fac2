"""The seam: a procedure gets the desk on its Platform, and the desk tells the procedure that
made an order (``order.owner``) what happened to it, through two hooks with no-op defaults."""

from __future__ import annotations

from typing import ClassVar

from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from finestreta.payments.orders import OrderState, PaymentOrder
from finestreta.procedures.base import Procedure
from finestreta.procedures.platform import Platform
from tests.payments.conftest import items


class Shop(Procedure):
    name: ClassVar[str] = "shop"

    def __init__(self) -> None:
        self.platform: Platform | None = None
        self.told: list[tuple[str, str]] = []
        self.posted: list[str] = []

    def setup(self, platform: Platform) -> None:
        self.platform = platform

    def payment_changed(self, order: PaymentOrder, event: str) -> None:
        self.told.append((order.number, event))

    def payment_settled(self, order: PaymentOrder) -> bool:
        self.posted.append(order.number)
        return True


class Quiet(Procedure):
    name: ClassVar[str] = "quiet"  # overrides no hook


def test_the_owner_is_told_and_posts(settings: Settings, db: Database) -> None:
    shop, quiet = Shop(), Quiet()
    ctx = build_context(settings, db, procedures=[shop, quiet])
    assert shop.platform is not None and shop.platform.payments is ctx.payments
    desk = ctx.payments
    mine, _ = desk.create(
        owner="shop", items=items(100), language="ca", call_id=None, kiosk_id=None, clerk_id=1
    )
    theirs, _ = desk.create(
        owner="quiet", items=items(200, prefix="Q"), language="ca",
        call_id=None, kiosk_id=None, clerk_id=1,
    )  # fmt: skip
    gone, _ = desk.create(
        owner="uninstalled", items=items(300, prefix="U"), language="ca",
        call_id=None, kiosk_id=None, clerk_id=1,
    )  # fmt: skip
    desk.opened(mine.number)
    for order in (mine, theirs, gone):
        desk.notify(
            desk.gateway.notification(order.number, order.amount, "0000"),  # type: ignore[attr-defined]
            remote="192.0.2.1",
        )
    assert shop.told == [(mine.number, "opened"), (mine.number, "paid")]
    assert shop.posted == [mine.number]
    assert desk.get(mine.number).posted_at is not None
    # the default hook posts nothing, and an order of a procedure not loaded waits: both pending
    for order in (desk.get(theirs.number), desk.get(gone.number)):
        assert order.state is OrderState.PAID and order.posted_at is None
    assert desk.post_pending() == []
    assert shop.posted == [mine.number]  # a posted order is not offered again
