"""Device jobs and health in the database: create, move (only as ``jobs`` allows), list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.devices import incidents
from finestreta.devices.jobs import JobState, can_move
from finestreta.devices.records import DeviceHealthEventRow, DeviceHealthRow, DeviceJobRow
from finestreta.documents.records import DocumentRow

SCAN_DEFAULTS = {"resolution": 200, "mode": "color", "source": "flatbed", "format": "png"}


@dataclass(frozen=True)
class Move:
    """A job that changed state (what the hub tells the clerk and the booth)."""

    job: DeviceJobRow
    previous: JobState


def new_job(
    session: Session,
    *,
    kiosk_id: int,
    call_id: str | None,
    kind: str,
    created_by: str,
    params: dict[str, Any],
    document_id: str | None = None,
) -> DeviceJobRow:
    now = utcnow()
    job = DeviceJobRow(
        id=uuid.uuid4().hex,
        kiosk_id=kiosk_id,
        call_id=call_id,
        kind=kind,
        params=params,
        document_id=document_id,
        state=JobState.QUEUED.value,
        reason="",
        detail="",
        created_by=created_by,
        created_at=now,
        updated_at=now,
        history=[{"state": "queued", "at": now.isoformat(), "by": created_by}],
    )
    session.add(job)
    session.flush()
    return job


def move(
    session: Session,
    job_id: str,
    new: JobState,
    *,
    reason: str = "",
    detail: str = "",
    by: str = "",
    now: datetime | None = None,
) -> Move | None:
    """Move a job if the move is allowed; None (nothing changed) otherwise."""
    job = session.get(DeviceJobRow, job_id)
    if job is None:
        return None
    current = JobState(job.state)
    if current == new or not can_move(current, new):
        return None
    now = now or utcnow()
    job.state, job.reason, job.detail = new.value, reason, detail[:500]
    job.updated_at = now
    if new == JobState.SENT:
        job.attempts += 1
    job.history = [
        *job.history,
        {"state": new.value, "at": now.isoformat(), "reason": reason, "by": by},
    ]
    return Move(job, current)


def pending_for_kiosk(session: Session, kiosk_id: int) -> list[DeviceJobRow]:
    live = [s.value for s in JobState if not s.final]
    return list(
        session.scalars(
            select(DeviceJobRow)
            .where(DeviceJobRow.kiosk_id == kiosk_id, DeviceJobRow.state.in_(live))
            .order_by(DeviceJobRow.created_at)
        )
    )


def jobs_of_call(session: Session, call_id: str) -> list[DeviceJobRow]:
    return list(
        session.scalars(
            select(DeviceJobRow)
            .where(DeviceJobRow.call_id == call_id)
            .order_by(DeviceJobRow.created_at)
        )
    )


def documents_of_call(session: Session, call_id: str) -> list[DocumentRow]:
    return list(
        session.scalars(
            select(DocumentRow)
            .where(DocumentRow.call_id == call_id, DocumentRow.deleted_at.is_(None))
            .order_by(DocumentRow.created_at)
        )
    )


def record_health(
    session: Session,
    kiosk_id: int,
    *,
    agent: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    error: str | None = None,
    at: datetime | None = None,
) -> DeviceHealthRow:
    """Keep a booth's latest report and write each device whose state it changed into the
    history (``at``: when, the simulation's time; now by default)."""
    row = session.get(DeviceHealthRow, kiosk_id)
    now = at or utcnow()
    if row is None:
        row = DeviceHealthRow(kiosk_id=kiosk_id, agent={}, page={}, last_error="")
        session.add(row)
    before = incidents.device_states(row.agent, row.page)
    if agent is not None:
        row.agent = agent
    if page is not None:
        row.page = page
    if error:
        row.last_error, row.last_error_at = error[:500], now
    row.reported_at = now
    after = incidents.device_states(agent, page)
    for device, state in incidents.changes(before, after).items():
        session.add(DeviceHealthEventRow(kiosk_id=kiosk_id, device=device, state=state, at=now))
    return row


def record_agent_presence(
    session: Session, kiosk_id: int, connected: bool, at: datetime | None = None
) -> None:
    """The booth's device agent came or went: an ``agent`` state in the history (only when it
    changed, so a reconnect storm or a replaced socket writes nothing twice)."""
    state = incidents.OK if connected else incidents.AGENT_OFFLINE
    last = session.scalar(
        select(DeviceHealthEventRow.state)
        .where(
            DeviceHealthEventRow.kiosk_id == kiosk_id,
            DeviceHealthEventRow.device == incidents.AGENT,
        )
        .order_by(DeviceHealthEventRow.at.desc(), DeviceHealthEventRow.id.desc())
        .limit(1)
    )
    if last != state:
        session.add(
            DeviceHealthEventRow(
                kiosk_id=kiosk_id, device=incidents.AGENT, state=state, at=at or utcnow()
            )
        )


def printer_can_print(agent: dict[str, Any] | None, agent_online: bool) -> tuple[bool, str]:
    """Whether a printout can be promised now, and if not, the reason keyword."""
    if not agent_online:
        return False, incidents.AGENT_OFFLINE
    state = incidents.printer_state(agent)
    return (True, "") if state == incidents.OK else (False, state)
