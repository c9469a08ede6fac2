"""Look-ups in the register on behalf of a clerk, each one written to ``padro_lookups``.

Every call writes its audit row in a session of its own, committed before the answer is
returned: whether the person was found, not found, or the register failed. A look-up without a
stated purpose is refused (data protection: access to personal data needs a reason).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.padro.identity import IdDocument
from finestreta.padro.model import Household, LookupResult, Person, Registration
from finestreta.padro.port import NotRegistered, PopulationRegister, UnknownPerson
from finestreta.padro.records import LookupRow

SessionFactory = Callable[[], AbstractContextManager[Session]]
T = TypeVar("T")

# outcomes besides the statuses of a ``find`` (registered, moved_out, deceased, not_found)
FOUND = "found"
UNKNOWN_PERSON = "unknown_person"
NOT_REGISTERED = "not_registered"
ERROR = "error"


class LookupService:
    """The clerk-facing entry to any :class:`PopulationRegister`, audited."""

    def __init__(
        self,
        register: PopulationRegister,
        session_factory: SessionFactory,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.register = register
        self._sessions = session_factory
        self._clock = clock

    def find(
        self, document: IdDocument, *, clerk_id: int, call_id: str | None, purpose: str
    ) -> LookupResult:
        purpose = _purpose(purpose)
        try:
            result = self.register.find(document)
        except Exception:
            self._audit("find", clerk_id, call_id, purpose, ERROR, document=document)
            raise
        self._audit(
            "find",
            clerk_id,
            call_id,
            purpose,
            result.status.value,
            document=document,
            person_id=result.person.id if result.person else None,
        )
        return result

    def person(self, person_id: str, *, clerk_id: int, call_id: str | None, purpose: str) -> Person:
        return self._by_id("person", person_id, self.register.person, clerk_id, call_id, purpose)

    def household(
        self, person_id: str, *, clerk_id: int, call_id: str | None, purpose: str
    ) -> Household:
        """Everyone at the person's address; the audit row names the person asked about."""
        return self._by_id(
            "household", person_id, self.register.household, clerk_id, call_id, purpose
        )

    def history(
        self, person_id: str, *, clerk_id: int, call_id: str | None, purpose: str
    ) -> list[Registration]:
        return self._by_id("history", person_id, self.register.history, clerk_id, call_id, purpose)

    def _by_id(
        self,
        action: str,
        person_id: str,
        ask: Callable[[str], T],
        clerk_id: int,
        call_id: str | None,
        purpose: str,
    ) -> T:
        purpose = _purpose(purpose)
        try:
            answer = ask(person_id)
        except Exception as exc:
            outcome = (
                UNKNOWN_PERSON
                if isinstance(exc, UnknownPerson)
                else NOT_REGISTERED
                if isinstance(exc, NotRegistered)
                else ERROR
            )
            self._audit(action, clerk_id, call_id, purpose, outcome, person_id=person_id)
            raise
        self._audit(
            action,
            clerk_id,
            call_id,
            purpose,
            FOUND,
            document=_document_in(answer, person_id),
            person_id=person_id,
        )
        return answer

    def _audit(
        self,
        action: str,
        clerk_id: int,
        call_id: str | None,
        purpose: str,
        outcome: str,
        *,
        document: IdDocument | None = None,
        person_id: str | None = None,
    ) -> None:
        with self._sessions() as session:
            session.add(
                LookupRow(
                    at=self._clock(),
                    clerk_id=clerk_id,
                    call_id=call_id,
                    action=action,
                    document_type=document.type.value if document else None,
                    document_number=document.number if document else None,
                    person_id=person_id,
                    outcome=outcome,
                    purpose=purpose,
                )
            )


def _purpose(purpose: str) -> str:
    text = " ".join(purpose.split())
    if not text:
        raise ValueError("a look-up needs a purpose")
    return text


def _document_in(answer: object, person_id: str) -> IdDocument | None:
    """The document of the person asked about, when the answer shows it."""
    if isinstance(answer, Person):
        return answer.document
    if isinstance(answer, Household):
        for member in answer.members:
            if member.person.id == person_id:
                return member.person.document
    return None
