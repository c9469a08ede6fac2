"""``GET /metrics``: who may read it, and that what it says follows a real call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from finestreta.context import AppContext
from tests.api.conftest import BoothBrowser, ClerkBrowser, open_socket, start_call

TOKEN = "s3cret-metrics-token-for-tests"
JSON = {"accept": "application/json"}  # refusals in the error envelope, not the HTML page
BEARER = {"authorization": f"Bearer {TOKEN}", **JSON}


@contextmanager
def from_address(client: TestClient, host: str) -> Iterator[TestClient]:
    """A client whose peer address is ``host``, on the running app's loop."""
    other = TestClient(client.app, client=(host, 50000))
    other.portal = client.portal
    try:
        yield other
    finally:
        other.portal = None
        other.close()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition: (name, sorted labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_disabled_without_token_or_allow_list(client: TestClient) -> None:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.settings(metrics_token=TOKEN)
def test_refused_without_or_with_a_wrong_token(client: TestClient) -> None:
    missing = client.get("/metrics", headers=JSON)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    wrong = client.get("/metrics", headers={"authorization": "Bearer not-the-token", **JSON})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "forbidden"
    basic = client.get("/metrics", headers={"authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    assert TOKEN not in wrong.text + missing.text


@pytest.mark.settings(metrics_allow=("10.0.0.0/24",))
def test_allowed_addresses_only(client: TestClient) -> None:
    with from_address(client, "10.0.0.7") as inside:
        assert inside.get("/metrics").status_code == 200
    with from_address(client, "10.0.1.7") as outside:
        refused = outside.get("/metrics")
        assert refused.status_code == 401
        # no token is configured: no bearer opens it either
        assert outside.get("/metrics", headers=BEARER).status_code == 401


@pytest.mark.settings(metrics_token=TOKEN)
def test_counts_follow_a_real_call(
    client: TestClient,
    ctx: AppContext,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
) -> None:
    before = scrape(client)
    assert ("finestreta_ring_latency_seconds_count", ()) in before
    assert before[("finestreta_ring_latency_seconds_count", ())] == 0
    assert before[("finestreta_clerks", (("state", "available"),))] == 0
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    waiting, _ = booth_browser("k2")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
        open_socket(waiting, "/ws/kiosk") as other,
    ):
        console.recv()
        ring, clerk_call, _ = start_call(console, kiosk)
        # a second citizen waits while the clerk is in the call
        other.send({"type": "request_attention", "language": "es", "topic": "general"})
        other.expect("queue")
        during = scrape(client)
        assert during[("finestreta_queue_length", (("language", "es"), ("topic", "general")))] == 1
        assert during[("finestreta_calls", (("state", "active"),))] == 1
        assert during[("finestreta_clerks", (("state", "in_call"),))] == 1
        assert during[("finestreta_sockets", (("party", "kiosk"),))] == 2
        assert during[("finestreta_sockets", (("party", "console"),))] == 1
        assert during[("finestreta_booth_page_connected", (("booth", "k1"),))] == 1
        assert during[("finestreta_booth_agent_connected", (("booth", "k1"),))] == 0
        assert during[("finestreta_ring_latency_seconds_count", ())] == 1
        assert during[("finestreta_wait_seconds_count", (("topic", "general"),))] == 1
        assert during[("finestreta_calls_started_total", ())] == 1

        kiosk.send({"type": "hang_up", "call_id": clerk_call["call_id"]})
        kiosk.expect("call_ended")
        console.expect("call_ended")
        other.send({"type": "cancel"})
        other.expect("request_ended")
        after = scrape(client)
    assert after[("finestreta_calls_ended_total", (("ended_by", "kiosk"),))] == 1
    assert after[("finestreta_requests_unserved_total", (("reason", "cancelled"),))] == 1
    assert after[("finestreta_calls", (("state", "wrap_up"),))] == 1
    assert after[("finestreta_ring_latency_seconds_count", ())] == 1
    assert ("finestreta_queue_length", (("language", "es"), ("topic", "general"))) not in after
    # no personal data and no ids in labels: only the known label names
    names = {name for (_, labels) in after for name, _ in labels}
    assert names <= {
        "topic",
        "language",
        "state",
        "party",
        "booth",
        "ended_by",
        "reason",
        "outcome",
        "event",
        "kind",
        "le",
    }
    assert ring["request_id"] not in client.get("/metrics", headers=BEARER).text
