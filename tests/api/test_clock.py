"""The hub keeps time by one injected clock: opening hours, the office's opening reaching the
booths, and the day the clerk's list of attentions belongs to all follow it, so they can be
tested at 08:29 on a Monday and across midnight."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from finestreta.accounts.models import OfficeHours
from finestreta.app import create_app
from finestreta.clock import ManualClock
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from tests.api.conftest import ORIGIN, login, open_socket, pair, start_call
from tests.conftest import MakeBooth, MakeStaff

MADRID = ZoneInfo("Europe/Madrid")
pytestmark = pytest.mark.settings(heartbeat_seconds=30)


def test_opening_hours_and_the_day_follow_the_injected_clock(
    settings: Settings, db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    with db.session() as session:
        hours = session.get(OfficeHours, 1)
        assert hours is not None
        hours.spec = "mon-fri 08:30-19:00"
    clock = ManualClock(datetime(2026, 12, 7, 8, 29, 30, tzinfo=MADRID))  # a Monday, 08:29:30
    make_staff("anna")
    booth = make_booth("sants")
    app = create_app(settings, build_context(settings, db, clock=clock))
    with TestClient(app) as anna:
        login(anna, "anna")
        sants = TestClient(app)
        sants.portal = anna.portal
        pair(sants, booth)
        with open_socket(sants, "/ws/kiosk") as kiosk:
            kiosk.expect("hello")
            assert kiosk.expect("office")["open"] is False
            kiosk.send(
                {"type": "request_attention", "language": "ca", "topic": "general", "ref": "r"}
            )
            assert kiosk.expect("error", ref="r")["code"] == "closed"

            # 08:30:30 (less than three heartbeats later, so the socket is not "silent" by
            # this clock either): the booths hear that the office opened
            clock.advance(60)
            kiosk.send({"type": "ping"})
            app.state.ctx.hub.tick()
            assert kiosk.expect("office", open=True)["open"] is True

        # a call late in the day is in that day's list; after midnight the list starts afresh
        clock.set(datetime(2026, 12, 7, 18, 59, tzinfo=MADRID))
        with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
            console.expect("hello")
            kiosk.expect("hello")
            _, started, _ = start_call(console, kiosk)
            kiosk.send({"type": "hang_up", "call_id": started["call_id"]})
            console.expect("call_ended")
            console.send(
                {"type": "wrap_up", "call_id": started["call_id"], "outcome": "information_given"}
            )
            items = console.expect("attentions")["items"]
            assert [i["call_id"] for i in items] == [started["call_id"]]
        clock.set(datetime(2026, 12, 8, 0, 0, 5, tzinfo=MADRID))
        assert anna.get("/api/console/attentions", headers=ORIGIN).json()["items"] == []
        sants.portal = None
