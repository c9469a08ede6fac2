"""Tables of the cases and their history (migration ``c001`` of the ``complaints`` branch).

A case row changes state only through ``cases.move``/``cases.answer`` (a conditional UPDATE);
its events are append-only (triggers refuse UPDATE and DELETE in both databases), so the
history is what happened, not what someone later wished had happened.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime

STATES = "'received', 'assigned', 'in_progress', 'answered', 'closed'"
EVENTS_APPEND_ONLY = "complaint case events are append-only"


class CaseRow(Base):
    __tablename__ = "complaint_cases"
    __table_args__ = (
        CheckConstraint(f"state IN ({STATES})", name="state"),
        CheckConstraint(
            "(street_code IS NOT NULL AND place IS NULL) OR "
            "(street_code IS NULL AND place IS NOT NULL)",
            name="one_location",
        ),
        CheckConstraint(
            "anonymous OR contact_email IS NOT NULL OR contact_phone IS NOT NULL",
            name="contact_or_anonymous",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)  # canonical, as verification codes
    case_type: Mapped[str] = mapped_column(String(20), index=True)
    theme: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    unit: Mapped[str] = mapped_column(String(40), index=True)
    handler_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    description: Mapped[str] = mapped_column(Text)
    public_description: Mapped[str | None] = mapped_column(Text, nullable=True)  # moderated
    street_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    street_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    address_label: Mapped[str | None] = mapped_column(String(300), nullable=True)
    place: Mapped[str | None] = mapped_column(String(300), nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    language: Mapped[str] = mapped_column(String(2))
    registry_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    call_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CaseEventRow(Base):
    """One thing that happened to a case: opened, moved, answered, its text made public."""

    __tablename__ = "complaint_case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(20))  # opened | moved | answered | moderated
    from_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_state: Mapped[str] = mapped_column(String(12))
    by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the booth's call
    by_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
