"""The whole chain with real parts: the server as a process, the kiosk agent as a process,
CUPS's ippeveprinter and SANE's test scanner. During a live call the clerk prints and scans at
the booth; a print job queued while the server restarts runs exactly once."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.sync.client import ClientConnection, connect

from finestreta.devices.records import DeviceJobRow
from tests.browser.conftest import Server, make_server
from tests.conftest import PASSWORD
from tests.devices.rig import Agent, small_pdf, write_agent_config

pytestmark = [pytest.mark.slow]


def frames_until(ws: ClientConnection, wanted: Any, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if wanted(frame):
            return frame
    raise AssertionError("the expected frame never came")


def socket_for(server: Server, client: httpx.Client, path: str) -> ClientConnection:
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return connect(
        f"ws://127.0.0.1:{server.port}{path}",
        additional_headers={"Cookie": cookies, "Origin": server.url},
        open_timeout=20,
    )


@pytest.fixture
def booth_rig(tmp_path: Path, printer: Any, sane_config: Any) -> Iterator[dict[str, Any]]:
    eve = printer()
    sane = sane_config()
    # The test's own sockets send no heartbeat while they wait for a print: give them time.
    server = make_server(
        tmp_path, {"FINESTRETA_HEALTH_INTERVAL_SECONDS": "5", "FINESTRETA_HEARTBEAT_SECONDS": "60"}
    )
    server.start()
    config = write_agent_config(
        tmp_path / "agent.toml", server, eve.uri, sane, tmp_path / "agent-spool"
    )
    agent = Agent(config, tmp_path / "agent.log")
    agent.start()
    clerk = httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=30)
    booth = httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=30)
    assert clerk.post("/login", data={"username": "jordi", "password": PASSWORD}).status_code in (
        200,
        303,
    )
    assert booth.post(
        "/kiosk/pair", data={"code": "sants", "secret": server.booths["sants"]}
    ).status_code in (200, 303)
    try:
        yield {"server": server, "agent": agent, "printer": eve, "clerk": clerk, "booth": booth}
    finally:
        agent.stop()
        server.stop()
        clerk.close()
        booth.close()
        print(f"--- agent log ---\n{agent.output()[-5000:]}")


def start_call(rig: dict[str, Any]) -> tuple[ClientConnection, ClientConnection, str]:
    server = rig["server"]
    console = socket_for(server, rig["clerk"], "/ws/console")
    kiosk = socket_for(server, rig["booth"], "/ws/kiosk")
    frames_until(console, lambda f: f["type"] == "hello")
    frames_until(kiosk, lambda f: f["type"] == "hello")
    console.send(json.dumps({"type": "set_state", "state": "available"}))
    kiosk.send(json.dumps({"type": "request_attention", "language": "ca", "topic": "general"}))
    ring = frames_until(console, lambda f: f["type"] == "ring")
    console.send(json.dumps({"type": "accept", "offer_id": ring["offer_id"]}))
    started = frames_until(console, lambda f: f["type"] == "call_started")
    return console, kiosk, started["call_id"]


def test_print_and_scan_during_a_call_then_a_queued_job_survives_a_restart(
    booth_rig: dict[str, Any],
) -> None:
    server, agent, eve, clerk = (
        booth_rig["server"],
        booth_rig["agent"],
        booth_rig["printer"],
        booth_rig["clerk"],
    )
    console, kiosk, call_id = start_call(booth_rig)
    devices = frames_until(
        console, lambda f: f["type"] == "devices" and f["printer"]["ok"] and f["scanner"]["ok"]
    )
    assert devices["agent_online"] is True

    # print: the file reaches the printer byte for byte, the clerk sees "done"
    pdf = small_pdf("Volant de prova")
    uploaded = clerk.post(
        f"/api/calls/{call_id}/documents",
        files={"file": ("volant.pdf", pdf, "application/pdf")},
        data={"title": "Volant"},
    ).json()
    assert uploaded["ok"] is True
    job = clerk.post(
        f"/api/calls/{call_id}/print", json={"document_id": uploaded["document_id"]}
    ).json()
    prompt = frames_until(
        kiosk, lambda f: f["type"] == "device_prompt" and f["prompt"] == "printing"
    )
    assert prompt["job_id"] == job["job_id"]
    done = frames_until(
        console,
        lambda f: (
            f["type"] == "job" and f["job_id"] == job["job_id"] and f["state"] in ("done", "failed")
        ),
        90,
    )
    assert done["state"] == "done", done
    printed = eve.printed()
    assert len(printed) == 1 and printed[0].read_bytes() == pdf

    # scan: the image arrives at the console as a document of the attention
    scan = clerk.post(f"/api/calls/{call_id}/scan", json={"resolution": 75, "format": "png"}).json()
    # it waits for the citizen: the booth asks them to place the document and tap "scan"
    asked = frames_until(
        kiosk, lambda f: f["type"] == "device_prompt" and f.get("job_id") == scan["job_id"]
    )
    assert asked["prompt"] == "place_on_scanner" and asked["confirm"] is True
    waiting = clerk.get(f"/api/calls/{call_id}/documents").json()["jobs"]
    assert [j["state"] for j in waiting if j["job_id"] == scan["job_id"]] == ["queued"]
    kiosk.send(json.dumps({"type": "scan_ready", "job_id": scan["job_id"]}))
    finished = frames_until(
        console,
        lambda f: (
            f["type"] == "job"
            and f["job_id"] == scan["job_id"]
            and f["state"] in ("done", "failed")
        ),
        90,
    )
    assert finished["state"] == "done", finished
    image = clerk.get(finished["result_document"]["url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    from PIL import Image

    with Image.open(io.BytesIO(image.content)) as picture:
        assert picture.width > 100 and picture.height > 100

    # a job queued while the agent is away and the server restarts runs exactly once
    console.close()
    kiosk.close()
    agent.stop()
    again = clerk.post(
        f"/api/calls/{call_id}/print", json={"document_id": uploaded["document_id"]}
    ).json()
    server.kill()
    server.start()
    agent.start()
    deadline = time.monotonic() + 90
    state = ""
    while time.monotonic() < deadline:
        with server.db().session() as session:
            row = session.scalars(
                select(DeviceJobRow).where(DeviceJobRow.id == again["job_id"])
            ).one()
            state = row.state
        if state in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state == "done"
    server.kill()
    server.start()  # the agent reconnects; the finished job is not delivered again
    time.sleep(6)
    assert len(eve.printed()) == 2
