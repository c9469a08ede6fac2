"""The lifecycle's table of moves, who may make each, and due dates (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from finestreta.errors import Conflict, NotAllowed
from finestreta.procedures.complaints.lifecycle import (
    MOVES,
    CaseState,
    Role,
    add_business_days,
    can_move,
    check_move,
    due_date,
    is_overdue,
)
from finestreta.procedures.complaints.settings import ComplaintsSettings

R, A, P, N, C = (
    CaseState.RECEIVED,
    CaseState.ASSIGNED,
    CaseState.IN_PROGRESS,
    CaseState.ANSWERED,
    CaseState.CLOSED,
)
H, S = Role.CASE_HANDLER, Role.SUPERVISOR
# Written out by hand from docs/complaints.md, not derived from MOVES: (from, to) → roles.
ALLOWED: dict[tuple[CaseState, CaseState], set[Role]] = {
    (R, A): {H, S},
    (R, C): {S},
    (A, P): {H, S},
    (A, C): {S},
    (P, N): {H, S},
    (N, C): {H, S},
    (N, P): {S},
}
EVERY_MOVE = [(a, b) for a in CaseState for b in CaseState]


def test_the_table_is_the_documented_one() -> None:
    assert {move: set(roles) for move, roles in MOVES.items()} == ALLOWED


@pytest.mark.parametrize(("current", "new"), EVERY_MOVE)
@pytest.mark.parametrize("role", list(Role))
def test_every_move_for_every_role(current: CaseState, new: CaseState, role: Role) -> None:
    allowed = ALLOWED.get((current, new))
    assert can_move(current, new) is (allowed is not None)
    if allowed is None:
        with pytest.raises(Conflict) as refused:
            check_move(current, new, role)
        assert refused.value.code == "case_bad_move"
        assert refused.value.details == {"from": current.value, "to": new.value}
    elif role not in allowed:
        with pytest.raises(NotAllowed) as forbidden:
            check_move(current, new, role)
        assert forbidden.value.code == "case_move_not_allowed"
    else:
        check_move(current, new, role)


def test_closed_is_final_and_nothing_goes_back_to_received() -> None:
    assert not any(can_move(C, other) for other in CaseState)
    assert not any(can_move(other, R) for other in CaseState)


def test_a_role_given_as_text_and_an_unknown_role() -> None:
    check_move(R, A, "case-handler")
    with pytest.raises(NotAllowed):
        check_move(R, A, "clerk")


@pytest.mark.parametrize(
    ("start", "days", "holidays", "expected"),
    [
        (date(2026, 12, 4), 1, (), date(2026, 12, 7)),  # Friday → Monday
        (date(2026, 12, 5), 1, (), date(2026, 12, 7)),  # received on Saturday
        (date(2026, 12, 7), 5, (), date(2026, 12, 14)),  # a whole week
        (date(2026, 12, 7), 0, (), date(2026, 12, 7)),
        # Immaculate Conception (Tue 8) and Christmas (Fri 25), St Stephen's is a Saturday
        (date(2026, 12, 7), 2, (date(2026, 12, 8),), date(2026, 12, 10)),
        (date(2026, 12, 21), 5, (date(2026, 12, 25), date(2026, 12, 26)), date(2026, 12, 29)),
    ],
)
def test_business_days(start: date, days: int, holidays: tuple[date, ...], expected: date) -> None:
    assert add_business_days(start, days, holidays) == expected


def test_due_dates_follow_the_type_and_the_settings() -> None:
    monday = date(2026, 12, 7)
    defaults = ComplaintsSettings(_env_file=None)
    assert due_date(monday, "incident", defaults) == date(2026, 12, 21)  # 10 business days
    assert due_date(monday, "query", defaults) == date(2026, 12, 28)  # 15
    changed = ComplaintsSettings(_env_file=None, due_days="incident:2")
    assert due_date(monday, "incident", changed) == date(2026, 12, 9)
    assert due_date(monday, "incident", changed, holidays={date(2026, 12, 8)}) == date(2026, 12, 10)
    assert due_date(monday, "query", changed) == date(2026, 12, 28)  # the others keep theirs
    with pytest.raises(ValueError, match="negative"):
        add_business_days(monday, -1)


@pytest.mark.parametrize(
    ("state", "today", "overdue"),
    [
        (R, date(2026, 12, 10), False),  # the due day itself is in time
        (R, date(2026, 12, 11), True),
        (A, date(2026, 12, 11), True),
        (P, date(2026, 12, 11), True),
        (N, date(2026, 12, 11), False),  # answered: no longer waiting
        (C, date(2027, 6, 1), False),
    ],
)
def test_overdue(state: CaseState, today: date, overdue: bool) -> None:
    assert is_overdue(state, date(2026, 12, 10), today) is overdue
