"""The answers' outbox: one answer is sent once, whoever tries (the request that answered or the
upkeep); one being sent is left alone until its sender is done or its time is up; a failure is
recorded with the SMTP reason only, and tried again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from finestreta.db import utcnow
from finestreta.mail import Mailer
from finestreta.procedures.complaints.cases import Handler, answer, move
from finestreta.procedures.complaints.casework_records import AnswerMailRow
from finestreta.procedures.complaints.lifecycle import Role
from finestreta.procedures.complaints.records import CaseRow
from tests.procedures.complaints.conftest import NOW
from tests.procedures.complaints.smtp import SENDER, Inbox


def answered(db: Any, desk: Any, open_one: Any) -> int:
    """A case answered with its e-mail in the outbox (nothing sent yet); the row's id."""
    case = open_one(language="en")
    by = Handler(1, Role.CASE_HANDLER)
    with db.session() as session:
        move(session, case.code, "assigned", by=by, now=NOW)
        move(session, case.code, "in_progress", by=by, now=NOW)
        answer(session, case.code, "Fixed.", by=by, now=NOW)
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.code == case.code))
        row = AnswerMailRow(case_id=case_id, created_at=NOW, attempts=0)
        session.add(row)
        session.flush()
        return row.id


def row(db: Any, mail_id: int) -> AnswerMailRow:
    with db.session() as session:
        found: AnswerMailRow | None = session.get(AnswerMailRow, mail_id)
        assert found is not None
        session.expunge(found)
        return found


def test_a_mail_being_sent_is_not_sent_twice(
    ctx: Any, db: Any, open_one: Any, inbox: Inbox
) -> None:
    desk = ctx.procedure("complaints").desk
    desk.mailer = inbox.mailer()
    mail_id = answered(db, desk, open_one)
    with db.session() as session:  # another sender holds it
        session.execute(update(AnswerMailRow).values(sending_until=utcnow() + timedelta(minutes=1)))
    assert desk.send_pending() == 0 and inbox.messages == []
    with db.session() as session:  # its sender died: the time is up
        session.execute(update(AnswerMailRow).values(sending_until=utcnow() - timedelta(seconds=1)))
    assert desk.send_pending() == 1
    assert desk.send_pending() == 0
    [mail] = inbox.wait()
    assert mail["Content-Language"] == "en"
    sent = row(db, mail_id)
    assert sent.sent_at is not None and sent.sending_until is None and sent.attempts == 1


def test_a_refused_mail_is_recorded_without_personal_data_and_tried_again(
    ctx: Any, db: Any, open_one: Any, inbox: Inbox
) -> None:
    desk = ctx.procedure("complaints").desk
    desk.mailer = Mailer("127.0.0.1", 9, SENDER, starttls=False, timeout=2)  # nobody listens
    mail_id = answered(db, desk, open_one)
    assert desk.send_pending() == 0
    failed = row(db, mail_id)
    assert failed.sent_at is None and failed.attempts == 1 and failed.last_error
    assert "@" not in failed.last_error and "Fixed" not in failed.last_error
    desk.mailer = inbox.mailer()
    ctx.procedure("complaints").upkeep()
    assert len(inbox.wait()) == 1
    with db.session() as session:
        assert session.scalars(select(AnswerMailRow.attempts)).all() == [2]


def test_the_server_retries_the_outbox_on_its_own(
    settings: Any, db: Any, open_one: Any, inbox: Inbox, monkeypatch: Any
) -> None:
    """The app's periodic upkeep (every half minute; a moment here) sends what waited."""
    from fastapi.testclient import TestClient

    from finestreta import app as app_module
    from finestreta.context import build_context

    monkeypatch.setattr(app_module, "UPKEEP_EVERY_S", 0.05)
    ctx = build_context(settings, db)
    desk = ctx.procedure("complaints").desk  # type: ignore[attr-defined]
    answered(db, desk, open_one)
    desk.mailer = inbox.mailer()
    with TestClient(app_module.create_app(settings, ctx)):
        assert len(inbox.wait(timeout=10)) == 1
