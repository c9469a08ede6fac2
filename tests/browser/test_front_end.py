"""The pages' shared front end in Debian's Chromium: a procedure that is not built in (the test
suite's tiny one) plugs into both pages through the seam; the booth reads what it says about a
refusal from the server's error catalogue; a CallSession keeps the signals that come before it
has a peer connection, and starts over with fresh ICE credentials once its own have expired."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from finestreta import errors
from finestreta.i18n import catalogue
from tests.browser.calls import booth_request, go_available, wait_connected
from tests.browser.conftest import Server, make_server, open_console, pair_booth

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WITH_TINY = ("information", "census", "tests.procedures.tiny:procedure")
TINY_LOCALE = Path(__file__).resolve().parents[1] / "procedures" / "tiny" / "locale"


@pytest.fixture
def tiny_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """A server running the built-in procedures and the tiny one, registered through
    FINESTRETA_PROCEDURES as a city's own would be (its database migrated with its branch)."""
    server = make_server(tmp_path, {"FINESTRETA_RING_TIMEOUT_SECONDS": "20"}, WITH_TINY)
    server.start()
    yield server
    server.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print(f"--- server log ({server.url}) ---\n{server.log()[-20000:]}")


def test_a_procedure_of_its_own_in_the_console_and_on_the_booth(
    browser: Any, tiny_server: Server
) -> None:
    console = open_console(browser, tiny_server, "jordi")
    state = console.locator("#tiny-state")  # the tiny procedure's panel
    expect(state).to_have_attribute("data-call", "")
    go_available(console)
    booth = pair_booth(browser, tiny_server, "sants")
    booth_request(booth, language="es", topic="census")
    console.locator("#accept-call").click(timeout=10_000)
    wait_connected(booth)
    call_id = booth.evaluate("() => window.finestreta.callId")

    # the panel was told of the call, in the clerk's language (the procedure's own texts)
    lang = console.evaluate("() => document.documentElement.lang")
    texts = catalogue(lang, "tiny", TINY_LOCALE)
    assert texts, f"the tiny procedure has no {lang} texts"
    expect(state).to_be_visible()
    expect(state).to_have_text(texts.get("In call {id}", "In call {id}").format(id=call_id))

    # the clerk's wave, a frame of the procedure's own sent by its panel, reaches its booth module
    console.click("#tiny-wave")
    expect(booth.locator("body")).to_have_attribute("data-tiny-waved", "Hola x2")

    # hung up: the panel was told that too
    console.click("#hang-up")
    expect(booth.locator("#screen-rating")).to_be_visible(timeout=10_000)
    expect(state).to_have_text(texts.get("No call", "No call"))
    expect(console.locator("#tiny-wave")).to_be_disabled()
    expect(state).to_have_attribute("data-call", "")


def citizen_text(code: str, lang: str) -> str:
    """What the catalogue says to a citizen for ``code`` in ``lang`` (the platform's codes)."""
    text = errors.CODES[code].citizen
    return catalogue(lang, "errors").get(text, text)


def test_the_booth_says_the_catalogues_text_for_a_refusal(browser: Any, server: Server) -> None:
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="census")
    booth.wait_for_function("() => window.finestreta.requestId")
    notice = booth.locator("#notice")

    # a code with a citizen text: that text, in the booth's language
    booth.evaluate(
        "() => window.finestreta.channel.send("
        "{type: 'request_attention', language: 'es', topic: 'census'})"
    )
    expect(notice).to_have_text(citizen_text("already_requested", "es"))
    assert citizen_text("already_requested", "es") != errors.CODES["already_requested"].citizen

    # a code without one: the catalogue's general text (the code internal's)
    expect(booth.locator("#screen-waiting")).to_be_visible()
    booth.wait_for_function("() => window.finestreta.channel.ws.readyState === WebSocket.OPEN")
    booth.evaluate("() => window.finestreta.channel.send({type: 'no_such_frame'})")
    expect(notice).to_have_text(citizen_text("internal", "es"))


# Two CallSessions of one page, each the other's signalling channel; the booth's side starts
# only after the clerk's offer and candidates have reached it. Media: a canvas's video track.
TWO_SESSIONS = """async () => {
  const { CallSession } = await import("/static/common/call.js");
  const stream = () => {
    const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 48 });
    canvas.getContext("2d").fillRect(0, 0, 64, 48);
    return canvas.captureStream(5);
  };
  const valid = { iceServers: [], iceTransportPolicy: "all", expiresAt: Date.now() / 1000 + 3600 };
  const sessions = {};
  const make = (role, other) => new CallSession({
    callId: "c1", role, iceUrl: "/test-ice", ice: { ...valid },
    send: (frame) => sessions[other].handleSignal(frame.data),
  });
  sessions.clerk = make("impolite", "booth");
  sessions.booth = make("polite", "clerk");
  window.sessions = sessions;
  await sessions.clerk.start(stream());
  const waited = Date.now();
  while (sessions.booth.pending.length < 2 && Date.now() - waited < 10000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const kept = sessions.booth.pending.map((data) => Object.keys(data)[0]);
  await sessions.booth.start(stream());
  return kept;
}"""

BOTH_CONNECTED = """() => ['clerk', 'booth'].every((side) => {
  const pc = window.sessions[side].pc;
  return pc && pc.connectionState === 'connected';
})"""


def test_a_call_session_keeps_early_signals_and_renews_expired_credentials(
    browser: Any, server: Server
) -> None:
    page = browser.new_page()
    fresh = {"iceServers": [], "iceTransportPolicy": "all", "expiresAt": time.time() + 3600}
    asked: list[str] = []

    def ice(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(json=fresh)

    page.route("**/test-ice", ice)
    page.goto(f"{server.url}/")

    # the clerk's offer (and a candidate or more) came before the booth had started: kept, then
    # applied, and the two connect
    kept = page.evaluate(TWO_SESSIONS)
    assert kept[0] == "description" and "candidate" in kept, kept
    page.wait_for_function(BOTH_CONNECTED, timeout=20_000)
    assert asked == []  # the ice they were given was valid: no round trip

    # a restart late in a long call: the clerk's credentials have expired, the booth's have not
    page.evaluate("""() => {
      const { clerk, booth } = window.sessions;
      clerk.ice.expiresAt = clerk.config.expiresAt = Date.now() / 1000 - 1;
      window.old = { clerk: clerk.pc, booth: booth.pc };
      clerk.restart();
      booth.restart();
    }""")
    page.wait_for_function(
        f"() => window.sessions.clerk.pc !== window.old.clerk && ({BOTH_CONNECTED})()",
        timeout=20_000,
    )
    assert len(asked) == 1  # the clerk's side fetched fresh credentials, the booth's did not
    assert page.evaluate("() => window.sessions.clerk.config.expiresAt") == fresh["expiresAt"]
    assert page.evaluate("() => window.sessions.booth.pc !== window.old.booth")
