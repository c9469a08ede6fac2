"""The case handlers' pages (/cases) and the public tracking page (/track), on the real app
(SQLite and PostgreSQL): who may see what, every read of a case audited, the lifecycle's
actions as same-origin POSTs, the answer e-mailed through a real SMTP server in the case's
language (or kept in the outbox while there is none), and a public page that shows the state
and the answer and nothing personal."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from finestreta.procedures.complaints.cases import DescribedPlace, get_case
from finestreta.procedures.complaints.casework_records import AnswerMailRow, CaseAccessRow
from finestreta.procedures.complaints.settings import ComplaintsSettings
from tests.api.conftest import ORIGIN
from tests.procedures.complaints.conftest import NURIA
from tests.procedures.complaints.smtp import Inbox, make_handler

ANSWER = "Hemos vaciado los contenedores y reforzado la recogida."


@pytest.fixture
def desk(ctx: Any) -> Any:
    return ctx.procedure("complaints").desk


@pytest.fixture
def marta(db: Any, browser: Any, desk: Any) -> Any:
    """A case handler given every unit (``*``)."""
    units = {**desk.settings.handler_units, "marta": ("*",)}
    desk.settings = desk.settings.model_copy(update={"handler_units": units})
    client, _ = make_handler(db, browser, "marta")
    return client


def act(client: Any, code: str, action: str, **form: str) -> Any:
    return client.post(
        f"/cases/{code}",
        data={"action": action, **form},
        headers=ORIGIN,
        follow_redirects=False,
    )


def work_to_in_progress(client: Any, code: str) -> None:
    for action in ("assign", "start"):
        answer = act(client, code, action)
        assert answer.status_code == 303, answer.text


def accesses(db: Any) -> list[CaseAccessRow]:
    with db.session() as session:
        rows = list(session.scalars(select(CaseAccessRow).order_by(CaseAccessRow.id)))
        session.expunge_all()
        return rows


def test_a_case_handler_lists_and_reads_cases_and_each_read_is_audited(
    open_one: Any, marta: Any, db: Any
) -> None:
    case = open_one(language="es")
    listing = marta.get("/cases")
    assert listing.status_code == 200 and case.display_code in listing.text
    assert NURIA.email not in listing.text  # the list shows no contact
    assert accesses(db) == []
    page = marta.get(f"/cases/{case.display_code}")
    assert page.status_code == 200
    assert NURIA.email in page.text and "Núria Puig" in page.text
    assert "have not been emptied" in page.text  # the description, for staff
    [read] = accesses(db)
    assert read.view == "case_page" and read.role == "case-handler"
    assert page.headers["cache-control"] == "no-store"


def test_who_may_not_see_cases(open_one: Any, client: Any, clerk_browser: Any, db: Any) -> None:
    case = open_one()
    assert client.get("/cases", follow_redirects=False).status_code == 303  # log in first
    clerk, _ = clerk_browser("pere")
    assert clerk.get("/cases").status_code == 403
    refused = clerk.get(f"/cases/{case.display_code}")
    assert refused.status_code == 403 and NURIA.email not in refused.text
    assert act(clerk, case.display_code, "assign").status_code == 403
    assert accesses(db) == []


def test_a_handler_of_other_units_does_not_see_the_case(
    open_one: Any, db: Any, browser: Any, desk: Any
) -> None:
    case = open_one()  # street cleaning: unit "cleaning"
    desk.settings = ComplaintsSettings(_env_file=None, handler_units={"joan": ("parks",)})
    joan, _ = make_handler(db, browser, "joan")
    assert case.display_code not in joan.get("/cases").text
    page = joan.get(f"/cases/{case.display_code}")
    assert page.status_code == 404 and NURIA.email not in page.text
    assert accesses(db) == []


def test_a_handler_given_no_units_sees_no_cases_and_star_sees_all(
    open_one: Any, db: Any, browser: Any, desk: Any
) -> None:
    case = open_one()  # street cleaning: unit "cleaning"
    desk.settings = ComplaintsSettings(_env_file=None, handler_units={"rosa": ("*",)})
    joan, _ = make_handler(db, browser, "joan")  # not named: no units
    assert case.display_code not in joan.get("/cases").text
    page = joan.get(f"/cases/{case.display_code}")
    assert page.status_code == 404 and NURIA.email not in page.text
    assert accesses(db) == []
    rosa, _ = make_handler(db, browser, "rosa")
    assert case.display_code in rosa.get("/cases").text
    assert rosa.get(f"/cases/{case.display_code}").status_code == 200


def test_a_case_is_assigned_only_to_a_known_unit(
    open_one: Any, marta: Any, desk: Any, db: Any
) -> None:
    case = open_one()
    refused = act(marta, case.display_code, "assign", unit="nowhere")
    assert refused.status_code == 400 and "Aquesta unitat no existeix" in refused.text
    with db.session() as session:
        assert get_case(session, case.code).unit == "cleaning"
    # a unit the settings give a theme is known too, and offered in the list
    desk.settings = desk.settings.model_copy(update={"units": {"noise": "urban_police"}})
    assert 'value="urban_police"' in marta.get(f"/cases/{case.display_code}").text
    assert act(marta, case.display_code, "assign", unit="urban_police").status_code == 303
    with db.session() as session:
        assert get_case(session, case.code).unit == "urban_police"


def test_the_answer_is_e_mailed_in_the_case_language(
    open_one: Any, marta: Any, desk: Any, inbox: Inbox, db: Any
) -> None:
    desk.mailer = inbox.mailer()
    case = open_one(language="es")
    work_to_in_progress(marta, case.display_code)
    answered = act(marta, case.display_code, "answer", text=ANSWER)
    assert answered.status_code == 303
    [mail] = inbox.wait()
    assert inbox.envelopes[0].rcpt_tos == [NURIA.email]
    assert mail["Content-Language"] == "es"
    assert mail["Subject"] == f"Respuesta a su caso {case.display_code}"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and html is not None
    text = plain.get_content()
    assert ANSWER in text and "Estimado/a Núria Puig:" in text
    assert f"/track/{case.display_code}" in text
    assert ANSWER in html.get_content() and 'lang="es"' in html.get_content()
    assert "emptied" not in text  # not the description
    page = marta.get(f"/cases/{case.display_code}")
    assert "Enviada por correo electrónico el" in page.text or "Enviada per correu" in page.text
    with db.session() as session:
        [row] = session.scalars(select(AnswerMailRow)).all()
        assert row.sent_at is not None and row.attempts == 1


def test_without_a_mail_server_the_answer_waits_in_the_outbox(
    open_one: Any, marta: Any, desk: Any, inbox: Inbox, db: Any, ctx: Any
) -> None:
    case = open_one(language="ca")
    assert not desk.mailer.configured
    work_to_in_progress(marta, case.display_code)
    assert act(marta, case.display_code, "answer", text="Ja està arreglat.").status_code == 303
    page = marta.get(f"/cases/{case.display_code}?lang=ca")
    assert "No enviat: no hi ha servidor de correu." in page.text
    with db.session() as session:
        [row] = session.scalars(select(AnswerMailRow)).all()
        assert row.sent_at is None and row.last_error == "no mail server"
    # a mail server is configured: the procedure's upkeep sends what waited
    desk.mailer = inbox.mailer()
    ctx.procedure("complaints").upkeep()
    [mail] = inbox.wait()
    plain = mail.get_body(("plain",))
    assert mail["Content-Language"] == "ca" and plain is not None
    assert "Ja està arreglat." in plain.get_content()
    assert desk.send_pending() == 0  # sent once


def test_moves_the_lifecycle_refuses_are_clear_pages(open_one: Any, marta: Any) -> None:
    case = open_one()
    # a handler cannot close a received case (supervisors only) nor answer it yet
    closing = act(marta, case.display_code, "close")
    assert closing.status_code == 403 and "supervisor" in closing.text
    answering = act(marta, case.display_code, "answer", text="Fet")
    assert answering.status_code == 409
    unknown = act(marta, case.display_code, "explode")
    assert unknown.status_code == 400
    long = act(marta, case.display_code, "publish", text="x")
    assert long.status_code == 403  # only supervisors publish
    cross = marta.post(
        f"/cases/{case.display_code}",
        data={"action": "assign"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert marta.get("/cases/NOT-A-CODE").status_code == 400


def test_a_supervisor_publishes_a_moderated_description(
    open_one: Any, db: Any, browser: Any, client: Any
) -> None:
    case = open_one(
        case_type="incident",
        theme="lighting",
        contact=None,
        location=DescribedPlace("Plaça del Sol"),
    )
    boss, _ = make_handler(db, browser, "rosa", role="supervisor")
    moderated = "A street lamp is off."
    assert act(boss, case.display_code, "publish", text=moderated).status_code == 303
    public = client.get(f"/track/{case.display_code}?lang=en")
    assert moderated in public.text and "Plaça del Sol" not in public.text


def test_the_tracking_page_shows_state_and_answer_and_nothing_personal(
    open_one: Any, marta: Any, client: Any
) -> None:
    case = open_one(language="es")
    work_to_in_progress(marta, case.display_code)
    act(marta, case.display_code, "answer", text=ANSWER)
    typed = case.display_code.lower().replace("-", " ")
    form = client.get("/track", params={"code": typed, "lang": "es"}, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"].startswith(
        f"/track/{case.display_code}"
    )
    page = client.get(form.headers["location"])
    assert page.status_code == 200
    assert "Respondido" in page.text and ANSWER in page.text
    assert "Street cleaning" not in page.text  # its theme, in Spanish
    for personal in (NURIA.email, "Núria", "612", "Mallorca", "emptied", "E/2026/0000042"):
        assert personal not in page.text, personal
    english = client.get(f"/track/{case.display_code}?lang=en")
    assert "Answered" in english.text and 'lang="en"' in english.text


@pytest.mark.parametrize(
    ("code", "status", "says"),
    [
        ("7K3M9Q-XD2RTP-4HWZN1", 404, "There is no case with this code"),
        ("7K3M9Q-XD2RTP-4HWZN2", 400, "typing mistake"),
        ("hello", 400, "18 letters and digits"),
    ],
)
def test_unknown_and_mistyped_codes(client: Any, code: str, status: int, says: str) -> None:
    page = client.get(f"/track/{code}?lang=en")
    assert page.status_code == status and says in page.text


def test_the_empty_form_says_what_is_missing(client: Any) -> None:
    page = client.get("/track?code=&lang=en")
    assert page.status_code == 400 and "Type the case code" in page.text
    assert client.get("/track?lang=ca").status_code == 200


def test_the_tracking_page_is_throttled(client: Any, ctx: Any) -> None:
    statuses = [client.get(f"/track/{'7K3M9Q-XD2RTP-4HWZN1'}").status_code for _ in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429


def test_the_list_filters(open_one: Any, marta: Any) -> None:
    first = open_one()
    second = open_one(theme="noise")
    work_to_in_progress(marta, second.display_code)
    mine = marta.get("/cases?which=mine").text
    assert second.display_code in mine and first.display_code not in mine
    received = marta.get("/cases?state=received").text
    assert first.display_code in received and second.display_code not in received
    assert re.search("No hi ha casos|No hay casos|No cases", marta.get("/cases?which=overdue").text)


def test_a_document_filed_with_the_case_is_read_audited(
    open_one: Any, marta: Any, clerk_browser: Any, db: Any, ctx: Any
) -> None:
    from PIL import Image

    from finestreta.procedures.complaints.casework_records import CaseAttachmentRow
    from finestreta.procedures.complaints.records import CaseRow

    case = open_one()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    with db.session() as session:
        document = ctx.documents.add(
            session, buffer.getvalue(), kind="scan", title="Photo", created_by="t"
        )
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.code == case.code))
        session.add(
            CaseAttachmentRow(
                case_id=case_id,
                position=0,
                document_id=document.id,
                title=document.title,
                sha256=document.sha256,
                size=document.size,
                media_type=document.media_type,
            )
        )
    page = marta.get(f"/cases/{case.display_code}")
    assert document.sha256 in page.text
    got = marta.get(f"/cases/{case.display_code}/documents/0")
    assert got.status_code == 200 and got.content == buffer.getvalue()
    assert got.headers["content-type"] == "image/png"
    assert [a.view for a in accesses(db)] == ["case_page", "attachment"]
    assert marta.get(f"/cases/{case.display_code}/documents/5").status_code == 404
    clerk, _ = clerk_browser("pere")
    assert clerk.get(f"/cases/{case.display_code}/documents/0").status_code == 403
