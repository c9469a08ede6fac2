"""The browser tests would see a page break the Content-Security-Policy: this one breaks it
on purpose (an inline script, as an injection would add) and checks it was caught."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_a_violation_is_caught(browser: Any, server: Any) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/login")
    page.wait_for_load_state("load")
    assert browser.violations == []  # the page itself keeps to its policy
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.injected === undefined")  # the policy blocked it
    page.wait_for_timeout(200)  # the console message arrives on its own
    assert any("script-src" in v for v in browser.violations), browser.violations
    browser.violations.clear()  # caught on purpose: the fixture must not fail this test
