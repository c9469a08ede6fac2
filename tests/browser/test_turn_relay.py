"""A call forced through coturn: credentials from the TURN REST scheme are accepted, and the
selected candidate pair is a relay pair on both sides."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.calls import (
    SELECTED_PAIR,
    assert_video_flows,
    booth_request,
    go_available,
    wait_connected,
)
from tests.browser.conftest import Turn, open_console, pair_booth

pytestmark = [pytest.mark.browser, pytest.mark.turn, pytest.mark.slow]


def test_call_through_turn_relay(browser: Any, server_factory: Any, coturn: Turn) -> None:
    server = server_factory(
        {
            "FINESTRETA_TURN_URLS": coturn.url,
            "FINESTRETA_TURN_SECRET": coturn.secret,
            "FINESTRETA_ICE_TRANSPORT_POLICY": "relay",
        }
    )
    console = open_console(browser, server, "jordi")
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="ca", topic="general")
    console.locator("#accept-call").click(timeout=10_000)

    wait_connected(booth, timeout_s=30)
    wait_connected(console, timeout_s=30)
    assert_video_flows(booth)
    for page in (booth, console):
        pair = page.evaluate(SELECTED_PAIR)
        assert pair is not None, "no selected candidate pair"
        assert pair["local"] == "relay", pair
        assert pair["remote"] == "relay", pair
    # coturn saw authenticated allocations (it logs each with the REST username)
    log = coturn.log_path.read_text(errors="replace")
    assert "kiosk-1" in log and "clerk-" in log
    # and the secret was never sent to a browser nor logged by Finestreta
    assert coturn.secret not in server.log()
