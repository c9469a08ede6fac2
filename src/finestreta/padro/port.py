"""The port to the population register: what Finestreta asks, whoever answers.

The built-in :class:`finestreta.padro.sql_register.SqlPopulationRegister` keeps the register in
Finestreta's own database (filled by the CSV importer). A city with its own padró system writes
an adapter with these methods (for instance over a web service) and passes it to
:class:`finestreta.padro.lookups.LookupService`; nothing else changes.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from finestreta.errors import N_, Unavailable, declare
from finestreta.padro.identity import IdDocument
from finestreta.padro.model import Household, LookupResult, Person, Registration


class RegisterError(LookupError):
    """Base of the errors a register raises for a person id it cannot answer for."""


class UnknownPerson(RegisterError):
    """No person with that id."""


class NotRegistered(RegisterError):
    """The person exists but has no open registration (moved out or deceased)."""


class RegisterUnavailable(Unavailable):
    """An adapter could not reach its back end (time-out, outage); safe to retry."""

    def __init__(self, message: str = "The population register does not answer") -> None:
        super().__init__(REGISTER_UNAVAILABLE.code, message)


REGISTER_UNAVAILABLE = declare(
    "register_unavailable",
    Unavailable,
    N_("The population register does not answer. Try again in a moment."),
)


@runtime_checkable
class PopulationRegister(Protocol):
    def find(self, document: IdDocument) -> LookupResult:
        """Who holds ``document`` and where they stand; ``not_found`` is an answer, not an
        error."""
        ...

    def person(self, person_id: str) -> Person:
        """The person with that id (raises :class:`UnknownPerson`)."""
        ...

    def household(self, person_id: str) -> Household:
        """Everyone registered today at the person's current address, the person included
        (raises :class:`UnknownPerson` or :class:`NotRegistered`)."""
        ...

    def history(self, person_id: str) -> list[Registration]:
        """The person's registrations in the city, the oldest first (raises
        :class:`UnknownPerson`)."""
        ...
