"""How the clerk checked who the citizen is, once per identification during a call.

Kept apart from the register's look-up audit (``padro_lookups``): that one says who looked
whom up and why; this one says on what evidence the clerk accepted the citizen's identity,
which a volant issued in the citizen's name rests on. Rows are only ever added.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime, utcnow


class IdentityCheckRow(Base):
    __tablename__ = "identity_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    call_id: Mapped[str] = mapped_column(String(32), index=True)
    clerk_id: Mapped[int] = mapped_column(Integer, index=True)
    document_type: Mapped[str] = mapped_column(String(10))
    document_number: Mapped[str] = mapped_column(String(20), index=True)
    method: Mapped[str] = mapped_column(String(20))  # id_on_camera | id_scanned
    scan_document_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # what the register said
    person_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Read off the ID by the clerk when the register does not know the person.
    given_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    surnames: Mapped[str | None] = mapped_column(String(150), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
