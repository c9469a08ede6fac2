"""Running the simulation against a database: the booths and clerks it needs, and each simulated
day written in one transaction through the same code the live server writes with
(``AttentionStore.record``/``rate``, the procedures' step rows, ``devices.service.record_health``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from finestreta import demo
from finestreta.accounts import service as accounts
from finestreta.accounts.models import Kiosk, StaffUser
from finestreta.attention.records import AttentionEventRow, AttentionRequestRow
from finestreta.attention.store import AttentionStore
from finestreta.attention.switchboard import RoutingRules
from finestreta.db import Database, from_epoch
from finestreta.devices import service as devices
from finestreta.procedures.steps import step_row
from finestreta.supervision.simulation import incidents
from finestreta.supervision.simulation.engine import (
    Booth,
    Clerk,
    Day,
    Rating,
    Simulation,
    StepDone,
    Totals,
)
from finestreta.supervision.simulation.parameters import Parameters

# Booths and clerks the simulation adds when the database has fewer: plainly made up.
SIM_KIOSK = "sim-booth-{n}"
SIM_CLERK = "sim-clerk-{n}"
LANGUAGES = ("ca", "es", "en")
_SIM_KIOSK = re.compile(r"sim-booth-[0-9]+")
_SIM_CLERK = re.compile(r"sim-clerk-[0-9]+")
# staff the demo's procedures seed beside ``demo.STAFF`` (``Procedure.seed_demo``): the complaints
# procedure's case handler; a test seeds every procedure's demo data and checks this list
DEMO_PROCEDURE_STAFF = ("rosa",)


class HistoryExists(Exception):
    """The database already holds attentions in the period to simulate (the message says
    when): simulating over them would mix made-up days with real ones."""


class ForeignData(Exception):
    """The database holds booths or staff that are neither the demo's nor the simulation's own:
    it looks like a real office's, where made-up attentions must not go."""


@dataclass(frozen=True)
class Run:
    start: date
    end: date  # exclusive
    booths: list[Booth]
    clerks: list[Clerk]
    totals: Totals
    incidents: list[incidents.Incident]


def period(days: int, until: date | None, timezone: str) -> tuple[date, date]:
    """[start, end) of ``days`` days ending before ``until`` (today, in the office's zone)."""
    end = until or datetime.now(ZoneInfo(timezone)).date()
    return end - timedelta(days=days), end


def cast(
    db: Database, booths: int, clerks: int, topics: list[str]
) -> tuple[list[Booth], list[Clerk]]:
    """The first ``booths`` enabled booths and ``clerks`` active clerks of the database (the
    demo's, when there), and made-up ones for the rest: a booth at a made-up civic centre, a
    clerk who speaks Catalan, Spanish and English and serves every topic. Their secret and
    password are random and never shown: nobody logs in as them."""
    with db.session() as session:
        kiosks = list(
            session.scalars(select(Kiosk).where(Kiosk.enabled).order_by(Kiosk.id).limit(booths))
        )
        for n in range(len(kiosks) + 1, booths + 1):
            code = SIM_KIOSK.format(n=n)
            kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code))
            if kiosk is None:
                site = f"Centre cívic simulat {n}"
                kiosk = accounts.add_kiosk(session, code, f"Cabina simulada {n}", site).kiosk
            kiosks.append(kiosk)
        staff = list(
            session.scalars(
                select(StaffUser)
                .where(StaffUser.active, StaffUser.role == "clerk")
                .order_by(StaffUser.id)
                .limit(clerks)
            )
        )
        for n in range(len(staff) + 1, clerks + 1):
            username = SIM_CLERK.format(n=n)
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            if user is None:
                user = accounts.add_user(
                    session,
                    username,
                    secrets.token_urlsafe(24),
                    "clerk",
                    f"Clerk simulat {n}",
                    list(LANGUAGES),
                    topics,
                )
            staff.append(user)
        session.flush()
        return (
            [Booth(k.id) for k in kiosks],
            [Clerk(u.id, frozenset(u.language_set), frozenset(u.topic_set)) for u in staff],
        )


def refuse_overlap(db: Database, start: datetime, end: datetime) -> None:
    """Simulated days are never mixed with days that have attentions (real or simulated)."""
    with db.session() as session:
        first = session.scalar(
            select(func.min(AttentionEventRow.at)).where(
                AttentionEventRow.at >= start, AttentionEventRow.at < end
            )
        )
    if first is not None:
        raise HistoryExists(
            f"The database has attention history from {first.astimezone(start.tzinfo):%Y-%m-%d %H:%M} in the period "
            f"to simulate ({start:%Y-%m-%d} to {end:%Y-%m-%d}); choose another --until or "
            "use a fresh database"
        )


