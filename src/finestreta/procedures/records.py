"""The record of what procedures did during calls, one row per step, for the KPIs (how many
volants were issued, how many look-ups ended in a refusal…). Steps carry no personal data: who
the citizen was stays in the procedures' own audited tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime


class ProcedureStepRow(Base):
    __tablename__ = "procedure_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    call_id: Mapped[str | None] = mapped_column(String(32), index=True, nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    procedure: Mapped[str] = mapped_column(String(40), index=True)
    step: Mapped[str] = mapped_column(String(40))  # "identified", "issued", "sheet_printed"…
    outcome: Mapped[str] = mapped_column(String(60))  # "ok", a refusal's code…
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
