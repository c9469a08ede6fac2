"""The port to the street register: what Finestreta asks about a street or an address.

Works notices and complaints check the address a citizen gives against it. The built-in
:class:`finestreta.streets.sql_register.SqlStreetRegister` keeps the register in Finestreta's own
database (filled by the CSV importer, ``docs/streets.md``); a city with its own street guide
writes an adapter with these methods and names it in ``FINESTRETA_STREETS_REGISTER``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from finestreta.errors import N_, InvalidInput, declare

SEARCH_LIMIT = 50  # the most streets one search returns, whatever the caller asks

INVALID_STREET_NUMBER = declare(
    "invalid_street_number",
    InvalidInput,
    N_("That is not a street number (for instance 12, 12-14 or 12 bis)."),
)
INVALID_CADASTRAL_REFERENCE = declare(
    "invalid_cadastral_reference",
    InvalidInput,
    N_("That is not a valid cadastral reference (20 letters and digits)."),
)


@dataclass(frozen=True)
class Street:
    code: str  # the city's own code of the street
    kind: str  # carrer, avinguda, passeig, plaça, ... (lower case, see names.KINDS)
    name: str  # the whole name as on the sign, its kind included: "Carrer de Mallorca"
    district: str


@dataclass(frozen=True)
class Address:
    street: Street
    number: str  # canonical: "12", "12-14", "12 bis", "12a" (names.street_number)
    postcode: str  # five digits
    floor: str = ""  # empty: the whole building
    door: str = ""
    cadastral_reference: str | None = None  # 20 characters, checked with python-stdnum
    catalogued: bool = False  # a heritage-protected building: minor works notices do not apply

    @property
    def label(self) -> str:
        """``Carrer de Mallorca 401, 3r 2a`` (the way padró and tax addresses are written)."""
        flat = " ".join(part for part in (self.floor, self.door) if part)
        return f"{self.street.name} {self.number}" + (f", {flat}" if flat else "")


@runtime_checkable
class StreetRegister(Protocol):
    def search(self, text: str, limit: int = 10) -> list[Street]:
        """Streets whose name has a word starting with each word of ``text``, ignoring case
        and accents ("gran sant andreu" finds "Carrer Gran de Sant Andreu"), in name order;
        at most ``limit`` (capped at :data:`SEARCH_LIMIT`). Nothing for an empty text."""
        ...

    def street(self, code: str) -> Street | None:
        """The street with that code, if any."""
        ...

    def address(
        self, street_code: str, number: str, floor: str = "", door: str = ""
    ) -> Address | None:
        """The address at ``number`` of the street (the whole building unless ``floor`` or
        ``door`` is given); raises ``invalid_street_number`` for a number that cannot be one."""
        ...

    def by_cadastral(self, reference: str) -> Address | None:
        """The address with that cadastral reference (spaces and case ignored); raises
        ``invalid_cadastral_reference`` for one whose length, form or check letters are
        wrong."""
        ...
