"""Device incidents: how long each device of each booth was out of service.

A booth's health reports only say how things stand now. ``record_health`` turns every change of
a device's state into a ``device_health_events`` row (:func:`device_states` decides the state
of each device from a report; :func:`changes` which of them moved). An *incident* is the span
from a device entering a problem state until it is ``ok`` again; :func:`fold` derives them from
the rows and :func:`read_incidents` reads them for a period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finestreta.db import Database
from finestreta.devices.records import DeviceHealthEventRow

OK = "ok"
# Devices as the history names them; "agent" is the booth's device agent being connected.
PRINTER, SCANNER, CAMERA, MICROPHONE, AGENT = "printer", "scanner", "camera", "microphone", "agent"
DEVICES = (PRINTER, SCANNER, CAMERA, MICROPHONE, AGENT)
AGENT_OFFLINE = "agent_offline"

# The printer's stopped reasons (IPP ``printer-state-reasons`` prefixes) as our keywords.
_PRINTER_REASONS = (
    ("media-empty", "media_empty"),
    ("media-jam", "media_jam"),
    ("door-open", "door_open"),
    ("toner-empty", "toner_empty"),
)


def printer_state(agent: Mapping[str, Any] | None) -> str:
    """``ok`` or why the printer cannot print, from the agent's last report alone."""
    printer = (agent or {}).get("printer") or {}
    state = printer.get("state")
    if state in (None, "unreachable"):
        return "printer_unreachable"
    if state == "stopped":
        reasons = [str(r) for r in printer.get("reasons") or []]
        for prefix, reason in _PRINTER_REASONS:
            if any(r.startswith(prefix) for r in reasons):
                return reason
        return "printer_stopped"
    if printer.get("accepting") is False:
        return "printer_stopped"
    return OK


def device_states(
    agent: Mapping[str, Any] | None, page: Mapping[str, Any] | None
) -> dict[str, str]:
    """The state of each device a report speaks of (an absent report says nothing)."""
    states: dict[str, str] = {}
    if agent:
        states[PRINTER] = printer_state(agent)
        scanner = agent.get("scanner") or {}
        states[SCANNER] = OK if scanner.get("present") else "scanner_missing"
    if page:
        # The citizen's own mute and camera-off buttons are choices, not incidents.
        states[CAMERA] = OK if page.get("camera") else "camera_missing"
        states[MICROPHONE] = OK if page.get("microphone") else "microphone_missing"
    return states


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """The devices whose state moved (a device first heard of counts as moved)."""
    return {device: state for device, state in after.items() if before.get(device) != state}


@dataclass(frozen=True)
class Incident:
    kiosk_id: int
    device: str  # one of DEVICES
    reason: str  # the problem's keyword: "media_empty", "agent_offline", "camera_missing", ...
    started: datetime
    ended: datetime | None  # None: still open at the end of the period read

    def seconds(self, until: datetime) -> float:
        """How long it lasted; an open incident counts until ``until``."""
        return max(0.0, ((self.ended or until) - self.started).total_seconds())


@dataclass(frozen=True)
class HealthEvent:
    kiosk_id: int
    device: str
    state: str
    at: datetime


def fold(events: Iterable[HealthEvent]) -> list[Incident]:
    """Incidents from a booth-device history in time order.

    A problem followed by another problem of the same device (paper out, then a jam) ends the
    first incident and starts the second: each reason gets its own duration.
    """
    open_: dict[tuple[int, str], tuple[str, datetime]] = {}
    done: list[Incident] = []
    for event in events:
        key = (event.kiosk_id, event.device)
        current = open_.pop(key, None)
        if current is not None:
            if current[0] == event.state:  # the same problem reported again
                open_[key] = current
                continue
            done.append(Incident(key[0], key[1], current[0], current[1], event.at))
        if event.state != OK:
            open_[key] = (event.state, event.at)
    done.extend(Incident(k, d, reason, at, None) for (k, d), (reason, at) in open_.items())
    return sorted(done, key=lambda i: (i.started, i.kiosk_id, i.device))


def read_incidents(db: Database, start: datetime, end: datetime) -> list[Incident]:
    """The incidents that overlap ``[start, end)``, clipped to it (``started`` no earlier than
    ``start``; ``ended`` None when still open at ``end``)."""
    with db.session() as session:
        history = _history(session, start, end)
    clipped = []
    for incident in fold(history):
        if incident.ended is not None and incident.ended <= start:
            continue
        ended = incident.ended if incident.ended is not None and incident.ended < end else None
        clipped.append(
            Incident(
                incident.kiosk_id,
                incident.device,
                incident.reason,
                max(incident.started, start),
                ended,
            )
        )
    return clipped


def _history(session: Session, start: datetime, end: datetime) -> list[HealthEvent]:
    """Each device's last state before ``start`` (an incident may have begun earlier), then
    every change within the period."""
    rows = DeviceHealthEventRow
    latest = (
        select(
            rows.kiosk_id,
            rows.device,
            rows.state,
            rows.at,
            func.row_number()
            .over(
                partition_by=(rows.kiosk_id, rows.device),
                order_by=(rows.at.desc(), rows.id.desc()),
            )
            .label("rank"),
        )
        .where(rows.at < start)
        .subquery()
    )
    last_before = select(latest.c.kiosk_id, latest.c.device, latest.c.state, latest.c.at).where(
        latest.c.rank == 1
    )
    events = [HealthEvent(*row) for row in session.execute(last_before)]
    within = (
        select(rows.kiosk_id, rows.device, rows.state, rows.at)
        .where(rows.at >= start, rows.at < end)
        .order_by(rows.at, rows.id)
    )
    events.extend(HealthEvent(*row) for row in session.execute(within))
    events.sort(key=lambda e: e.at)
    return events
