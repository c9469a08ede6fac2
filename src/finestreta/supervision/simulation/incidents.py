"""Booth device incidents: what the booth's agent reports while a printer is out of paper, a
scanner unplugged or the agent itself offline, and when it recovers.

A report is the agent's ``health`` frame as the server stores it (``realtime.frames.Health``,
dumped like ``DeviceDesk.agent_frame`` does), or the agent's going and coming back, written with
``devices.service`` as the live server writes them (with the simulated time), so the device
history (``device_health_events``, ``devices.incidents.read_incidents``) reads them as it reads
a real agent's. The default schedule (``plan``) has one long incident, a printer out of
paper for an afternoon, and a few short ones; every incident ends with the devices ok, so the
booths' current health is ok when the history ends.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finestreta import __version__
from finestreta.devices.incidents import AGENT_OFFLINE, OK
from finestreta.realtime import frames as f

# the states ``devices.incidents`` derives from these reports
MEDIA_EMPTY, SCANNER_MISSING = "media_empty", "scanner_missing"
# what the booth page reports of its camera and microphone (``DeviceDesk.media_status``)
PAGE_OK = {"camera": True, "microphone": True, "muted": False, "camera_off": False}

PRINTER_URI = "ipp://localhost:8631/ipp/print"
SCANNER = "test:0"


def agent_report(kind: str) -> dict[str, Any] | None:
    """The health report of an agent in state ``kind`` (None: the agent is not connected)."""
    if kind == AGENT_OFFLINE:
        return None
    printer = f.PrinterHealth(uri=PRINTER_URI, state="idle", reasons=["none"], accepting=True)
    scanner = f.ScannerHealth(device=SCANNER, present=True)
    if kind == MEDIA_EMPTY:
        printer = f.PrinterHealth(
            uri=PRINTER_URI,
            state="stopped",
            reasons=["media-empty-error"],
            message="Out of paper.",
            accepting=True,
        )
    elif kind == SCANNER_MISSING:
        scanner = f.ScannerHealth(device=SCANNER, present=False, error="no such device")
    frame = f.Health(
        type="health",
        agent_version=__version__[:40],
        printer=printer,
        scanner=scanner,
        disk_free_bytes=20_000_000_000,
        spool_pending=0,
    )
    return frame.model_dump(exclude={"type", "ref"})


@dataclass(frozen=True)
class HealthReport:
    """What the booth's agent says at ``at`` (epoch seconds); ``page`` when the booth page
    reports its camera and microphone too (at the start)."""

    at: float
    kiosk_id: int
    kind: str
    page: bool = False

    @property
    def agent(self) -> dict[str, Any] | None:
        return agent_report(self.kind)

    @property
    def printer_ok(self) -> bool:
        return self.kind not in (MEDIA_EMPTY, AGENT_OFFLINE)


@dataclass(frozen=True)
class Incident:
    kiosk_id: int
    kind: str
    start: float
    end: float

    @property
    def reports(self) -> tuple[HealthReport, ...]:
        return (
            HealthReport(self.start, self.kiosk_id, self.kind),
            HealthReport(self.end, self.kiosk_id, OK),
        )


# (kind, which booth: index into the booths, how far into the run, local start, minutes)
SCHEDULE: tuple[tuple[str, int, float, time, int], ...] = (
    (MEDIA_EMPTY, 0, 0.6, time(16, 20), 170),  # the afternoon, until the caretaker refills it
    (AGENT_OFFLINE, 1, 0.25, time(11, 10), 25),  # the civic centre's router restarted
    (SCANNER_MISSING, 2, 0.8, time(10, 5), 40),  # its USB cable pulled out by a cleaner
    (AGENT_OFFLINE, 3, 0.45, time(17, 40), 12),
)


def plan(
    kiosk_ids: Sequence[int],
    start: date,
    days: int,
    is_open: Callable[[date, time], bool],
    timezone: str,
    seed: int,
) -> list[Incident]:
    """The default schedule over the run: each incident on the open day nearest its place in
    the run at which its booth is open at its start time (none if no such day). A separate
    random stream moves it by a day or two, so it does not change the citizens' draws."""
    if not kiosk_ids or days <= 0:
        return []
    rng = random.Random(f"incidents/{seed}")
    tz = ZoneInfo(timezone)
    incidents: list[Incident] = []
    for kind, booth, share, starts, minutes in SCHEDULE:
        if booth >= len(kiosk_ids) and kind != MEDIA_EMPTY:
            continue  # short incidents only on booths that exist
        kiosk_id = kiosk_ids[booth % len(kiosk_ids)]
        aim = min(days - 1, int(days * share) + rng.randint(-2, 2))
        for distance in range(days):
            candidates = [aim - distance, aim + distance] if distance else [aim]
            day = next(
                (
                    start + timedelta(days=offset)
                    for offset in candidates
                    if 0 <= offset < days and is_open(start + timedelta(days=offset), starts)
                ),
                None,
            )
            if day is not None:
                begin = datetime.combine(day, starts, tzinfo=tz).timestamp()
                incidents.append(Incident(kiosk_id, kind, begin, begin + minutes * 60.0))
                break
    return incidents


def baseline(kiosk_ids: Sequence[int], at: float) -> list[HealthReport]:
    """Every booth's devices ok at ``at``: where the history of device health starts."""
    return [HealthReport(at, kiosk_id, OK, page=True) for kiosk_id in kiosk_ids]
