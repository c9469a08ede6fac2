"""Tables of the attention loop: requests, offers, calls, clerk presence and the event log.

Rows are projections of the events (``store.apply``); the event log is the history from which
waits, durations and outcomes are derived.

The partial unique indexes are backstops (migration 0018, docs/design/cluster.md §3.1): a bug
that would ring one clerk twice, ring two clerks for one request, give a clerk two calls or a
booth two live requests becomes an integrity error (the transaction rolls back) instead of a
double assignment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime

# The conditions of the backstops, shared with migration 0018 (which copies them as text).
LIVE_REQUEST = "state IN ('waiting', 'ringing', 'in_call')"
RINGING_OFFER = "state = 'ringing'"
ACTIVE_CALL = "state = 'active'"


def _unique_where(name: str, column: str, condition: str) -> Index:
    """A unique index over the rows matching ``condition`` only (both backends have them)."""
    return Index(
        name, column, unique=True, postgresql_where=text(condition), sqlite_where=text(condition)
    )


class AttentionRequestRow(Base):
    __tablename__ = "attention_requests"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    language: Mapped[str] = mapped_column(String(5))
    topic: Mapped[str] = mapped_column(String(30))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (_unique_where("uq_requests_live_kiosk", "kiosk_id", LIVE_REQUEST),)


class OfferRow(Base):
    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("attention_requests.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(
        String(20)
    )  # ringing | accepted | declined | expired | withdrawn
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        _unique_where("uq_offers_ringing_clerk", "clerk_id", RINGING_OFFER),
        _unique_where("uq_offers_ringing_request", "request_id", RINGING_OFFER),
    )


class CallRow(Base):
    __tablename__ = "calls"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("attention_requests.id"), unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    clerk_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(10), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    wrapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (_unique_where("uq_calls_active_clerk", "clerk_id", ACTIVE_CALL),)


class ClerkPresenceRow(Base):
    __tablename__ = "clerk_presence"
    clerk_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    idle_since: Mapped[datetime] = mapped_column(UTCDateTime)


class AttentionEventRow(Base):
    __tablename__ = "attention_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    call_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kiosk_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    # the shared board's version that logged the row (several nodes); null on one node
    board_version: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        Index("ix_attention_events_request", "request_id"),
        Index("ix_attention_events_board_version", "board_version"),
        Index("ix_attention_events_at", "at"),
        # the wrap-ups of a period's calls are read by call (supervision/event_log.py)
        Index("ix_attention_events_call", "call_id"),
    )


class SwitchboardHeadRow(Base):
    """The one row (id 1) every shared-board command locks: the last version logged, the
    latest command's time (``now`` never goes backwards across nodes), who holds it."""

    __tablename__ = "switchboard_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    last_at: Mapped[float] = mapped_column(Float)
    locked_by: Mapped[str | None] = mapped_column(Text, nullable=True)


class SwitchboardSnapshotRow(Base):
    """The whole board as of ``version`` (``snapshot.to_dict``), for a node's cold start."""

    __tablename__ = "switchboard_snapshots"
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    format: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallMemoryRow(Base):
    """What the platform and the procedures keep about a live call (what the booth screen
    shows, the citizen identified for a volant…): in the database, not in one process's memory,
    so that another node or a restarted one goes on; forgotten when the call ends."""

    __tablename__ = "call_memory"
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40), primary_key=True)  # "screen", "census", …
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
