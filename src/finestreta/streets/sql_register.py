"""The built-in street register: the ``streets`` and ``street_addresses`` tables."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.streets.names import cadastral_reference, search_words, street_number
from finestreta.streets.port import SEARCH_LIMIT, Address, Street
from finestreta.streets.records import StreetAddressRow, StreetRow

SessionFactory = Callable[[], AbstractContextManager[Session]]


def street_of(row: StreetRow) -> Street:
    return Street(code=row.code, kind=row.kind, name=row.name, district=row.district)


def address_of(row: StreetAddressRow) -> Address:
    return Address(
        street=street_of(row.street),
        number=row.number,
        postcode=row.postcode,
        floor=row.floor,
        door=row.door,
        cadastral_reference=row.cadastral_reference,
        catalogued=row.catalogued,
    )


def _like_word_start(word: str) -> str:
    # folded words hold only [a-z0-9], so there is no LIKE wildcard to escape
    return f"% {word}%"


class SqlStreetRegister:
    """Implements :class:`finestreta.streets.port.StreetRegister` over its two tables.

    ``sessions`` is a factory of sessions such as ``Database.session``; every call uses one
    short read-only session of its own."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def search(self, text: str, limit: int = 10) -> list[Street]:
        words = search_words(text)
        limit = min(limit, SEARCH_LIMIT)
        if not words or limit < 1:
            return []
        query = select(StreetRow)
        for word in words:
            query = query.where(StreetRow.search_key.like(_like_word_start(word)))
        query = query.order_by(StreetRow.search_key, StreetRow.code).limit(limit)
        with self._sessions() as session:
            return [street_of(row) for row in session.scalars(query)]

    def street(self, code: str) -> Street | None:
        with self._sessions() as session:
            row = session.get(StreetRow, code.strip())
            return street_of(row) if row is not None else None

    def address(
        self, street_code: str, number: str, floor: str = "", door: str = ""
    ) -> Address | None:
        canonical = street_number(number)
        with self._sessions() as session:
            row = session.scalar(
                select(StreetAddressRow).where(
                    StreetAddressRow.street_code == street_code.strip(),
                    StreetAddressRow.number == canonical,
                    StreetAddressRow.floor == floor.strip(),
                    StreetAddressRow.door == door.strip(),
                )
            )
            return address_of(row) if row is not None else None

    def by_cadastral(self, reference: str) -> Address | None:
        canonical = cadastral_reference(reference)
        with self._sessions() as session:
            row = session.scalar(
                select(StreetAddressRow).where(StreetAddressRow.cadastral_reference == canonical)
            )
            return address_of(row) if row is not None else None
