"""The answers' outbox: one answer is sent once, whoever tries (the request that answered or the
upkeep); one being sent is left alone until its sender is done or its time is up; a failure is
recorded with the SMTP reason only, and tried again after a growing wait; given up after the
last attempt or at once on a permanent refusal, the case page saying what to do; the first try
does not hold the handler's request."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from finestreta.db import utcnow
from finestreta.documents.verification import format_code
from finestreta.mail import Mailer, MailFailed
from finestreta.procedures.complaints.cases import Handler, answer, move
from finestreta.procedures.complaints.casework_records import AnswerMailRow
from finestreta.procedures.complaints.lifecycle import Role
from finestreta.procedures.complaints.records import CaseRow
from finestreta.procedures.complaints.service import FIRST_SEND_WAIT_S, MAX_ATTEMPTS, retry_after
from tests.procedures.complaints.conftest import NOW
from tests.procedures.complaints.smtp import SENDER, Inbox, make_handler


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


def due(db: Any) -> None:
    """The back-off's wait is over (the next attempt's time moved to the past)."""
    with db.session() as session:
        session.execute(
            update(AnswerMailRow).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_the_back_off_doubles() -> None:
    assert [retry_after(n) for n in (1, 2, 3, 8)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=128),
    ]


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(
    ctx: Any, db: Any, open_one: Any
) -> None:
    desk = ctx.procedure("complaints").desk
    desk.mailer = Mailer("127.0.0.1", 9, SENDER, starttls=False, timeout=2)  # nobody listens
    mail_id = answered(db, desk, open_one)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert row(db, mail_id).failed_at is None
        assert desk.send_pending() == 0
        assert row(db, mail_id).attempts == attempt
        due(db)
    gave_up = row(db, mail_id)
    assert gave_up.failed_at is not None and gave_up.sent_at is None
    assert desk.send_pending() == 0 and row(db, mail_id).attempts == MAX_ATTEMPTS  # no more


class Refusing(Inbox):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return "550 5.1.1 No such mailbox"


def test_a_permanent_refusal_is_given_up_at_once_and_the_case_page_says_what_to_do(
    ctx: Any, db: Any, open_one: Any, browser: Any
) -> None:
    desk = ctx.procedure("complaints").desk
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    refusing = Refusing("127.0.0.1", port)
    controller = Controller(refusing, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        desk.mailer = refusing.mailer()
        mail_id = answered(db, desk, open_one)
        assert desk.send_pending() == 0
    finally:
        controller.stop()
    failed = row(db, mail_id)
    assert failed.failed_at is not None and failed.attempts == 1
    assert failed.last_error == "recipient refused"
    units = {**desk.settings.handler_units, "marta": ("*",)}
    desk.settings = desk.settings.model_copy(update={"handler_units": units})
    marta, _ = make_handler(db, browser, "marta")
    with db.session() as session:
        code = session.scalar(select(CaseRow.code))
    assert code is not None
    page = marta.get(f"/cases/{format_code(code)}")
    assert "ja no es torna a provar" in page.text and "per telèfon" in page.text


class SlowMailer:
    configured = True

    def __init__(self) -> None:
        self.started = threading.Event()

    def send(self, message: Any) -> None:
        self.started.set()
        time.sleep(4)
        raise MailFailed("TimeoutError")


def test_the_first_send_does_not_hold_the_handler(ctx: Any, db: Any, open_one: Any) -> None:
    desk = ctx.procedure("complaints").desk
    desk.mailer = slow = SlowMailer()
    case = open_one(language="en")
    by = Handler(1, Role.CASE_HANDLER)
    with db.session() as session:
        move(session, case.code, "assigned", by=by, now=NOW)
        move(session, case.code, "in_progress", by=by, now=NOW)
    began = time.monotonic()
    desk.act(
        staff_id=1, username="sup", role="supervisor", code=case.code, action="answer", text="Ok"
    )
    assert time.monotonic() - began < FIRST_SEND_WAIT_S + 1.5
    assert slow.started.is_set()  # it was tried, in the background
    with db.session() as session:
        [held] = session.scalars(select(AnswerMailRow)).all()
        assert held.sent_at is None and held.sending_until is not None  # still being sent
    # let the background try end here, not in another test's database
    deadline = time.monotonic() + 10
    while row(db, held.id).sending_until is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert row(db, held.id).last_error == "TimeoutError"


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
    assert failed.failed_at is None and failed.next_attempt_at is not None
    assert failed.last_attempt_at is not None
    assert failed.next_attempt_at - failed.last_attempt_at == timedelta(minutes=1)
    desk.mailer = inbox.mailer()
    ctx.procedure("complaints").upkeep()  # not yet: the back-off
    assert inbox.messages == []
    due(db)
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
