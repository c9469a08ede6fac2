from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login, pair


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json()["ok"] is True


def test_clerk_and_booth_meet_over_sockets(client: TestClient, make_staff, make_booth) -> None:  # type: ignore[no-untyped-def]
    make_staff("anna")
    booth = make_booth("k1")
    kiosk_client = TestClient(client.app)
    with kiosk_client:
        pair(kiosk_client, booth)
        login(client, "anna")
        with (
            client.websocket_connect(
                "/ws/console", headers={"origin": "http://testserver"}
            ) as console,
            kiosk_client.websocket_connect(
                "/ws/kiosk", headers={"origin": "http://testserver"}
            ) as kiosk,
        ):
            assert console.receive_json()["type"] == "hello"
            assert kiosk.receive_json()["type"] == "hello"
            console.send_json({"type": "set_state", "state": "available"})
            kiosk.send_json({"type": "request_attention", "language": "ca", "topic": "census"})
            frame = console.receive_json()
            while frame["type"] != "ring":
                frame = console.receive_json()
            assert frame["topic"] == "census"
            console.send_json({"type": "accept", "offer_id": frame["offer_id"]})
            frame = kiosk.receive_json()
            while frame["type"] != "call_started":
                frame = kiosk.receive_json()
            assert frame["role"] == "polite"
