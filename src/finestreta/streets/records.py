"""Tables of the built-in street register: streets and the addresses along them."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finestreta.db import Base


class StreetRow(Base):
    __tablename__ = "streets"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(100))
    # names.search_key(name): folded words after a space, for "LIKE '% word%'"
    search_key: Mapped[str] = mapped_column(String(220))


class StreetAddressRow(Base):
    __tablename__ = "street_addresses"
    __table_args__ = (UniqueConstraint("street_code", "number", "floor", "door"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("streets.code"), index=True)
    number: Mapped[str] = mapped_column(String(12))  # names.street_number
    floor: Mapped[str] = mapped_column(String(10), default="")
    door: Mapped[str] = mapped_column(String(10), default="")
    postcode: Mapped[str] = mapped_column(String(5))
    cadastral_reference: Mapped[str | None] = mapped_column(String(20), nullable=True, unique=True)
    catalogued: Mapped[bool] = mapped_column(Boolean, default=False)
    street: Mapped[StreetRow] = relationship(lazy="joined")
