"""The information catalogue on the booth, in Debian's Chromium: the citizen browses and searches
it on their own (while the office is closed, from the idle screen, and while waiting without
losing their place), and the clerk shows an entry next to the call."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from finestreta.accounts.models import OfficeHours
from finestreta.attention.records import AttentionRequestRow
from finestreta.catalogue import seed_demo
from tests.browser.calls import assert_video_flows, booth_request, go_available, wait_connected
from tests.browser.conftest import Server, make_server, open_console, pair_booth
from tests.browser.test_accessibility import PATIENT, violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENTRY = "volant-padro-individual"


@pytest.fixture
def catalogue_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A server with the demo catalogue; ``closed=True`` closes the office for three days
    around today (so the date in any time zone is closed)."""
    servers: list[Server] = []

    def factory(env: dict[str, str] | None = None, closed: bool = False) -> Server:
        server = make_server(
            tmp_path, {"FINESTRETA_RING_TIMEOUT_SECONDS": "20", **PATIENT, **(env or {})}
        )
        database = server.db()
        with database.session() as session:
            assert seed_demo(session).ok
            if closed:
                row = session.get(OfficeHours, 1)
                assert row is not None
                today = date.today()
                row.closed_days = ",".join(
                    (today + timedelta(days=d)).isoformat() for d in (-1, 0, 1)
                )
        database.dispose()
        server.start()
        servers.append(server)
        return server

    yield factory
    failed = getattr(request.node, "rep_call", None)
    for server in servers:
        server.stop()
        if failed is not None and failed.failed:
            print(f"--- server log ({server.url}) ---\n{server.log()[-20000:]}")


