"""The supervisors' pilot report page: who may see it, its downloads, bad periods, the audit."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from finestreta.accounts.models import AuditEntry
from finestreta.db import Database
from finestreta.supervision import kpis
from finestreta.web import report_pages
from tests.api.conftest import ClerkBrowser
from tests.conftest import MakeBooth
from tests.supervision.pilot_data import START, pilot, store

PERIOD = "from=2026-03-02&to=2026-03-15"


def stored(db: Database, make_booth: MakeBooth) -> list[kpis.Attention]:
    for code in ("b1", "b2", "b3"):
        make_booth(code)
    log = pilot(days=14)
    store(db, log)
    start, end = START.astimezone(UTC), (START + timedelta(days=14)).astimezone(UTC)
    return kpis.in_period(kpis.attentions(log.events, log.steps), start, end)


def test_nobody_logged_in_goes_to_the_login_or_gets_401(client: TestClient) -> None:
    response = client.get("/supervisor/report", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    for path in ("/supervisor/report.csv", "/supervisor/report.pdf"):
        assert client.get(f"{path}?{PERIOD}").status_code == 401


def test_a_clerk_is_refused(clerk_browser: ClerkBrowser) -> None:
    clerk, _ = clerk_browser("carme")
    page = clerk.get(f"/supervisor/report?{PERIOD}")
    assert page.status_code == 403
    assert "Summary" not in page.text and "Resum" not in page.text
    for path in ("/supervisor/report.csv", "/supervisor/report.pdf"):
        assert clerk.get(f"{path}?{PERIOD}").status_code == 403


def test_a_supervisor_sees_the_figures_and_downloads_them(
    db: Database, make_booth: MakeBooth, clerk_browser: ClerkBrowser
) -> None:
    chosen = stored(db, make_booth)
    supervisor, _ = clerk_browser("sue", role="supervisor")
    form = supervisor.get("/supervisor/report")
    assert form.status_code == 200 and 'type="date"' in form.text
    page = supervisor.get(f"/supervisor/report?{PERIOD}&lang=ca")
    assert page.status_code == 200
    assert "Resum" in page.text and "Xifres clau" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "/supervisor/report.csv?from=2026-03-02&amp;to=2026-03-15" in page.text
    got = {
        (row["section"], row["figure"], row["breakdown"]): row["value"]
        for row in csv.DictReader(
            io.StringIO(supervisor.get(f"/supervisor/report.csv?{PERIOD}").text)
        )
    }
    total = kpis.figures(chosen)
    assert float(got[("summary", "key_figures.offered", "")]) == total.offered
    assert float(got[("summary", "key_figures.service_level", "")]) == total.service_level
    pdf = supervisor.get(f"/supervisor/report.pdf?{PERIOD}&lang=es")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    with db.session() as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report_pilot")
        ).all()
        assert [(a.actor, a.subject, a.detail) for a in audited] == [
            ("sue", "2026-03-02..2026-03-15", what) for what in ("page", "csv", "pdf")
        ]


def test_an_admin_may_see_it(clerk_browser: ClerkBrowser) -> None:
    admin, _ = clerk_browser("ada", role="admin")
    assert admin.get(f"/supervisor/report?{PERIOD}").status_code == 200


def test_bad_periods_get_400_with_the_reason(clerk_browser: ClerkBrowser) -> None:
    supervisor, _ = clerk_browser("sue", role="supervisor")
    cases = [
        ("from=2026-03-10&to=2026-03-01", "is before"),
        ("from=yesterday&to=2026-03-01", "must be a date"),
        ("from=2024-12-31&to=2026-01-01", "at most 366 days"),  # a year on the web
        ("from=2026-03-01", "'to' is missing"),
        # the UTC conversion of these overflowed (a 500)
        ("from=9999-12-30&to=9999-12-31", "between 2000-01-01 and 2099-12-31"),
        ("from=0001-01-01&to=0001-01-02", "between 2000-01-01 and 2099-12-31"),
    ]
    for query, says in cases:
        page = supervisor.get(f"/supervisor/report?{query}&lang=ca")
        assert page.status_code == 400 and says in html.unescape(page.text), query
        assert "El període de l'informe no és vàlid" in html.unescape(page.text)
        data = supervisor.get(
            f"/supervisor/report.csv?{query}", headers={"accept": "application/json"}
        )
        assert data.status_code == 400
        assert data.json()["error"]["code"] == "report_bad_period"
        assert says in data.json()["error"]["message"]
        assert supervisor.get(f"/supervisor/report.pdf?{query}").status_code == 400


@pytest.mark.settings(service_level_seconds=30)
def test_the_report_and_the_wallboard_agree_on_the_service_level(
    db: Database, make_booth: MakeBooth, clerk_browser: ClerkBrowser
) -> None:
    chosen = stored(db, make_booth)
    supervisor, _ = clerk_browser("sue", role="supervisor")
    board = supervisor.get(
        "/api/supervision/figures?from=2026-03-02&to=2026-03-15",
        headers={"accept": "application/json"},
    ).json()
    got = {
        (row["section"], row["figure"], row["breakdown"]): row["value"]
        for row in csv.DictReader(
            io.StringIO(supervisor.get(f"/supervisor/report.csv?{PERIOD}").text)
        )
    }
    at_30 = kpis.figures(chosen, kpis.Thresholds(answer_within=30)).service_level
    at_20 = kpis.figures(chosen, kpis.Thresholds(answer_within=20)).service_level
    assert at_30 != at_20  # the data tells the two thresholds apart
    assert board["total"]["service_level"] == at_30
    assert float(got[("summary", "key_figures.service_level", "")]) == at_30
    page = supervisor.get(f"/supervisor/report?{PERIOD}&lang=en")
    assert "Service level (answered within 30 s)" in page.text


def test_one_report_at_a_time_a_second_gets_503(
    db: Database,
    make_booth: MakeBooth,
    clerk_browser: ClerkBrowser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored(db, make_booth)
    supervisor, _ = clerk_browser("sue", role="supervisor")
    monkeypatch.setattr(report_pages, "WAIT_SECONDS", 0.2)
    assert report_pages.BUILDING.acquire(timeout=1)  # a report being made
    try:
        busy = supervisor.get(
            f"/supervisor/report.csv?{PERIOD}", headers={"accept": "application/json"}
        )
        assert busy.status_code == 503
        assert busy.json()["error"]["code"] == "report_busy"
        assert "being made" in busy.json()["error"]["message"]
        page = supervisor.get(f"/supervisor/report?{PERIOD}&lang=ca")
        assert page.status_code == 503 and "torneu-ho a provar" in html.unescape(page.text)
        assert supervisor.get(f"/supervisor/report.pdf?{PERIOD}").status_code == 503
    finally:
        report_pages.BUILDING.release()
    assert supervisor.get(f"/supervisor/report.csv?{PERIOD}").status_code == 200
