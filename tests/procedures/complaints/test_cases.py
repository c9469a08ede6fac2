"""Cases in the database (SQLite and PostgreSQL): opening with every check, moving and
answering with the history, the public view, the staff's list, and a race on PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from finestreta.db import Database
from finestreta.documents.verification import check_character, format_code
from finestreta.errors import FinestretaError
from finestreta.procedures.complaints.cases import (
    MAX_DESCRIPTION,
    AddressLocation,
    Case,
    Contact,
    DescribedPlace,
    Handler,
    answer,
    cases_for_handler,
    get_case,
    history,
    move,
    public_view,
    publish_description,
)
from finestreta.procedures.complaints.lifecycle import CaseState, Role
from finestreta.procedures.complaints.records import CaseEventRow, CaseRow
from tests.procedures.complaints.conftest import BENCH, NOW

OpenOne = Callable[..., Case]
ANNA = Handler(7, Role.CASE_HANDLER)
PERE = Handler(8, Role.CASE_HANDLER)
SUPERVISOR = Handler(3, Role.SUPERVISOR)
LATER = NOW + timedelta(hours=2)


def refused(code: str, call: Callable[[], Any]) -> FinestretaError:
    with pytest.raises(FinestretaError) as error:
        call()
    assert error.value.code == code, error.value
    return error.value


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseRow)) or 0,
            session.scalar(select(func.count()).select_from(CaseEventRow)) or 0,
        )


def test_a_case_is_opened_received_with_its_unit_due_date_and_code(
    db: Database, open_one: OpenOne
) -> None:
    case = open_one()
    assert case.state is CaseState.RECEIVED and case.unit == "cleaning"
    assert case.due_on == date(2027, 1, 18)  # 30 business days from Monday 7 December 2026
    assert case.address_label == "Carrer de Mallorca 401" and case.place is None
    assert case.contact == Contact("nuria.puig@example.cat", "+34612345678", "Núria Puig")
    assert len(case.code) == 18 and case.display_code == format_code(case.code)
    assert open_one().code != case.code
    with db.session() as session:
        assert get_case(session, case.display_code.lower()) == case  # read tolerantly
        (opened,) = history(session, case.code)
    assert (opened.action, opened.from_state, opened.to_state) == ("opened", None, "received")
    assert opened.by_id is None and opened.unit == "cleaning" and opened.at == NOW


def test_an_anonymous_incident_at_a_described_place(open_one: OpenOne) -> None:
    case = open_one(case_type="incident", theme="lighting", contact=None, location=BENCH)
    assert case.contact is None and case.place == BENCH.text and case.street_code is None
    assert case.unit == "lighting" and case.due_on == date(2026, 12, 21)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"case_type": "complaint", "contact": None}, "case_contact_needed"),
        ({"contact": Contact(name="Núria Puig")}, "case_contact_needed"),
        ({"description": "x" * (MAX_DESCRIPTION + 1)}, "case_text_too_long"),
        ({"description": "   "}, "case_text_missing"),
        ({"description": "bins\x00"}, "case_text_bad_characters"),
        ({"case_type": "petition"}, "case_unknown_type"),
        ({"theme": "graffiti"}, "case_unknown_theme"),
        ({"location": AddressLocation("D001", "999")}, "case_unknown_address"),
        ({"location": AddressLocation("NOPE", "1")}, "case_unknown_address"),
        ({"location": AddressLocation("D001", "no number")}, "invalid_street_number"),
        ({"location": DescribedPlace(" ")}, "case_location_missing"),
        ({"location": DescribedPlace("p" * 301)}, "case_text_too_long"),
        ({"location": None}, "case_location_missing"),
        ({"contact": Contact(email="nuria@")}, "case_bad_email"),
        # each read by a mail header as someone else (review 11, finding 2)
        ({"contact": Contact(email="postmaster,victim@example.com")}, "case_bad_email"),
        ({"contact": Contact(email="a<b>@example.com")}, "case_bad_email"),
        ({"contact": Contact(email='"a b"@example.com')}, "case_bad_email"),
        ({"contact": Contact(email="a;b@example.com")}, "case_bad_email"),
        ({"contact": Contact(email="Núria <n@example.com>")}, "case_bad_email"),
        ({"contact": Contact(email="a(c)@example.com")}, "case_bad_email"),
        ({"contact": Contact(email="a..b@example.com")}, "case_bad_email"),
        ({"contact": Contact(phone="612 34")}, "case_bad_phone"),
        ({"contact": Contact(phone="call me")}, "case_bad_phone"),
        ({"language": "fr"}, "case_bad_language"),
        ({"registry_code": "E" * 41}, "invalid"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    db: Database, open_one: OpenOne, changes: dict[str, Any], code: str
) -> None:
    refused(code, lambda: open_one(**changes))
    assert counts(db) == (0, 0)


def test_the_limits_themselves_are_accepted(open_one: OpenOne) -> None:
    case = open_one(description="y" * MAX_DESCRIPTION, location=DescribedPlace("p" * 300))
    assert len(case.description) == MAX_DESCRIPTION
    too_long = refused("case_text_too_long", lambda: open_one(description="y" * 4001))
    assert too_long.details["max"] == MAX_DESCRIPTION


def test_a_case_followed_to_its_answer(db: Database, open_one: OpenOne) -> None:
    code = open_one().code
    with db.session() as session:
        taken = move(session, code, CaseState.ASSIGNED, by=ANNA, now=NOW, note="mine")
        assert taken.handler_id == ANNA.staff_id and taken.state is CaseState.ASSIGNED
        move(session, code, "in_progress", by=ANNA, now=NOW)
        refused("case_answer_needed", lambda: move(session, code, "answered", by=ANNA, now=NOW))
        refused("case_text_missing", lambda: answer(session, code, "  ", by=ANNA, now=LATER))
        done = answer(session, code, "Emptied today; the route is fixed.", by=ANNA, now=LATER)
        assert done.state is CaseState.ANSWERED and done.answered_at == LATER
        closed = move(session, code, CaseState.CLOSED, by=ANNA, now=LATER)
        assert closed.closed_at == LATER
        events = history(session, code)
    assert [(e.action, e.from_state, e.to_state, e.by_id) for e in events] == [
        ("opened", None, "received", None),
        ("moved", "received", "assigned", 7),
        ("moved", "assigned", "in_progress", 7),
        ("answered", "in_progress", "answered", 7),
        ("moved", "answered", "closed", 7),
    ]
    assert events[1].note == "mine" and events[3].note == "Emptied today; the route is fixed."


def test_moves_are_guarded(db: Database, open_one: OpenOne) -> None:
    code = open_one().code
    with db.session() as session:
        refused("case_bad_move", lambda: move(session, code, "in_progress", by=ANNA, now=NOW))
        refused("case_move_not_allowed", lambda: move(session, code, "closed", by=ANNA, now=NOW))
        refused("invalid", lambda: move(session, code, "lost", by=ANNA, now=NOW))
        refused("case_bad_move", lambda: answer(session, code, "Done", by=ANNA, now=NOW))
        refused(  # a unit only as a case is assigned
            "invalid",
            lambda: move(session, code, "closed", by=SUPERVISOR, now=NOW, unit="parks"),
        )
    with db.session() as session:
        handed = move(session, code, "assigned", by=SUPERVISOR, now=NOW, unit="parks")
    assert handed.unit == "parks" and handed.handler_id is None  # a supervisor hands it on
    assert counts(db) == (1, 2)  # the refusals wrote nothing


def test_a_supervisor_reopens_an_answer_and_closes_a_duplicate(
    db: Database, open_one: OpenOne
) -> None:
    code = open_one().code
    with db.session() as session:
        move(session, code, "assigned", by=ANNA, now=NOW)
        move(session, code, "in_progress", by=ANNA, now=NOW)
        answer(session, code, "Not ours.", by=ANNA, now=NOW)
        refused(
            "case_move_not_allowed", lambda: move(session, code, "in_progress", by=ANNA, now=NOW)
        )
        reopened = move(session, code, "in_progress", by=SUPERVISOR, now=LATER, note="It is.")
        assert reopened.answer is None and reopened.answered_at is None
        assert [e.note for e in history(session, code)][3] == "Not ours."  # kept
    duplicate = open_one().code
    with db.session() as session:
        assert move(session, duplicate, "closed", by=SUPERVISOR, now=NOW).state is CaseState.CLOSED


def test_codes_mistyped_and_unknown(db: Database, open_one: OpenOne) -> None:
    code = open_one().code
    typo = ("1" if code[3] != "1" else "2").join((code[:3], code[4:]))
    with db.session() as session:
        refused("case_code_typo", lambda: public_view(session, typo))
        refused("case_code_malformed", lambda: public_view(session, "ABC"))
        refused("case_code_malformed", lambda: public_view(session, "x" * 500))
        other = "0" * 17
        refused("case_not_found", lambda: public_view(session, other + check_character(other)))


def test_the_public_view_leaks_nothing_personal(db: Database, open_one: OpenOne) -> None:
    secret = "My neighbour Joan Pi at Mallorca 401, 2n 1a leaves his bins out"
    code = open_one(description=secret).code
    with db.session() as session:
        move(session, code, "assigned", by=ANNA, now=NOW)
        move(session, code, "in_progress", by=ANNA, now=NOW)
        answer(session, code, "We have spoken to the cleaning service.", by=ANNA, now=LATER)
        view = public_view(session, code)
    shown = dataclasses.asdict(view)
    assert set(shown) == {
        "code",
        "case_type",
        "theme",
        "state",
        "received_at",
        "due_on",
        "answered_at",
        "closed_at",
        "answer",
        "description",
    }
    assert view.state is CaseState.ANSWERED
    assert view.answer == "We have spoken to the cleaning service."
    assert view.description is None  # never the text as written
    everything = repr(shown)
    for personal in (
        "Núria",
        "Puig",
        "nuria.puig@example.cat",
        "612345678",
        "Mallorca",
        "Joan",
        "D001",
        "E/2026",
        "c" * 32,
    ):
        assert personal not in everything, personal


def test_only_a_moderated_text_of_a_published_case_is_shown(
    db: Database, open_one: OpenOne
) -> None:
    lamp = open_one(case_type="incident", theme="lighting", contact=None).code
    staff = open_one(case_type="complaint", theme="staff").code
    text_ = "A street lamp is out."
    with db.session() as session:
        refused(
            "case_supervisors_only",
            lambda: publish_description(session, lamp, text_, by=ANNA, now=NOW),
        )
        refused(
            "case_not_publishable",
            lambda: publish_description(session, staff, text_, by=SUPERVISOR, now=NOW),
        )
        publish_description(session, lamp, text_, by=SUPERVISOR, now=NOW)
        assert public_view(session, lamp).description == text_
        assert history(session, lamp)[-1].action == "published"
        assert public_view(session, staff).description is None


def test_the_history_is_append_only(db: Database, open_one: OpenOne) -> None:
    open_one()
    for statement in (update(CaseEventRow).values(note="rewritten"), delete(CaseEventRow)):
        with pytest.raises(IntegrityError, match="append-only"), db.session() as session:
            session.execute(statement)
    assert counts(db) == (1, 1)


def test_the_staffs_list(db: Database, open_one: OpenOne) -> None:
    bins = open_one().code
    lamp = open_one(case_type="incident", theme="lighting", contact=None).code
    thanks = open_one(case_type="thanks", theme="staff").code
    with db.session() as session:
        move(session, lamp, "assigned", by=ANNA, now=NOW)

        def codes(**filters: Any) -> list[str]:
            return [case.code for case in cases_for_handler(session, **filters)]

        assert codes() == [lamp, bins, thanks]  # soonest due first: 10, 30, 30 days
        assert codes(units=["lighting", "citizen_services"]) == [lamp, thanks]
        assert codes(states=[CaseState.RECEIVED]) == [bins, thanks]
        assert codes(handler_id=ANNA.staff_id) == [lamp]
        assert codes(case_type="thanks") == [thanks] and codes(theme="lighting") == [lamp]
        assert codes(overdue_on=date(2026, 12, 21)) == []
        assert codes(overdue_on=date(2026, 12, 22)) == [lamp]
        assert codes(limit=1, offset=1) == [bins]
        refused("invalid", lambda: cases_for_handler(session, limit=0))
        refused("invalid", lambda: cases_for_handler(session, limit=201))
        refused("case_unknown_type", lambda: cases_for_handler(session, case_type="x"))


def test_a_role_that_does_not_work_cases() -> None:
    refused("case_move_not_allowed", lambda: Handler(1, "clerk"))  # type: ignore[arg-type]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_handlers_racing_one_wins(db: Database, open_one: OpenOne) -> None:
    """Pere reads the case while Anna's move is not yet committed; his conditional UPDATE
    waits for her row lock, then finds the case no longer received: ``case_moved``."""
    code = open_one().code
    outcome: list[object] = []

    def pere() -> None:
        try:
            with db.session() as session:
                outcome.append(move(session, code, "assigned", by=PERE, now=LATER))
        except FinestretaError as error:
            outcome.append(error.code)

    with db.session() as session:
        move(session, code, "assigned", by=ANNA, now=NOW)
        racer = threading.Thread(target=pere)
        racer.start()
        _wait_for_a_lock_wait(db)
    racer.join(10)
    assert outcome == ["case_moved"]
    with db.session() as session:
        case = get_case(session, code)
        moves = [e for e in history(session, code) if e.action == "moved"]
    assert case.handler_id == ANNA.staff_id and [e.by_id for e in moves] == [ANNA.staff_id]


def _wait_for_a_lock_wait(db: Database) -> None:
    """Until another connection waits on a lock for its UPDATE of a case (10 s at most)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE 'UPDATE complaint_cases%' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 10
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(query).scalar()
            watcher.rollback()  # pg_stat_activity is one snapshot per transaction
            if waiting:
                return
            time.sleep(0.02)
        rows = watcher.execute(
            text("SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity")
        ).all()
    pytest.fail(f"the second handler's UPDATE never waited for the first one's lock: {rows}")
