"""Writing down what a procedure did in a call (``procedure_steps``): the platform's one event
record of procedure steps, which the KPIs read. ``detail`` holds codes and counts, never a
name, a document number or an address (a test checks the built-in procedures' steps)."""

from __future__ import annotations

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
                ProcedureStepRow(
                    at=self.clock.now(),
                    call_id=call_id,
                    clerk_id=clerk_id,
                    procedure=procedure,
                    step=step[:40],
                    outcome=outcome[:60],
                    detail=detail,
                )
            )
