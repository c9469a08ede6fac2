"""The pages' shared front end in Debian's Chromium: the booth reads what it says about a refusal
from the server's error catalogue; a CallSession keeps the signals that come before it has a
peer connection, and starts over with fresh ICE credentials once its own have expired."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from finestreta import errors
from finestreta.i18n import catalogue
from tests.browser.calls import booth_request
from tests.browser.conftest import Server, pair_booth

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
