"""A real ``finestreta serve`` on PostgreSQL drains on SIGTERM (docs/operations.md, "Rolling
upgrade"): the open booth and console sockets get ``closed`` (``draining``) and close code 1012
within the window, new connections are refused, the process exits 0; started again on the same
database, the booth comes back to the citizen's request, still waiting in the same place."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.browser.conftest import Server, seed
from tests.conftest import PASSWORD, postgres_schema
from tests.protocol.client import Party, log_in, pair_booth

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

DRAIN_S = 6.0


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Server]:
    with postgres_schema("dr") as db_url:
        server = Server(db_url, tmp_path, {"FINESTRETA_DRAIN_SECONDS": str(DRAIN_S)})
        server.booths = seed(db_url)
        try:
            yield server
        finally:
            server.stop()
            print(f"--- server log ({server.url}) ---\n{server.log()[-20000:]}")


def closed_with(party: Party, timeout: float) -> int:
    """Reads up to the socket's close; its close code."""
    assert party.ws is not None
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            party.ws.recv(timeout=timeout)
    assert closed.value.rcvd is not None, "the server sent no close frame"
    return closed.value.rcvd.code


def test_sigterm_drains_and_the_waiting_citizen_keeps_their_place(node: Server) -> None:
    node.start()
    assert node.process is not None
    booth_cookie = ("fs_kiosk", pair_booth(node.url, "sants", node.booths["sants"]))
    clerk_cookie = ("fs_staff", log_in(node.url, "jordi", PASSWORD))
    kiosk = Party(node.url, "kiosk", booth_cookie)
    console = Party(node.url, "console", clerk_cookie)
    console.open()  # offline: the citizen waits
    kiosk.open()
    assert kiosk.expect("office")["open"] is True
    kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
    place = kiosk.expect("queue")
    request_id = place["request_id"]
    # a connection opened before the drain (keep-alive) still gets answers during it
    with httpx.Client(base_url=node.url) as http:  # closed even when an assert fails
        assert http.get("/api/health").status_code == 200

        sent = time.monotonic()
        node.process.send_signal(signal.SIGTERM)
        health = http.get("/api/health")
        assert (health.status_code, health.json()["error"]["code"]) == (503, "draining")
        # the listening socket is closed at once: a proxy goes to another node
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{node.url}/api/health", timeout=2)
        for party in (kiosk, console):
            assert party.expect("closed", timeout=DRAIN_S)["reason"] == "draining"
            assert closed_with(party, DRAIN_S) == 1012
        # the closing takes the first half of the window, in batches
        assert time.monotonic() - sent <= DRAIN_S / 2 + 0.5
    assert node.process.wait(DRAIN_S) == 0
    assert time.monotonic() - sent <= DRAIN_S
    assert "drain: 2 sockets closed with 1012" in node.log()

    # the new version on the same database: the booth is back to the same request and place
    node.start()
    hello = kiosk.open()
    assert hello["request"] is not None and hello["request"]["request_id"] == request_id
    again = kiosk.expect("queue", request_id=request_id)
    assert {k: v for k, v in again.items() if k != "wait_s"} == {
        k: v for k, v in place.items() if k != "wait_s"
    }
    assert console.open()["state"] == "offline"
    kiosk.close()
    console.close()


def test_a_second_sigterm_stops_at_once(node: Server) -> None:
    """The drain would close the booth's socket at some moment of its 10 s spread (one batch, a
    random moment); the second SIGTERM does not wait for it."""
    node.env_extra["FINESTRETA_DRAIN_SECONDS"] = "20"
    node.start()
    assert node.process is not None
    kiosk = Party(
        node.url, "kiosk", ("fs_kiosk", pair_booth(node.url, "sants", node.booths["sants"]))
    )
    kiosk.open()
    node.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    sent = time.monotonic()
    node.process.send_signal(signal.SIGTERM)
    node.process.wait(5)
    assert time.monotonic() - sent < 3
    assert "SIGTERM: draining for up to 20 s" in node.log()
    kiosk.close()
