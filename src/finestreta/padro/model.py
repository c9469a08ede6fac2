"""What the population register (padró) says, as plain immutable values.

These types are the vocabulary of the :mod:`finestreta.padro.port`: any implementation of the
register (the built-in SQL one or a city's own system) answers with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from finestreta.padro.identity import IdDocument


class Status(StrEnum):
    """Where a looked-up person stands in the register today."""

    REGISTERED = "registered"  # an open registration at an address in the city
    MOVED_OUT = "moved_out"  # was registered, left the city (registered elsewhere now)
    DECEASED = "deceased"  # the registration ended by death
    NOT_FOUND = "not_found"  # the document is not in the register


class AddressKind(StrEnum):
    DWELLING = "dwelling"  # a home: household volants possible
    COLLECTIVE = "collective"  # care home, residence, convent...: individual volants only


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class EndReason(StrEnum):
    """Why a registration at an address ended."""

    CHANGE_OF_ADDRESS = "change_of_address"  # moved within the city
    MOVED_OUT = "moved_out"  # left the city
    DECEASED = "deceased"


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day`` (someone born on 29 February turns a year older on 1 March
    in common years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


@dataclass(frozen=True)
class Person:
    id: str
    document: IdDocument
    given_name: str
    surnames: str
    sex: Sex
    birth_date: date
    birth_place: str
    nationality: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surnames}"

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)


@dataclass(frozen=True)
class Address:
    id: str
    street: str
    number: str
    floor: str
    door: str
    postcode: str
    district: str
    kind: AddressKind

    def one_line(self) -> str:
        """``Carrer de Mallorca, 401, 3r 2a, 08013`` style (floor and door when present)."""
        flat = " ".join(part for part in (self.floor, self.door) if part)
        parts = [f"{self.street}, {self.number}"]
        if flat:
            parts.append(flat)
        parts.append(self.postcode)
        return ", ".join(parts)


@dataclass(frozen=True)
class Registration:
    """One stay at an address: ``until`` is None while it lasts."""

    address: Address
    since: date
    until: date | None
    reason: str  # why it started: import, birth, arrival, change_of_address...
    end_reason: EndReason | None

    @property
    def is_open(self) -> bool:
        return self.until is None


@dataclass(frozen=True)
class Member:
    person: Person
    registered_since: date


@dataclass(frozen=True)
class Household:
    """Everyone with an open registration at one address, the longest-registered first."""

    address: Address
    members: tuple[Member, ...]

    @property
    def is_collective(self) -> bool:
        return self.address.kind is AddressKind.COLLECTIVE

    def person_ids(self) -> frozenset[str]:
        return frozenset(member.person.id for member in self.members)


@dataclass(frozen=True)
class LookupResult:
    """The answer to "who holds this document?".

    ``registered``: ``person``, ``address`` (current) and ``registered_since`` are set.
    ``moved_out``/``deceased``: ``person``, ``address`` (the last one) and ``ended_on``.
    ``not_found``: only ``document``."""

    status: Status
    document: IdDocument
    person: Person | None = None
    address: Address | None = None
    registered_since: date | None = None
    ended_on: date | None = None

    @property
    def moved_out_on(self) -> date | None:
        return self.ended_on if self.status is Status.MOVED_OUT else None

    @property
    def found(self) -> bool:
        return self.person is not None
