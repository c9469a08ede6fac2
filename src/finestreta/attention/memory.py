"""Per-call memory in the database: small JSON values under (call, owner, key).

The owner is a layer or a procedure (``screen``, ``census``), so two never overwrite each
other. Values are forgotten when the call ends (:meth:`CallMemory.forget`, called by the
hub's end-of-call listeners) and, for calls whose process died (or no server ran) before
those listeners did, by the periodic sweep (:meth:`CallMemory.sweep`, ``app.py``). Personal data
kept here lives only as long as the call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select

from finestreta.attention.records import CallMemoryRow, CallRow
from finestreta.db import Database, utcnow


def ended_calls(before: datetime | None = None) -> Select[tuple[str]]:
    """The ids of calls no longer active; with ``before``, only those that ended before it (the
    periodic sweep leaves a call that just ended to its own listeners, which may still run on
    the node that ended it and are the only ones holding the agent's socket)."""
    query = select(CallRow.id).where(CallRow.state != "active")
    if before is not None:
        query = query.where(or_(CallRow.ended_at.is_(None), CallRow.ended_at < before))
    return query


class CallMemory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, call_id: str, owner: str, key: str) -> Any | None:
        with self.db.session() as session:
            row = session.get(CallMemoryRow, (call_id, owner, key))
            return row.value if row is not None else None

    def put(self, call_id: str, owner: str, key: str, value: Any) -> None:
        with self.db.session() as session:
            row = session.get(CallMemoryRow, (call_id, owner, key))
            if row is None:
                session.add(
                    CallMemoryRow(
                        call_id=call_id, owner=owner, key=key, value=value, updated_at=utcnow()
                    )
                )
            else:
                row.value, row.updated_at = value, utcnow()

    def drop(self, call_id: str, owner: str, key: str) -> Any | None:
        """Forget one value; returns what it was."""
        with self.db.session() as session:
            row = session.get(CallMemoryRow, (call_id, owner, key))
            if row is None:
                return None
            value = row.value
            session.delete(row)
            return value

    def forget(self, call_id: str) -> None:
        """The call ended: everything kept for it goes."""
        with self.db.session() as session:
            session.execute(delete(CallMemoryRow).where(CallMemoryRow.call_id == call_id))

    def sweep(self, before: datetime | None = None) -> int:
        """Forget what is kept for calls no longer active (ended before ``before`` if given)
        whose listeners never forgot it (their process died, or none was running)."""
        with self.db.session() as session:
            ended = ended_calls(before)
            result = session.execute(delete(CallMemoryRow).where(CallMemoryRow.call_id.in_(ended)))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
