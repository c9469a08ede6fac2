"""Writing down what a procedure did in a call (``procedure_steps``): the platform's one event
record of procedure steps, which the KPIs read. ``detail`` holds codes and counts, never a
name, a document number or an address (a test checks the built-in procedures' steps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from finestreta.clock import Clock
from finestreta.db import Database
from finestreta.procedures.records import ProcedureStepRow


class StepLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(
        self,
        procedure: str,
        step: str,
        outcome: str = "ok",
        *,
        call_id: str | None = None,
        clerk_id: int | None = None,
        **detail: Any,
    ) -> None:
        with self.db.session() as session:
            session.add(
                step_row(self.clock.now(), procedure, step, outcome, call_id, clerk_id, detail)
            )


def step_row(
    at: datetime,
    procedure: str,
    step: str,
    outcome: str,
    call_id: str | None,
    clerk_id: int | None,
    detail: dict[str, Any],
) -> ProcedureStepRow:
    """The row ``StepLog.record`` writes (the simulation adds it in a transaction of its own)."""
    return ProcedureStepRow(
        at=at,
        call_id=call_id,
        clerk_id=clerk_id,
        procedure=procedure,
        step=step[:40],
        outcome=outcome[:60],
        detail=detail,
    )
