"""Tables of the built-in population register, and the audit of look-ups.

History is kept: a registration is closed (``to_date``, ``end_reason``), never deleted. The
current household of an address is everyone with an open registration there.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finestreta.db import Base, UTCDateTime, utcnow


class PersonRow(Base):
    __tablename__ = "padro_persons"
    __table_args__ = (UniqueConstraint("document_type", "document_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_type: Mapped[str] = mapped_column(String(10))  # dni | nie | passport
    document_number: Mapped[str] = mapped_column(String(20))  # normalised
    given_name: Mapped[str] = mapped_column(String(100))
    surnames: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(10))  # female | male
    birth_date: Mapped[date] = mapped_column(Date)
    birth_place: Mapped[str] = mapped_column(String(200))
    nationality: Mapped[str] = mapped_column(String(100))


class AddressRow(Base):
    __tablename__ = "padro_addresses"
    __table_args__ = (UniqueConstraint("street", "number", "floor", "door", "postcode"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(10))
    floor: Mapped[str] = mapped_column(String(10), default="")
    door: Mapped[str] = mapped_column(String(10), default="")
    postcode: Mapped[str] = mapped_column(String(5))
    district: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))  # dwelling | collective


class RegistrationRow(Base):
    __tablename__ = "padro_registrations"
    __table_args__ = (
        Index("ix_padro_registrations_person", "person_id", "from_date"),
        Index("ix_padro_registrations_address_open", "address_id", "to_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("padro_persons.id"))
    address_id: Mapped[int] = mapped_column(ForeignKey("padro_addresses.id"))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(String(30))  # import, birth, arrival, ...
    end_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    address: Mapped[AddressRow] = relationship(lazy="joined")
    person: Mapped[PersonRow] = relationship()


class LookupRow(Base):
    """One look-up in the register by a clerk: written whatever the answer (even none)."""

    __tablename__ = "padro_lookups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    clerk_id: Mapped[int] = mapped_column(Integer, index=True)
    call_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(20))  # find | household | history | person
    document_type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    document_number: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    person_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text)
