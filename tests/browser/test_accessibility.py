"""axe-core in the real browser on every booth screen: no WCAG 2.x A or AA violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.calls import booth_request, go_available, wait_connected
from tests.browser.conftest import Server, open_console, pair_booth

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}


def violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]


def check(page: Any, screen: str, seen: dict[str, list[str]]) -> None:
    expect(page.locator(f"#screen-{screen}")).to_be_visible(timeout=10_000)
    page.wait_for_timeout(300)  # let transitions settle
    seen[screen] = violations(page)


# axe can keep a page busy for many seconds on a loaded machine; the heartbeat must not take
# that for a dead booth.
PATIENT = {"FINESTRETA_HEARTBEAT_SECONDS": "30", "FINESTRETA_KIOSK_GRACE_SECONDS": "300"}


def test_every_booth_screen_passes_axe(browser: Any, server_factory: Any) -> None:
    server: Server = server_factory(PATIENT)
    seen: dict[str, list[str]] = {}
    booth = pair_booth(browser, server, "sants")
    check(booth, "idle", seen)
    booth.click("#lang-ca")
    check(booth, "privacy", seen)
    booth.click("#privacy-accept")
    check(booth, "topic", seen)
    booth.click("#topic-census")
    request_button = booth.locator("#request-attention")
    if request_button.is_visible():
        request_button.click()
    check(booth, "waiting", seen)

    console = open_console(browser, server, "anna")
    go_available(console)
    console.locator("#accept-call").click(timeout=10_000)
    wait_connected(booth)
    check(booth, "call", seen)
    booth.click("#hang-up")
    check(booth, "rating", seen)
    booth.click("#rate-5")
    check(booth, "thanks", seen)

    closed = pair_booth(browser, server, "nou-barris")
    with server.db().session() as session:
        from finestreta.accounts.models import OfficeHours

        row = session.get(OfficeHours, 1)
        assert row is not None
        row.spec = "mon-sun 00:00-00:01"
    closed.wait_for_timeout(5500)  # the server re-reads the hours every 5 s
    closed.reload()  # the office frame comes with hello
    closed.wait_for_timeout(500)
    if not closed.locator("#screen-closed").is_visible():
        closed.click("#lang-es")
        closed.click("#privacy-accept")
        closed.click("#topic-general")
        if closed.locator("#request-attention").is_visible():
            closed.click("#request-attention")
    check(closed, "closed", seen)

    assert {k: v for k, v in seen.items() if v} == {}
    assert set(seen) == {
        "idle",
        "privacy",
        "topic",
        "waiting",
        "call",
        "rating",
        "thanks",
        "closed",
    }


def test_console_passes_axe(browser: Any, server_factory: Any) -> None:
    server: Server = server_factory(PATIENT)
    console = open_console(browser, server, "anna")
    go_available(console)
    assert violations(console) == []
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="ca", topic="general")
    expect(console.locator("#incoming-call")).to_be_visible(timeout=10_000)
    assert violations(console) == []
