"""The pages' shared front end in Debian's Chromium: the booth reads what it says about a refusal
from the server's error catalogue."""

from __future__ import annotations

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
