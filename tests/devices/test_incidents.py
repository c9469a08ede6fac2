"""Device incidents: the history ``record_health`` writes and the spans folded from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from finestreta.db import Database
from finestreta.devices import incidents, service
from finestreta.devices.incidents import HealthEvent, Incident, device_states, fold
from finestreta.devices.records import DeviceHealthEventRow
from tests.conftest import MakeBooth

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def agent(state: str = "idle", reasons: tuple[str, ...] = (), scanner: bool = True) -> Any:
    return {
        "printer": {"state": state, "reasons": list(reasons), "accepting": state != "stopped"},
        "scanner": {"present": scanner},
    }


def test_each_device_state_from_a_report() -> None:
    assert device_states(agent(), None) == {"printer": "ok", "scanner": "ok"}
    assert device_states(agent("stopped", ("media-empty-error",)), None)["printer"] == (
        "media_empty"
    )
    assert device_states(agent("stopped", ("media-jam",)), None)["printer"] == "media_jam"
    assert device_states(agent("stopped", ("other",)), None)["printer"] == "printer_stopped"
    assert device_states({"printer": {"state": "unreachable"}}, None)["printer"] == (
        "printer_unreachable"
    )
    assert device_states(agent(scanner=False), None)["scanner"] == "scanner_missing"
    # the citizen's own mute is a choice, not an incident
    page = {"camera": True, "microphone": True, "muted": True, "camera_off": True}
    assert device_states(None, page) == {"camera": "ok", "microphone": "ok"}
    assert device_states(None, {"camera": False, "microphone": True})["camera"] == (
        "camera_missing"
    )
    assert device_states(None, None) == {}


def test_folding_a_history_into_incidents() -> None:
    history = [
        HealthEvent(1, "printer", "ok", at(0)),
        HealthEvent(1, "printer", "media_empty", at(10)),
        HealthEvent(2, "scanner", "scanner_missing", at(12)),
        HealthEvent(1, "printer", "media_empty", at(20)),  # said again: the same incident
        HealthEvent(1, "printer", "media_jam", at(30)),  # another reason: a new incident
        HealthEvent(1, "printer", "ok", at(35)),
        HealthEvent(2, "scanner", "ok", at(40)),
        HealthEvent(1, "agent", "agent_offline", at(50)),
    ]
    assert fold(history) == [
        Incident(1, "printer", "media_empty", at(10), at(30)),
        Incident(2, "scanner", "scanner_missing", at(12), at(40)),
        Incident(1, "printer", "media_jam", at(30), at(35)),
        Incident(1, "agent", "agent_offline", at(50), None),
    ]
    assert fold(history)[0].seconds(at(99)) == 20 * 60
    assert fold(history)[-1].seconds(at(60)) == 10 * 60


def test_the_history_written_by_health_reports(db: Database, make_booth: MakeBooth) -> None:
    booth = make_booth("sants").id
    with db.session() as session:
        service.record_health(session, booth, agent=agent(), at=at(0))
        service.record_health(session, booth, agent=agent(), at=at(5))  # nothing changed
        service.record_health(session, booth, page={"camera": True, "microphone": True}, at=at(6))
        service.record_health(session, booth, agent=agent("stopped", ("media-empty",)), at=at(60))
        service.record_health(session, booth, error="print: media_empty", at=at(61))
        service.record_health(session, booth, agent=agent("stopped", ("media-empty",)), at=at(90))
        service.record_health(session, booth, agent=agent(), at=at(300))
        service.record_agent_presence(session, booth, connected=False, at=at(400))
        service.record_agent_presence(session, booth, connected=False, at=at(401))  # again
        service.record_agent_presence(session, booth, connected=True, at=at(403))
    with db.session() as session:
        rows = session.execute(
            select(DeviceHealthEventRow.device, DeviceHealthEventRow.state).order_by(
                DeviceHealthEventRow.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("printer", "ok"),
        ("scanner", "ok"),
        ("camera", "ok"),
        ("microphone", "ok"),
        ("printer", "media_empty"),
        ("printer", "ok"),
        ("agent", "agent_offline"),
        ("agent", "ok"),
    ]
    assert incidents.read_incidents(db, at(0), at(1000)) == [
        Incident(booth, "printer", "media_empty", at(60), at(300)),
        Incident(booth, "agent", "agent_offline", at(400), at(403)),
    ]
    # a period that starts inside the paper-out afternoon and ends before the agent came back
    assert incidents.read_incidents(db, at(120), at(402)) == [
        Incident(booth, "printer", "media_empty", at(120), at(300)),
        Incident(booth, "agent", "agent_offline", at(400), None),
    ]
    # a period inside the incident: open at both ends
    assert incidents.read_incidents(db, at(100), at(200)) == [
        Incident(booth, "printer", "media_empty", at(100), None)
    ]
    assert incidents.read_incidents(db, at(500), at(600)) == []


def test_the_printer_promise_uses_the_same_states() -> None:
    assert service.printer_can_print(agent(), True) == (True, "")
    assert service.printer_can_print(agent(), False) == (False, "agent_offline")
    assert service.printer_can_print(agent("stopped", ("door-open",)), True) == (
        False,
        "door_open",
    )
