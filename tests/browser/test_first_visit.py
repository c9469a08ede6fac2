"""Issue 9 (first-visit faults) in Debian's Chromium: what misled or stuck a citizen or a clerk
who walked the README flow for the first time."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.calls import booth_screen
from tests.browser.conftest import Server, pair_booth

pytestmark = [pytest.mark.browser]


def double_tap(page: Any, selector: str, gap_ms: int = 120) -> None:
    """Two taps of one finger on the centre of ``selector``, ``gap_ms`` apart: the second one
    lands on whatever the first one brought up under the finger."""
    page.wait_for_timeout(1000)  # the screen holding ``selector`` has settled
    box = page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(gap_ms)
    page.mouse.click(x, y)


def test_a_double_tap_does_not_carry_over_to_the_next_screen(browser: Any, server: Server) -> None:
    """#1: the second tap on "Accept and continue" landed on "Request attention" of the topic
    screen and showed an error the citizen did not cause."""
    booth = pair_booth(browser, server, "sants")
    booth.click("#lang-en")
    expect(booth.locator("#screen-privacy")).to_be_visible()
    double_tap(booth, "#privacy-accept")
    booth.wait_for_timeout(800)
    assert booth_screen(booth) == "topic"
    expect(booth.locator("#topic-error")).to_have_text("")
    # once the screen has settled, a tap is a tap (force: Playwright waits for aria-disabled)
    booth.locator("#request-attention").click(force=True)
    expect(booth.locator("#topic-error")).not_to_have_text("")

