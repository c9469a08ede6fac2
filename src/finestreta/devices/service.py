"""Device jobs and health in the database: create, move (only as ``jobs`` allows), list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.devices.jobs import JobState, can_move
from finestreta.devices.records import DeviceHealthRow, DeviceJobRow
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
) -> DeviceHealthRow:
    row = session.get(DeviceHealthRow, kiosk_id)
    now = utcnow()
    if row is None:
        row = DeviceHealthRow(kiosk_id=kiosk_id, agent={}, page={}, last_error="")
        session.add(row)
    if agent is not None:
        row.agent = agent
    if page is not None:
        row.page = page
    if error:
        row.last_error, row.last_error_at = error[:500], now
    row.reported_at = now
    return row


def printer_can_print(agent: dict[str, Any] | None, agent_online: bool) -> tuple[bool, str]:
    """Whether a printout can be promised now, and if not, the reason keyword."""
    if not agent_online:
        return False, "agent_offline"
    printer = (agent or {}).get("printer") or {}
    state = printer.get("state")
    if state in (None, "unreachable"):
        return False, "printer_unreachable"
    if state == "stopped":
        reasons = [str(r) for r in printer.get("reasons") or []]
        for keyword, reason in (
            ("media-empty", "media_empty"),
            ("media-jam", "media_jam"),
            ("door-open", "door_open"),
            ("toner-empty", "toner_empty"),
        ):
            if any(r.startswith(keyword) for r in reasons):
                return False, reason
        return False, "printer_stopped"
    if printer.get("accepting") is False:
        return False, "printer_stopped"
    return True, ""