def refuse_foreign(db: Database) -> None:
    """Refuse a database with booths or staff other than the demo's (``demo.KIOSKS``,
    ``demo.STAFF`` and its procedures' demo staff) and the simulation's own (``sim-booth-N``,
    ``sim-clerk-N``)."""
    ours_kiosks = {k.code for k in demo.KIOSKS}
    ours_staff = {s.username for s in demo.STAFF} | set(DEMO_PROCEDURE_STAFF)
    with db.session() as session:
        kiosks = [
            c
            for c in session.scalars(select(Kiosk.code).order_by(Kiosk.id))
            if c not in ours_kiosks and not _SIM_KIOSK.fullmatch(c)
        ]
        staff = [
            u
            for u in session.scalars(select(StaffUser.username).order_by(StaffUser.id))
            if u not in ours_staff and not _SIM_CLERK.fullmatch(u)
        ]
    if kiosks or staff:
        named = ", ".join(
            [*(f"booth {c!r}" for c in kiosks[:2]), *(f"user {u!r}" for u in staff[:2])]
        )
        raise ForeignData(
            "The database holds booths or staff that are neither the demo's nor the "
            f"simulation's ({named}; {len(kiosks) + len(staff)} in all), as a real office's "
            "would; --force writes the made-up history into it anyway, beside them"
        )


def simulate(
    db: Database,
    *,
    days: int,
    booths: int,
    clerks: int,
    seed: int,
    until: date | None = None,
    parameters: Parameters | None = None,
    rules: RoutingRules | None = None,
    on_day: Callable[[Day], None] | None = None,
    force: bool = False,
) -> Run:
    """Simulate ``days`` days before ``until`` and write them to ``db`` (refused in a database
    with booths or staff of its own, unless ``force``)."""
    if not force:
        refuse_foreign(db)
    p = parameters or Parameters()
    tz = ZoneInfo(p.timezone)
    start, end = period(days, until, p.timezone)
    refuse_overlap(
        db, datetime.combine(start, time(), tzinfo=tz), datetime.combine(end, time(), tzinfo=tz)
    )
    cast_booths, cast_clerks = cast(db, booths, clerks, list(p.topics))
    with db.session() as session:
        top = session.scalar(select(func.max(AttentionRequestRow.seq))) or 0
    simulation = Simulation(
        p, cast_booths, cast_clerks, start, days, seed, rules=rules, first_seq=top + 1
    )
    kiosk_ids = [b.id for b in cast_booths]
    planned = incidents.plan(kiosk_ids, start, days, simulation.is_open, p.timezone, seed)
    first_open = next(
        (
            periods[0][0]
            for offset in range(days)
            if (periods := simulation.open_periods(start + timedelta(days=offset)))
        ),
        None,
    )
    if first_open is not None:
        simulation.report_health(incidents.baseline(kiosk_ids, first_open - 1800.0))
    simulation.report_health(r for incident in planned for r in incident.reports)

    def write(day: Day) -> None:
        with db.session() as session:
            write_day(session, day)
        if on_day is not None:
            on_day(day)

    totals = simulation.run(write)
    return Run(start, end, cast_booths, cast_clerks, totals, planned)


def write_day(session: Session, day: Day) -> None:
    """One simulated day, in the order it happened, in the caller's transaction.

    The rows written are kept referenced until the end: the session's identity map holds its
    objects weakly, and the store's projection looks rows up by id (a request's row at each of
    its events), which would otherwise be a SELECT each once the row was collected."""
    kept: list[object] = []
    keep = kept.append
    event.listen(session, "pending_to_persistent", lambda _session, row: keep(row))
    event.listen(session, "loaded_as_persistent", lambda _session, row: keep(row))
    for item in day.writes:
        match item:
            case list():
                AttentionStore.record_in(session, item)
            case StepDone():
                session.add(
                    step_row(
                        from_epoch(item.at),
                        item.procedure,
                        item.step,
                        item.outcome,
                        item.call_id,
                        item.clerk_id,
                        item.detail,
                    )
                )
            case Rating():
                AttentionStore.rate_in(
                    session, item.request_id, item.kiosk_id, item.rating, from_epoch(item.at)
                )
            case incidents.HealthReport():
                write_health(session, item)


def write_health(session: Session, report: incidents.HealthReport) -> None:
    """As the device desk writes an agent that goes, or comes and reports (the page's report
    too, at the start)."""
    at = from_epoch(report.at)
    agent = report.agent
    devices.record_agent_presence(session, report.kiosk_id, connected=agent is not None, at=at)
    if agent is not None:
        page = incidents.PAGE_OK if report.page else None
        devices.record_health(session, report.kiosk_id, agent=agent, page=page, at=at)
