"""A hand-made pilot: a few weeks of booths' attentions shaped as ``AttentionStore`` writes them,
deterministic from a seed, as :class:`LoggedEvent` lists or as ``attention_events`` rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finestreta.supervision.kpis import LoggedEvent, ProcedureStep

MADRID = ZoneInfo("Europe/Madrid")
START = datetime(2026, 3, 2, tzinfo=MADRID)  # a Monday
OUTCOMES = ("information_given", "procedure_completed", "referred_to_office", "not_resolved")
PROCEDURES = ("census", "information", "taxes")


@dataclass
class PilotLog:
    events: list[LoggedEvent] = field(default_factory=list)
    steps: list[ProcedureStep] = field(default_factory=list)

    def add(self, kind: str, at: datetime, **columns: Any) -> None:
        data = dict(columns.pop("data", {}))
        self.events.append(LoggedEvent(kind, at.astimezone(UTC), data=data, **columns))


def pilot(
    days: int = 21, booths: int = 3, per_hour: float = 2.0, seed: int = 7, clerks: int = 2
) -> PilotLog:
    """Weekdays 09:00–14:00: Poisson-ish arrivals, most answered, some abandoned, ratings."""
    rng = random.Random(seed)
    log = PilotLog()
    n = 0
    for day in range(days):
        date = START + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for booth in range(1, booths + 1):
            t = date.replace(hour=9)
            close = date.replace(hour=14)
            while True:
                t += timedelta(seconds=rng.expovariate(per_hour / 3600))
                if t >= close:
                    break
                n += 1
                request, call = f"r{n}", f"c{n}"
                log.add(
                    "request_queued",
                    t,
                    request_id=request,
                    kiosk_id=booth,
                    data={"topic": rng.choice(("general", "census")), "language": "ca"},
                )
                wait = rng.uniform(0, 60)
                clerk = 1 + rng.randrange(clerks)
                if rng.random() < 0.15:
                    log.add(
                        "request_cancelled",
                        t + timedelta(seconds=wait),
                        request_id=request,
                        kiosk_id=booth,
                    )
                    continue
                answered = t + timedelta(seconds=wait)
                log.add(
                    "offer_made",
                    answered - timedelta(seconds=2),
                    request_id=request,
                    clerk_id=clerk,
                    data={"offer_id": f"o{n}"},
                )
                log.add(
                    "call_started",
                    answered,
                    request_id=request,
                    call_id=call,
                    clerk_id=clerk,
                    kiosk_id=booth,
                    data={"offer_id": f"o{n}"},
                )
                ended = answered + timedelta(seconds=rng.uniform(120, 600))
                log.add("call_ended", ended, request_id=request, call_id=call)
                log.add(
                    "call_wrapped_up",
                    ended + timedelta(seconds=rng.uniform(5, 60)),
                    call_id=call,
                    clerk_id=clerk,
                    data={"outcome": rng.choice(OUTCOMES)},
                )
                log.steps.append(
                    ProcedureStep(answered, call, rng.choice(PROCEDURES), "shown", "ok")
                )
                if rng.random() < 0.6:
                    log.add(
                        "request_rated",
                        ended + timedelta(seconds=10),
                        request_id=request,
                        data={"rating": rng.randint(1, 5)},
                    )
    return log


def rows(log: PilotLog) -> list[dict[str, Any]]:
    """The events as ``attention_events`` columns."""
    return [
        {
            "at": e.at,
            "kind": e.kind,
            "request_id": e.request_id,
            "call_id": e.call_id,
            "clerk_id": e.clerk_id,
            "kiosk_id": e.kiosk_id,
            "data": dict(e.data),
            "note": "",
        }
        for e in log.events
    ]


def store(db: Any, log: PilotLog, note: str = "") -> None:
    """Write the log to ``attention_events`` and ``procedure_steps`` (``note`` on every
    wrap-up: the free text a clerk may type, which no report may show)."""
    from sqlalchemy import insert

    from finestreta.attention.records import AttentionEventRow
    from finestreta.procedures.records import ProcedureStepRow

    events = rows(log)
    for event in events:
        if event["kind"] == "call_wrapped_up":
            event["note"] = note
    with db.session() as session:
        session.execute(insert(AttentionEventRow), events)
        session.execute(
            insert(ProcedureStepRow),
            [
                {
                    "at": s.at,
                    "call_id": s.call_id,
                    "clerk_id": None,
                    "procedure": s.procedure,
                    "step": s.step,
                    "outcome": s.outcome,
                    "detail": {},
                }
                for s in log.steps
            ],
        )
