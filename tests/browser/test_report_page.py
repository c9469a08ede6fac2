"""The supervisors' pilot report page in the real browser: its figures, and axe-clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from finestreta.accounts import service
from tests.browser.conftest import Server
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD
from tests.supervision.pilot_data import pilot, store

pytestmark = [pytest.mark.browser]


def test_the_report_page_shows_the_figures_and_passes_axe(
    browser: Any, server_factory: Any, tmp_path: Any
) -> None:
    server: Server = server_factory()
    db = server.db()
    with db.session() as session:
        service.add_user(session, "sue", PASSWORD, "supervisor", "Sue Soler", ["ca"], ["general"])
    store(db, pilot(days=14, booths=2))
    db.dispose()
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "sue")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/console")
    page.goto(f"{server.url}/supervisor/report?lang=ca")
    page.fill("input[name=from]", "2026-03-02")
    page.fill("input[name=to]", "2026-03-15")
    page.click("button[type=submit].primary")
    expect(page.get_by_role("heading", name="Resum")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("link", name="Descarrega el PDF")).to_be_visible()
    assert page.locator("table.heat td").count() > 10
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert violations(page) == []
