"""The life of a case, as one table of allowed moves and who may make each (pure).

received ──▶ assigned ──▶ in_progress ──▶ answered ──▶ closed
   │            │                ▲            │
   │            │                └────────────┘  reopened (a supervisor: the answer fell short)
   └────────────┴──────────────────────────────────▶ closed  (a supervisor: duplicate, not ours)

A case handler takes a case (assigned), works it (in progress), answers it and closes it; a
supervisor may do all that too, and alone reopens an answered case or closes one unanswered.
``answered`` is reached only with an answer (``cases.answer``), never by a bare move.

Due dates count business days from the day the case was received: weekends are skipped and so
are the holidays the caller passes (the city's calendar is not this module's).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta
from enum import StrEnum

from finestreta.errors import N_, Conflict, NotAllowed, declare
from finestreta.procedures.complaints.settings import ComplaintsSettings
from finestreta.procedures.complaints.types import DOMAIN


class CaseState(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"

    @property
    def open(self) -> bool:
        """Still waiting for the city's answer (what counts for being overdue)."""
        return self in (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS)


class Role(StrEnum):
    CASE_HANDLER = "case-handler"
    SUPERVISOR = "supervisor"


_BOTH = frozenset({Role.CASE_HANDLER, Role.SUPERVISOR})
_SUPERVISOR = frozenset({Role.SUPERVISOR})

MOVES: Mapping[tuple[CaseState, CaseState], frozenset[Role]] = {
    (CaseState.RECEIVED, CaseState.ASSIGNED): _BOTH,
    (CaseState.RECEIVED, CaseState.CLOSED): _SUPERVISOR,
    (CaseState.ASSIGNED, CaseState.IN_PROGRESS): _BOTH,
    (CaseState.ASSIGNED, CaseState.CLOSED): _SUPERVISOR,
    (CaseState.IN_PROGRESS, CaseState.ANSWERED): _BOTH,
    (CaseState.ANSWERED, CaseState.CLOSED): _BOTH,
    (CaseState.ANSWERED, CaseState.IN_PROGRESS): _SUPERVISOR,
}

CASE_BAD_MOVE = declare(
    "case_bad_move",
    Conflict,
    N_("A case in this state cannot go to that state."),
    domain=DOMAIN,
)
CASE_MOVE_NOT_ALLOWED = declare(
    "case_move_not_allowed",
    NotAllowed,
    N_("Your role may not move a case this way: ask a supervisor."),
    domain=DOMAIN,
)


def can_move(current: CaseState, new: CaseState) -> bool:
    return (current, new) in MOVES


def check_move(current: CaseState, new: CaseState, role: Role | str) -> None:
    """Refuse a move the table does not have (``case_bad_move``) or that ``role`` may not make
    (``case_move_not_allowed``)."""
    allowed = MOVES.get((current, new))
    if allowed is None:
        raise CASE_BAD_MOVE(
            f"a case cannot go from {current} to {new}",
            {"from": str(current), "to": str(new)},
        )
    if role not in allowed:
        raise CASE_MOVE_NOT_ALLOWED(
            f"a {role} may not move a case from {current} to {new}",
            {"from": str(current), "to": str(new)},
        )


def add_business_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The ``days``-th business day after ``start`` (Monday–Friday, not in ``holidays``)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day


def due_date(
    received_on: date,
    case_type: str,
    settings: ComplaintsSettings,
    holidays: Collection[date] = (),
) -> date:
    """When the answer of a case of ``case_type`` received on ``received_on`` is due."""
    return add_business_days(received_on, settings.days_for(case_type), holidays)


def is_overdue(state: CaseState, due_on: date, today: date) -> bool:
    """Unanswered after its due day (the due day itself is still in time)."""
    return state.open and today > due_on
