"""The wallboard in Debian's Chromium, live as a call goes by: a citizen waits (waiting 1), a
clerk answers (clerk and booth in a call), hangs up and wraps up (answered today + 1); a clerk
asks for help and the supervisor acknowledges it; the supervisor sets the clerk away and the
clerk's console says so. And the page is axe-clean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from finestreta.accounts import service
from tests.browser.calls import booth_request, go_available
from tests.browser.conftest import Server, open_console, pair_booth
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_wallboard(browser: Any, server: Server) -> Any:
    with server.db().session() as session:
        service.add_user(session, "silvia", PASSWORD, "supervisor", "Sílvia Roca", ["ca"], [])
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "silvia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/console")
    page.goto(f"{server.url}/supervisor")
    expect(page.locator("#wb-connection")).to_have_attribute("data-state", "open")
    return page


def test_the_wallboard_follows_a_call_help_and_sets_a_clerk_away(
    browser: Any, server: Server
) -> None:
    console = open_console(browser, server, "jordi")
    go_available(console)
    wall = open_wallboard(browser, server)
    jordi = wall.locator("#clerks-body tr", has_text="Jordi Soler")
    sants = wall.locator("#booths-body tr", has_text="Cabina Casa del Mig")
    answered = wall.locator("[data-figure=answered] .wb-tile-value")
    expect(jordi).to_have_attribute("data-state", "available")
    expect(answered).to_have_text("0")
    expect(wall.locator("#now-waiting")).to_have_text("0")
    # today, live, before any call: the heading says so and the charts say there is nothing yet
    expect(wall.locator("#wb-period-title")).to_have_text("Avui")
    expect(wall.locator("#period-charts figure")).to_have_count(9)
    expect(wall.locator("#period-charts .wb-empty")).to_have_count(9)
    expect(wall.locator("#period-charts .wb-empty").first).to_have_text("Encara no hi ha dades")
    # a clerk who is not connected has nothing to change, and the row says why
    marta = wall.locator("#clerks-body tr", has_text="Marta Vidal")
    expect(marta).to_have_attribute("data-state", "offline")
    expect(marta.locator("td").nth(2)).to_have_text("No connectat: res a canviar")
    # the booth not connected counts as offline only, and its row says so (not "device problem")
    can_baste = wall.locator("#booths-body tr", has_text="Cabina Can Basté")
    expect(can_baste).to_have_attribute("data-state", "offline")
    expect(can_baste).to_have_attribute("data-problem", "")
    expect(can_baste).to_contain_text("la cabina està fora de línia")
    expect(wall.locator("#now-booth-states [data-state=device_problem] strong")).to_have_text("0")

    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="census")
    request_id = booth.wait_for_function("() => window.finestreta.requestId").json_value()
    assert isinstance(request_id, str) and request_id
    # no polling: the page changes because the server pushed it
    expect(wall.locator("#now-waiting")).to_have_text("1", timeout=5_000)
    # topics and languages by the names the console uses, not their keys
    expect(wall.locator("#now-by-topic")).to_contain_text("Padró i certificats de residència")
    expect(wall.locator("#now-by-topic")).not_to_contain_text("census")
    expect(wall.locator("#now-by-language")).to_contain_text("Castellà")
    expect(sants).to_have_attribute("data-state", "waiting")
    expect(wall.locator("#now-longest")).not_to_have_text("—")

    expect(console.locator("#incoming-call")).to_be_visible(timeout=10_000)
    console.click("#accept-call")
    expect(jordi).to_have_attribute("data-state", "in_call", timeout=5_000)
    expect(jordi.locator(".wb-no-change")).to_contain_text("Ocupat")
    expect(sants).to_have_attribute("data-state", "in_call")
    expect(wall.locator("#now-waiting")).to_have_text("0")
    expect(answered).to_have_text("1")  # answered when the call starts

    console.click("#hang-up")
    expect(jordi).to_have_attribute("data-state", "wrap_up", timeout=5_000)
    console.locator("#wrap-up-outcome").select_option("information_given")
    console.click("#wrap-up-submit")
    console.wait_for_function("() => window.finestreta.state === 'available'")
    expect(jordi).to_have_attribute("data-state", "available", timeout=5_000)
    expect(answered).to_have_text("1")
    expect(wall.locator("[data-figure=offered] .wb-tile-value")).to_have_text("1")
    charts = wall.locator("#period-charts")
    expect(charts).to_contain_text("Informació donada")
    expect(charts).not_to_contain_text("information_given")
    expect(charts.locator("figure", has_text="Per tema")).to_contain_text("Padró i certificats")
    # the bar's tooltip holds the whole name; names never run into their bars
    expect(charts.locator("svg title", has_text="Informació donada: 1")).to_have_count(1)
    over = charts.evaluate(
        "(c) => [...c.querySelectorAll('text.wb-chart-label')]"
        ".filter((t) => t.getBBox().x + t.getBBox().width > 250).map((t) => t.textContent)"
    )
    assert over == []
    # nothing of the citizen: the page has no request id
    assert request_id not in wall.content()

    # the clerk asks for help; the wallboard shows it until the supervisor acknowledges it
    console.click("#ask-help")
    expect(console.locator("#ask-help")).to_have_attribute("aria-pressed", "true")
    help_box = wall.locator("#wb-help")
    expect(help_box).to_be_visible(timeout=5_000)
    expect(help_box).to_contain_text("Jordi Soler")
    help_box.locator("button").click()
    expect(help_box).to_be_hidden(timeout=5_000)
    expect(console.locator("#ask-help")).to_have_attribute("aria-pressed", "false")
    expect(console.locator("#status-text")).to_contain_text("Sílvia Roca")

    # the supervisor sets the clerk away; the console says a supervisor did
    jordi.locator("button[data-state=away]").click()
    console.wait_for_function("() => window.finestreta.state === 'away'", timeout=5_000)
    expect(console.locator("#status-text")).to_contain_text("supervisor")
    expect(jordi).to_have_attribute("data-state", "away", timeout=5_000)

    assert violations(wall) == []