def folded(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()


def focused_id(page: Any) -> str:
    found: str = page.evaluate("() => document.activeElement && document.activeElement.id")
    return found


def no_violations(page: Any, where: str) -> None:
    page.wait_for_timeout(300)  # let transitions settle
    found = violations(page)
    assert found == [], f"{where}: {found}"


def api(page: Any, method: str, path: str, body: Any = None) -> int:
    """A request from the page itself (its cookie, its origin), as its own script would."""
    status: int = page.evaluate(
        """async ([method, path, body]) => {
            const init = {method, credentials: 'same-origin', headers: {}};
            if (body !== null) {
                init.headers['Content-Type'] = 'application/json';
                init.body = JSON.stringify(body);
            }
            return (await fetch(path, init)).status;
        }""",
        [method, path, body],
    )
    return status


def test_browse_and_search_while_the_office_is_closed(browser: Any, catalogue_server: Any) -> None:
    server: Server = catalogue_server(closed=True)
    booth = pair_booth(browser, server, "sants")
    expect(booth.locator("#screen-closed")).to_be_visible(timeout=10_000)
    booth.click("#closed-catalogue")
    expect(booth.locator("#screen-catalogue")).to_be_visible()
    assert focused_id(booth) == "catalogue-title"

    # browse by topic: every category with its count, in the booth's language (Catalan)
    tiles = booth.locator("#catalogue-categories .category")
    expect(tiles.first).to_contain_text("Padró")
    expect(tiles.first).to_contain_text("6 fitxes")
    expect(booth.locator("#catalogue-talk")).to_be_hidden()  # nobody to talk to: closed
    no_violations(booth, "topics")

    tiles.filter(has_text="Padró").click()
    expect(booth.locator("#catalogue-filter-name")).to_have_text("Padró")
    expect(booth.locator("#catalogue-results .result")).to_have_count(6)
    expect(booth.locator("#catalogue-count")).to_have_text("6 resultats")
    assert focused_id(booth) == "catalogue-filter-title"
    booth.click("#catalogue-all")
    expect(booth.locator("#catalogue-home")).to_be_visible()
    expect(booth.locator("#catalogue-filter")).to_be_hidden()

    # search as one types, on the booth's own keyboard
    booth.click("#catalogue-q")
    expect(booth.locator("#osk")).to_be_visible()
    for key in "padro":
        booth.click(f'#osk .key[data-key="{key}"]')
    expect(booth.locator("#catalogue-q")).to_have_value("padro")
    assert focused_id(booth) == "catalogue-q"  # the keys leave the caret in the field
    results = booth.locator("#catalogue-results .result")
    expect(results.first).to_be_visible()
    expect(booth.locator("#catalogue-count")).to_contain_text("resultats")
    marks = booth.locator("#catalogue-results .result-title mark").all_text_contents()
    assert marks and all(folded(m).startswith("padr") for m in marks), marks
    first_slug = results.first.get_attribute("data-slug")
    no_violations(booth, "results")

    # case and accents do not matter (the server folds them)
    with booth.expect_response(lambda r: "q=PADR%C3%93" in r.url):
        booth.fill("#catalogue-q", "PADRÓ")
    expect(results.first).to_have_attribute("data-slug", first_slug or "")
    booth.click('#osk .key[data-key="Hide"]')
    expect(booth.locator("#osk")).to_be_hidden()
    booth.fill("#catalogue-q", "xyzzy quux")
    expect(booth.locator("#catalogue-count")).to_have_text(
        "No s'ha trobat res. Proveu amb altres paraules o amb menys lletres."
    )
    expect(results).to_have_count(0)

    # open an entry: every part of it, links as text only
    booth.fill("#catalogue-q", "volant individual")
    entry_button = booth.locator(f'#catalogue-results .result[data-slug="{ENTRY}"]')
    entry_button.click()
    expect(booth.locator("#catalogue-entry")).to_be_visible()
    expect(booth.locator("#catalogue-browse")).to_be_hidden()
    title = booth.locator("#entry-title")
    expect(title).to_have_text("Volant d'empadronament individual")
    assert focused_id(booth) == "entry-title"
    body = booth.locator("#entry-body")
    for part in ("who", "requirements", "fees", "where-when", "links"):
        expect(body.locator(f".entry-{part}")).to_be_visible()
    expect(body.locator(".entry-link-url").first).to_contain_text("https://")
    assert booth.locator("#screen-catalogue a").count() == 0  # nothing to follow out of the page
    no_violations(booth, "entry")
    booth.click("#entry-back")
    expect(booth.locator("#catalogue-browse")).to_be_visible()
    assert booth.evaluate("() => document.activeElement.dataset.slug") == ENTRY

    # another language: the same search, now in Spanish
    booth.click('#catalogue-langs [data-switch-lang="es"]')
    expect(booth.locator("html")).to_have_attribute("lang", "es")
    expect(booth.locator("label[for=catalogue-q]")).to_have_text("¿Qué busca?")
    expect(entry_button.locator(".result-title")).to_have_text(
        "Volante de empadronamiento individual"
    )
    entry_button.click()
    expect(title).to_have_text("Volante de empadronamiento individual")
    booth.click("#entry-back")

    # back to the closed screen; the search does not stay for the next citizen
    booth.click("#catalogue-back")
    expect(booth.locator("#screen-closed")).to_be_visible()
    booth.click("#closed-catalogue")
    expect(booth.locator("#catalogue-q")).to_have_value("")
    expect(booth.locator("#catalogue-home")).to_be_visible()


def test_inactivity_clears_the_search_and_keeps_a_waiting_place(
    browser: Any, catalogue_server: Any
) -> None:
    # long enough that a loaded machine finishes the search before the booth resets (at 6 s
    # it sometimes went back to idle before the results were checked)
    server: Server = catalogue_server({"FINESTRETA_KIOSK_IDLE_RESET_SECONDS": "10"})
    booth = pair_booth(browser, server, "sants")
    expect(booth.locator("#screen-idle")).to_be_visible(timeout=10_000)
    booth.click("#idle-catalogue")
    expect(booth.locator("#screen-catalogue")).to_be_visible()
    booth.click('#catalogue-langs [data-switch-lang="en"]')
    booth.fill("#catalogue-q", "bicing")
    expect(booth.locator("#catalogue-results .result").first).to_be_visible()
    expect(booth.locator("#catalogue-talk")).to_be_visible()  # open: a clerk is one tap away
    booth.wait_for_function("() => window.finestreta.screen === 'idle'", timeout=25_000)
    expect(booth.locator("html")).to_have_attribute("lang", "ca")
    expect(booth.locator("#catalogue-q")).to_have_value("")
    expect(booth.locator("#catalogue-results .result")).to_have_count(0)
    assert booth.evaluate("() => window.finestreta.catalogue.query") == ""

    # browsing while waiting: inactivity does not lose the place, it asks first
    booth_request(booth, language="es", topic="census")
    booth.click("#waiting-catalogue")
    expect(booth.locator("#queue-strip")).to_be_visible()
    expect(booth.locator("#still-there")).to_be_visible(timeout=25_000)
    assert booth.evaluate("() => window.finestreta.screen") == "waiting"
    booth.click("#keep-waiting")
    expect(booth.locator("#still-there")).to_be_hidden()
    assert booth.evaluate("() => window.finestreta.requestId") is not None


def test_browsing_while_waiting_keeps_the_place_and_the_call_takes_over(
    browser: Any, catalogue_server: Any
) -> None:
    server: Server = catalogue_server()
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="ca", topic="census")
    booth.wait_for_function("() => window.finestreta.requestId")
    request_id = booth.evaluate("() => window.finestreta.requestId")
    expect(booth.locator("#queue-position")).to_have_text("1")

    booth.click("#waiting-catalogue")
    expect(booth.locator("#screen-catalogue")).to_be_visible()
    strip = booth.locator("#queue-strip")
    expect(strip).to_be_visible()
    expect(booth.locator("#strip-place")).to_have_text("Sou la propera persona")
    expect(booth.locator("#catalogue-langs")).to_be_hidden()  # the request's language stays
    expect(booth.locator("#catalogue-talk")).to_be_hidden()  # already asked
    booth.fill("#catalogue-q", "gual")
    booth.locator("#catalogue-results .result").first.click()
    expect(booth.locator("#catalogue-entry")).to_be_visible()
    expect(strip).to_be_visible()
    no_violations(booth, "entry while waiting")

    with server.db().session() as session:
        row = session.get(AttentionRequestRow, request_id)
        assert row is not None and row.state == "waiting"

    # one tap back to the queue, same place; and back to the entry being read
    booth.click("#strip-back")
    expect(booth.locator("#screen-waiting")).to_be_visible()
    expect(booth.locator("#queue-position")).to_have_text("1")
    assert booth.evaluate("() => window.finestreta.requestId") == request_id
    booth.click("#waiting-catalogue")
    expect(booth.locator("#catalogue-entry")).to_be_visible()
    assert focused_id(booth) == "entry-title"

    # a clerk picks up while the citizen reads: the call takes over by itself
    console = open_console(browser, server, "anna")
    go_available(console)
    console.locator("#accept-call").click(timeout=10_000)
    booth.wait_for_function("() => window.finestreta.screen === 'call'", timeout=15_000)
    expect(booth.locator("#screen-catalogue")).to_be_hidden()
    wait_connected(booth)
    with server.db().session() as session:
        row = session.get(AttentionRequestRow, request_id)
        assert row is not None and row.state == "in_call"


