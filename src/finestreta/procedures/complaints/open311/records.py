"""Tables of Open311 (migration ``c003`` of the ``complaints`` branch): the API keys, kept only
as hashes, and the requests filed through the API, each beside the case it became.

The case itself is an ordinary case (``complaint_cases``); what only the API knows (which key
filed it, the token, the coordinates the client sent, its ``media_url``) stays here, so that
cases filed at the booth and through the API are one list for the staff.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime


class ApiKeyRow(Base):
    __tablename__ = "open311_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    prefix: Mapped[str] = mapped_column(String(8), index=True)  # finds the row; not a secret
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the whole key, hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RequestRow(Base):
    """A case filed through the API: the key that filed it (the case's source)."""

    __tablename__ = "open311_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id"), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"), index=True)
    key_name: Mapped[str] = mapped_column(String(60))  # as it was when the request came
    token: Mapped[str] = mapped_column(String(32), unique=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    long: Mapped[float | None] = mapped_column(Float, nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)  # never published
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
