"""Tables of people and devices: staff users and sessions, sites, kiosks and their pairings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finestreta.db import Base, UTCDateTime, utcnow


class Site(Base):
    """A civic centre where booths stand."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")


class StaffUser(Base):
    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # clerk | supervisor | admin
    languages: Mapped[str] = mapped_column(String(50), default="ca,es")
    topics: Mapped[str] = mapped_column(String(200), default="general")
    locale: Mapped[str] = mapped_column(String(5), default="ca")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # In the city's register of habilitated officials (Ley 39/2015 art. 12.3): may record a
    # citizen's oral consent instead of a signature (signatures/desk.py).
    habilitated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def language_set(self) -> frozenset[str]:
        return frozenset(x for x in self.languages.split(",") if x)

    @property
    def topic_set(self) -> frozenset[str]:
        return frozenset(x for x in self.topics.split(",") if x)


class StaffSession(Base):
    """A logged-in browser; the cookie holds the token, the table only its hash."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[StaffUser] = relationship(lazy="joined")


class Kiosk(Base):
    """A booth; its secret is shown once when registered and kept only as an argon2 hash."""

    __tablename__ = "kiosks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    secret_hash: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    site: Mapped[Site] = relationship(lazy="joined")


class KioskSession(Base):
    """A paired booth browser (the cookie holds the token). One live pairing per booth: pairing
    again, or disabling the kiosk, ends the others; one unused for ``pairing_idle_days`` has
    expired (``last_used_at`` is renewed on use, at most once an hour)."""

    __tablename__ = "kiosk_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kiosk: Mapped[Kiosk] = relationship(lazy="joined")


class AuditEntry(Base):
    """Who did what to whom: logins, pairings, account changes, accesses to personal data."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class OfficeHours(Base):
    """The central office's opening hours (one row), e.g. ``mon-fri 08:30-19:00``."""

    __tablename__ = "office_hours"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec: Mapped[str] = mapped_column(String(500))
    closed_days: Mapped[str] = mapped_column(Text, default="")  # ISO dates, comma-separated
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Madrid")
