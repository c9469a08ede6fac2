"""While the server drains (SIGTERM, ``Hub.draining``): health answers 503 ``draining`` so that
a load balancer sends no one, and a socket that still reaches it is refused with 1012 (come back
in a moment), after the usual origin and credential checks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from finestreta.context import AppContext
from tests.api.conftest import BoothBrowser, ClerkBrowser, open_socket, refused


def test_health_answers_503_while_draining(client: TestClient, ctx: AppContext) -> None:
    serving = client.get("/api/health")
    assert (serving.status_code, serving.json()["ok"]) == (200, True)
    ctx.hub.draining = True
    draining = client.get("/api/health")
    body = draining.json()
    assert (draining.status_code, body["ok"], body["error"]["code"]) == (503, False, "draining")


def test_new_sockets_are_refused_with_1012_while_draining(
    client: TestClient,
    ctx: AppContext,
    booth_browser: BoothBrowser,
    clerk_browser: ClerkBrowser,
) -> None:
    booth, _ = booth_browser("sants")
    clerk, _ = clerk_browser("anna")
    with open_socket(booth, "/ws/kiosk") as socket:  # before: accepted as usual
        assert socket.recv()["type"] == "hello"
    ctx.hub.draining = True
    assert refused(booth, "/ws/kiosk") == 1012
    assert refused(clerk, "/ws/console") == 1012
    assert refused(clerk, "/ws/kiosk") == 4401  # a refusal for good still says so
