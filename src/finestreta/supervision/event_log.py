"""Reading what the KPIs need from the database for a period (``kpis`` itself does no I/O).

Following the cut rule, it reads the ``request_queued`` events of the period, then every later
event of those requests whatever its date, the wrap-ups and procedure steps of their calls (which
name the call, not the request), and which site each booth stands in. Ids go to the database in
chunks, so that neither a long period nor a database's limit on bound parameters gets in the way.
The wrap-up's free-text note is never read: only codes and times leave this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import Session

from finestreta.accounts.models import Kiosk, Site
from finestreta.attention.records import AttentionEventRow
from finestreta.db import Database
from finestreta.procedures.records import ProcedureStepRow
from finestreta.supervision.kpis import KINDS, LoggedEvent, ProcedureStep

T = TypeVar("T")

CHUNK = 500  # ids per IN (…): well under SQLite's and psycopg's limits


@dataclass(frozen=True)
class EventLog:
    """The inputs of ``kpis.summarise`` for one period."""

    events: list[LoggedEvent]
    steps: list[ProcedureStep]
    sites: dict[int, str]  # kiosk id -> site name


def read_log(db: Database, start: datetime, end: datetime, chunk: int = CHUNK) -> EventLog:
    """The events of the attentions queued in [start, end) (aware datetimes), with all that
    followed them, in the order they were written."""
    with db.session() as session:
        queued = [
            _event(row)
            for row in session.execute(
                select(*_COLUMNS)
                .where(
                    AttentionEventRow.kind == "request_queued",
                    AttentionEventRow.at >= start,
                    AttentionEventRow.at < end,
                )
                .order_by(AttentionEventRow.id)
                .execution_options(yield_per=chunk)
            )
        ]
        request_ids = [e.request_id for e in queued if e.request_id]
        later: list[LoggedEvent] = []
        for ids in _chunks(request_ids, chunk):
            later += _events(
                session,
                AttentionEventRow.request_id.in_(ids),
                AttentionEventRow.kind.in_([k for k in KINDS if k != "request_queued"]),
            )
        call_ids = [e.call_id for e in later if e.kind == "call_started" and e.call_id]
        wrap_ups: list[LoggedEvent] = []
        steps: list[ProcedureStep] = []
        for ids in _chunks(call_ids, chunk):
            wrap_ups += _events(
                session,
                AttentionEventRow.call_id.in_(ids),
                AttentionEventRow.kind == "call_wrapped_up",
            )
            steps += [
                ProcedureStep(*row)  # columns, not entities: the step's detail is not read
                for row in session.execute(
                    select(
                        ProcedureStepRow.at,
                        ProcedureStepRow.call_id,
                        ProcedureStepRow.procedure,
                        ProcedureStepRow.step,
                        ProcedureStepRow.outcome,
                    )
                    .where(ProcedureStepRow.call_id.in_(ids))
                    .order_by(ProcedureStepRow.id)
                )
            ]
        sites = {
            kiosk_id: name
            for kiosk_id, name in session.execute(
                select(Kiosk.id, Site.name).join(Site, Site.id == Kiosk.site_id)
            )
        }
    return EventLog(queued + later + wrap_ups, steps, sites)


# The columns read, not the ORM entity: a year of a city's events is ~700,000 rows, and
# mapped objects cost twice the time (bench/report.py); the note is never among them.
_COLUMNS = (
    AttentionEventRow.kind,
    AttentionEventRow.at,
    AttentionEventRow.request_id,
    AttentionEventRow.call_id,
    AttentionEventRow.clerk_id,
    AttentionEventRow.kiosk_id,
    AttentionEventRow.data,
)


def read_clerk_states(db: Database, start: datetime, end: datetime) -> list[LoggedEvent]:
    """The ``clerk_state_changed`` events of [start, end), and each clerk's last one before
    ``start`` (their state when the period began): what :mod:`.staffed` needs."""
    kind = AttentionEventRow.kind == "clerk_state_changed"
    with db.session() as session:
        before = (
            select(func.max(AttentionEventRow.id))
            .where(kind, AttentionEventRow.at < start)
            .group_by(AttentionEventRow.clerk_id)
        )
        earlier = _events(session, AttentionEventRow.id.in_(before))
        within = _events(session, kind, AttentionEventRow.at >= start, AttentionEventRow.at < end)
    return earlier + within


def _events(session: Session, *where: ColumnElement[bool]) -> list[LoggedEvent]:
    rows = session.execute(select(*_COLUMNS).where(*where).order_by(AttentionEventRow.id))
    return [_event(row) for row in rows]


def _event(row: Row[Any]) -> LoggedEvent:
    kind, at, request_id, call_id, clerk_id, kiosk_id, data = row
    return LoggedEvent(
        kind=kind,
        at=at,
        request_id=request_id,
        call_id=call_id,
        clerk_id=clerk_id,
        kiosk_id=kiosk_id,
        data=data or {},
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]
