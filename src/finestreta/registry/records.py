"""Tables of the registry: the entries (never updated or deleted) and one counter per registry
and year from which their numbers are taken.

The immutability of ``registry_entries`` (and of ``registry_attachments``) is enforced by the
database (triggers made by migrations 0003 and 0012), not only by the absence of update or
delete functions in ``service``. A correction is a new entry whose ``corrects`` names the code of
the entry it corrects; the earlier entry stays as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime

DEFAULT_REGISTRY = "general"


def format_number(year: int, number: int) -> str:
    """The number printed for the citizen: ``2026/0000042`` (seven digits, zero-padded)."""
    return f"{year:04d}/{number:07d}"


def format_code(registry: str, year: int, number: int) -> str:
    """The unique code of an entry: its number in the general registry (``2026/0000042``), and
    the registry's name before it in any other (``urbanisme:2026/0000042``)."""
    text = format_number(year, number)
    return text if registry == DEFAULT_REGISTRY else f"{registry}:{text}"


class RegistryEntry(Base):
    """One entry of the registry (Ley 39/2015 art. 16.3). Written once, never changed."""

    __tablename__ = "registry_entries"
    __table_args__ = (
        UniqueConstraint("registry", "year", "number", name="uq_registry_entries_number"),
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The column is "registry"; the attribute cannot be: DeclarativeBase.registry is SQLAlchemy's.
    registry_name: Mapped[str] = mapped_column("registry", String(20))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    party_id_type: Mapped[str] = mapped_column(String(10))  # nif | nie | passport | other
    party_id_number: Mapped[str] = mapped_column(String(30))
    sending_body: Mapped[str | None] = mapped_column(String(200), nullable=True)
    destination_unit: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(100))  # "clerk:3", "kiosk:2", "system"
    # [{"title": ..., "sha256": ..., "size": ..., "media_type": ...}, ...]
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The code of the earlier entry of the same registry that this one corrects (Ley 39/2015
    # keeps entries as made: a mistake is put right by a new entry that refers to the old one).
    corrects: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("registry_entries.code"), nullable=True, index=True
    )

    @property
    def number_text(self) -> str:
        return format_number(self.year, self.number)

    def __repr__(self) -> str:
        return f"<RegistryEntry {self.code} {self.direction}>"


class RegistryCounter(Base):
    """The last number given in a registry and year. Only ever incremented by one, inside the
    transaction that writes the entry with that number (``numbering.allocate``)."""

    __tablename__ = "registry_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    registry_name: Mapped[str] = mapped_column("registry", String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RegistryAttachment(Base):
    """One attached document of an entry, by its SHA-256, in a table of its own so that the
    document purge can ask cheaply (and on SQLite and PostgreSQL alike, unlike a query into the
    JSON ``documents``) whether a stored file is registered, and keep it. Written with the
    entry, never changed."""

    __tablename__ = "registry_attachments"

    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entries.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, … as in documents
    sha256: Mapped[str] = mapped_column(String(64), index=True)
