"""Every HTTP answer names its request (``X-Request-ID``), and the lines logged while a
request or a call's frame is handled carry its ids (web/request_ids.py, log_context.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from finestreta.log_context import ContextFilter
from finestreta.registry import service as registry_service
from tests.api.conftest import ORIGIN, BoothBrowser, ClerkBrowser, open_socket, start_call

NIF = "12345678Z"
log = logging.getLogger("tests.request_ids")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The records of this test's logger, with the ids the server's handlers add."""
    context = ContextFilter()
    caplog.handler.addFilter(context)
    caplog.set_level(logging.INFO, logger=log.name)
    try:
        yield caplog
    finally:
        caplog.handler.removeFilter(context)


def test_each_answer_has_a_request_id(client: TestClient) -> None:
    new = client.get("/api/health").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", new)
    assert client.get("/api/health").headers["X-Request-ID"] != new
    kept = client.get("/api/health", headers={"X-Request-ID": "proxy-7f3a.1"})
    assert kept.headers["X-Request-ID"] == "proxy-7f3a.1"
    forged = client.get("/api/health", headers={"X-Request-ID": "x y=forged"})
    assert re.fullmatch(r"[0-9a-f]{16}", forged.headers["X-Request-ID"])
    # refusals too (the middleware is the outermost)
    refused = client.get("/api/console/attentions", headers={"X-Request-ID": "r-401"})
    assert (refused.status_code, refused.headers["X-Request-ID"]) == (401, "r-401")


def test_a_line_logged_in_a_calls_request_carries_its_ids(
    client: TestClient,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
    logged: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def get_by_code(session: Any, code: str) -> None:  # logs, as a register might
        log.info("looking up %s", code)

    monkeypatch.setattr(registry_service, "get_by_code", get_by_code)
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with open_socket(anna, "/ws/console") as console, open_socket(booth_client, "/ws/kiosk") as k:
        _, clerk_call, _ = start_call(console, k)
        call_id = clerk_call["call_id"]
        answer = anna.post(
            f"/api/calls/{call_id}/receipts",
            json={"registry_code": NIF},
            headers={**ORIGIN, "X-Request-ID": "req-receipt-1"},
        )
        assert answer.status_code == 404
        assert answer.headers["X-Request-ID"] == "req-receipt-1"
    (line,) = [r for r in logged.records if r.getMessage().startswith("looking up")]
    assert vars(line)["call_id"] == call_id
    assert vars(line)["request_id"]  # the attention request the call answers
    assert vars(line)["http_request_id"] == "req-receipt-1"
    # another request, not about a call, carries no call id
    client.get("/api/health")
    log.info("after")
    assert vars(logged.records[-1])["call_id"] is None


def test_a_line_logged_while_a_calls_frame_is_handled_carries_its_ids(
    client: TestClient,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
    logged: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = client.app.state.ctx.hub  # type: ignore[attr-defined]
    handle = hub.console_frame

    def console_frame(conn: Any, frame: Any) -> None:
        log.info("frame %s", frame.type)
        handle(conn, frame)

    monkeypatch.setattr(hub, "console_frame", console_frame)
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with open_socket(anna, "/ws/console") as console, open_socket(booth_client, "/ws/kiosk") as k:
        console.send({"type": "set_state", "state": "away"})
        console.flush()
        _, clerk_call, _ = start_call(console, k)
        console.send({"type": "set_state", "state": "away"})
        console.flush()
    before, *_, during = [r for r in logged.records if r.getMessage() == "frame set_state"]
    assert vars(before)["call_id"] is None and vars(before)["request_id"] is None
    assert vars(during)["call_id"] == clerk_call["call_id"]
    assert vars(during)["request_id"]
