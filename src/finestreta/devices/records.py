"""Tables of device jobs and device health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime, utcnow


class DeviceJobRow(Base):
    """A print or scan asked of a booth; every state change is kept in ``history``."""

    __tablename__ = "device_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # print | scan
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    result_document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id"), nullable=True
    )
    state: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class DeviceHealthRow(Base):
    """The last health report of a booth's agent and page."""

    __tablename__ = "device_health"
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    page: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeviceHealthEventRow(Base):
    """A booth device's state changed: ``state`` is ``ok`` or the problem's reason keyword.

    ``device_health`` keeps only the last report; these rows keep the history, from which
    ``devices/incidents.py`` derives how long each device was out of service.
    """

    __tablename__ = "device_health_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    device: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