def test_the_clerk_shows_an_entry_next_to_the_call(browser: Any, catalogue_server: Any) -> None:
    server: Server = catalogue_server()
    console = open_console(browser, server, "jordi")
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="census")
    console.locator("#accept-call").click(timeout=10_000)
    wait_connected(booth)
    call_id = booth.evaluate("() => window.finestreta.callId")
    show = f"/api/calls/{call_id}/catalogue/{ENTRY}/show"

    panel = booth.locator("#shown-entry")
    expect(panel).to_be_hidden()
    assert api(console, "POST", show) == 200
    expect(panel).to_be_visible()
    # in the citizen's language, large, next to the running video
    expect(booth.locator("#shown-entry-name")).to_have_text("Volante de empadronamiento individual")
    expect(panel.locator(".entry-requirements")).to_be_visible()
    expect(booth.locator("#remote-video")).to_be_visible()
    assert_video_flows(booth)
    assert booth.evaluate("() => window.finestreta.modules.information.shownEntry") == ENTRY
    assert booth.locator("#shown-entry a").count() == 0
    no_violations(booth, "call with an entry")

    # the citizen closes it
    booth.click("#shown-entry-close")
    expect(panel).to_be_hidden()
    assert focused_id(booth) == "call-title"

    # the clerk shows it again, then hides it
    assert api(console, "POST", show) == 200
    expect(panel).to_be_visible()
    assert api(console, "POST", f"/api/calls/{call_id}/show", {"document_id": None}) == 200
    expect(panel).to_be_hidden()

    # the end of the call removes it
    assert api(console, "POST", show) == 200
    expect(panel).to_be_visible()
    booth.click("#hang-up")
    expect(booth.locator("#screen-rating")).to_be_visible(timeout=10_000)
    expect(panel).to_be_hidden()
    assert booth.evaluate("() => window.finestreta.modules.information.shownEntry") is None
    assert booth.locator("#shown-entry-view > *").count() == 0
