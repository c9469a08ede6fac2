"""Secrets never reach the log, at any level: ``finestreta serve`` at debug (uvicorn's access
and error logs, the WebSocket handshakes and frames, our own loggers) through a whole call,
and the captured log is searched for every secret the test made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from finestreta.documents.seal import init_seal
from finestreta.padro import synthetic
from finestreta.padro.importer import import_csv
from tests.browser.conftest import Server, make_server
from tests.conftest import PASSWORD
from tests.protocol.client import Party, log_in, pair_booth

NOTE = "Citizen Joana Ferrer Pla said her son Pau is at Carrer Fictici 13"
SEAL_PASSWORD = "seal password 7Q"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    seal = tmp_path / "seal.p12"
    init_seal(seal, SEAL_PASSWORD, "Barcelona")
    started = make_server(
        tmp_path,
        {
            "FINESTRETA_LOG_LEVEL": "debug",
            "FINESTRETA_SEAL_PKCS12": str(seal),
            "FINESTRETA_SEAL_PASSWORD": SEAL_PASSWORD,
        },
    )
    register = tmp_path / "padro.csv"
    synthetic.write_csv(register, n_households=0)
    database = started.db()
    with database.session() as session:
        assert import_csv(session, register).ok
    database.dispose()
    started.start()
    try:
        yield started
    finally:
        started.stop()


def test_a_whole_call_at_debug_level_logs_no_secret(server: Server) -> None:
    url, secret = server.url, server.booths["sants"]
    origin = {"Origin": url}
    kiosk_token = pair_booth(url, "sants", secret)
    staff_token = log_in(url, "jordi", PASSWORD)
    staff = {"fs_staff": staff_token}
    agent_auth = {"Authorization": f"Kiosk sants:{secret}"}
    agent_url = url.replace("http://", "ws://") + "/ws/agent"
    with (
        Party(url, "console", ("fs_staff", staff_token)) as console,
        Party(url, "kiosk", ("fs_kiosk", kiosk_token)) as kiosk,
        connect(agent_url, additional_headers=agent_auth, open_timeout=10) as agent,
    ):
        console.open()
        kiosk.open()
        assert json.loads(agent.recv(timeout=10))["type"] == "hello"
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "census"})
        ring = console.expect("ring")
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        kiosk.expect("call_started")

        api = f"{url}/api/calls/{call_id}/census"
        found = httpx.post(
            f"{api}/identify",
            json={"id_type": "dni", "number": "11111111H", "method": "id_on_camera"},
            headers=origin,
            cookies=staff,
        )
        assert found.status_code == 200, found.text
        issued = httpx.post(
            f"{api}/issue", json={"kind": "household", "lang": "ca"}, headers=origin, cookies=staff
        )
        assert issued.status_code == 200, issued.text
        code = issued.json()["code"]
        canonical = code.replace("-", "")
        assert httpx.get(f"{url}/verify/{code}").status_code == 200
        assert httpx.get(f"{url}/verify", params={"code": code}).status_code in (200, 303)
        assert httpx.get(f"{url}/api/verify/{canonical}").status_code == 200

        console.send({"type": "hang_up", "call_id": call_id})
        console.expect("call_ended")
        console.send(
            {"type": "wrap_up", "call_id": call_id, "outcome": "call_dropped", "note": NOTE}
        )
        console.expect("state", state="available")
    server.stop()
    logged = server.log()
    assert "DEBUG" in logged and "GET /verify/" in logged  # the debug level was really on
    secrets = {
        "password": PASSWORD,
        "booth secret": secret,
        "pairing token": kiosk_token,
        "session token": staff_token,
        "verification code": code,
        "verification code (canonical)": canonical,
        "wrap-up note": NOTE,
        "part of the note": "Carrer Fictici",
        "seal password": SEAL_PASSWORD,
    }
    leaked = {name: value for name, value in secrets.items() if value in logged}
    assert not leaked, f"in the log: {leaked}"
