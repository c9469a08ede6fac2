"""The procedures are tested against the real app, with the API tests' fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import *  # noqa: F403
from tests.api.conftest import BoothBrowser, ClerkBrowser, open_socket, start_call
from tests.api.conftest import pytest_configure as pytest_configure


@pytest.fixture
def live_call(clerk_browser: ClerkBrowser, booth_browser: BoothBrowser) -> Iterator[dict[str, Any]]:
    """A clerk (anna) in a call with a booth (sants): their browsers, sockets and the call id."""
    anna, anna_id = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk)
        yield {
            "clerk": anna,
            "clerk_id": anna_id,
            "booth": sants,
            "console": console,
            "kiosk": kiosk,
            "id": started["call_id"],
        }
