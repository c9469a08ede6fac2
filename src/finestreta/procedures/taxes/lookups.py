"""Look-ups in the tax register on behalf of a clerk, each one written to ``tax_lookups``.

Every call writes its audit row in a session of its own, committed before the answer is
returned: whether something was found, nothing was, or the register failed (``found`` null,
the error re-raised). A look-up without a stated purpose is refused (data protection: access
to personal data needs a reason). A malformed NIF or reference is refused with its declared
error before any look-up, so it reaches neither the register nor the audit.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.procedures.taxes.records import TaxLookupRow
from finestreta.procedures.taxes.register import (
    Receipt,
    Taxpayer,
    TaxRegister,
    parse_nif,
    parse_reference,
)

SessionFactory = Callable[[], AbstractContextManager[Session]]
T = TypeVar("T")


class TaxLookups:
    """The clerk-facing entry to any :class:`TaxRegister`, audited."""

    def __init__(
        self,
        register: TaxRegister,
        session_factory: SessionFactory,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.register = register
        self._sessions = session_factory
        self._clock = clock

    def taxpayer(
        self, nif: str, *, clerk_id: int, call_id: str | None, purpose: str
    ) -> Taxpayer | None:
        """Who holds ``nif`` in the register (None: nobody)."""
        number = parse_nif(nif)
        return self._ask(
            "taxpayer",
            lambda: self.register.taxpayer(number),
            lambda answer: answer is not None,
            clerk_id=clerk_id,
            call_id=call_id,
            purpose=purpose,
            nif=number,
        )

    def receipts_of(
        self, nif: str, *, clerk_id: int, call_id: str | None, purpose: str
    ) -> list[Receipt]:
        """Every receipt of the taxpayer, the newest first; ``found`` is whether there was any."""
        number = parse_nif(nif)
        return self._ask(
            "receipts_of",
            lambda: self.register.receipts_of(number),
            bool,
            clerk_id=clerk_id,
            call_id=call_id,
            purpose=purpose,
            nif=number,
        )

    def receipt(
        self, reference: str, *, clerk_id: int, call_id: str | None, purpose: str
    ) -> Receipt | None:
        """The receipt with that reference, whoever it belongs to; the audit row names its
        taxpayer's NIF when it was found."""
        number = parse_reference(reference)
        return self._ask(
            "receipt",
            lambda: self.register.receipt(number),
            lambda answer: answer is not None,
            clerk_id=clerk_id,
            call_id=call_id,
            purpose=purpose,
            reference=number,
        )

    def _ask(
        self,
        action: str,
        ask: Callable[[], T],
        found: Callable[[T], bool],
        *,
        clerk_id: int,
        call_id: str | None,
        purpose: str,
        nif: str | None = None,
        reference: str | None = None,
    ) -> T:
        why = _purpose(purpose)
        try:
            answer = ask()
        except Exception:
            self._audit(action, clerk_id, call_id, why, None, nif, reference)
            raise
        if isinstance(answer, Receipt):
            nif = answer.taxpayer.nif
        self._audit(action, clerk_id, call_id, why, found(answer), nif, reference)
        return answer

    def _audit(
        self,
        action: str,
        clerk_id: int,
        call_id: str | None,
        purpose: str,
        found: bool | None,
        nif: str | None,
        reference: str | None,
    ) -> None:
        with self._sessions() as session:
            session.add(
                TaxLookupRow(
                    at=self._clock(),
                    clerk_id=clerk_id,
                    call_id=call_id,
                    action=action,
                    nif=nif,
                    reference=reference,
                    found=found,
                    purpose=purpose,
                )
            )


def _purpose(purpose: str) -> str:
    text = " ".join(purpose.split())
    if not text:
        raise ValueError("a look-up needs a purpose")
    return text
