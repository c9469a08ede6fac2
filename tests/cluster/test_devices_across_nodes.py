"""The booth's kiosk agent on another node than the clerk (cluster mode, docs/design/cluster.md):
two real ``finestreta serve`` nodes on one PostgreSQL schema and a private redis-server. The
booth page and its agent are on node A, the clerk's console on node B: the clerk prints a
document of the call, the agent on A gets the job, reports it, and the clerk on B sees every
step and that the agent is connected."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from tests.browser.conftest import Server, seed
from tests.cluster.harness import RedisServer
from tests.cluster.test_two_nodes import LEASE_S, Office
from tests.conftest import PASSWORD, postgres_schema
from tests.protocol.client import Party, log_in, pair_booth

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]


@pytest.fixture
def office(tmp_path: Path, redis_server: RedisServer) -> Iterator[Office]:
    with postgres_schema("dv") as db_url:
        booths = seed(db_url)
        env = {
            "FINESTRETA_REDIS_URL": redis_server.url,
            "FINESTRETA_NODE_LEASE_SECONDS": str(LEASE_S),
            "FINESTRETA_CLUSTER_POLL_SECONDS": "0.5",
            # the nodes share the document files (docs/operations.md): uploaded on B, the
            # agent downloads it from A
            "FINESTRETA_STORAGE_DIR": str(tmp_path / "documents"),
        }
        nodes = []
        for name in ("a", "b"):
            workdir = tmp_path / name
            workdir.mkdir()
            node = Server(db_url, workdir, dict(env))
            node.env_extra["FINESTRETA_NODE_ID"] = f"node-{name}:{node.port}"
            node.booths = booths
            nodes.append(node)
        try:
            for node in nodes:
                node.start()
            yield Office(nodes[0], nodes[1], redis_server, db_url, booths)
        finally:
            for node in nodes:
                node.stop()
            for node in nodes:
                print(f"--- node log ({node.url}) ---\n{node.log()[-8000:]}")


def _expect(agent: Connection, type_: str, timeout: float = 5.0) -> dict[str, Any]:
    """The agent's next frame of ``type_`` (others read on the way)."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            text = agent.recv(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        frame: dict[str, Any] = json.loads(text)
        if frame["type"] == type_:
            return frame
        seen.append(frame["type"])
    raise AssertionError(f"agent: no {type_!r} within {timeout} s; got {seen}")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_print_by_a_clerk_on_one_node_reaches_the_agent_on_another(office: Office) -> None:
    a, b = office.a, office.b
    secret = office.booths["sants"]
    staff_token = log_in(b.url, "jordi", PASSWORD)
    staff = {"fs_staff": staff_token}
    kiosk = Party(a.url, "kiosk", ("fs_kiosk", pair_booth(a.url, "sants", secret)))
    console = Party(b.url, "console", ("fs_staff", staff_token))
    agent_url = a.url.replace("http://", "ws://") + "/ws/agent"
    auth = {"Authorization": f"Kiosk sants:{secret}"}
    with (
        kiosk,
        console,
        connect(agent_url, additional_headers=auth, open_timeout=10) as agent,
    ):
        kiosk_id = kiosk.open()["kiosk"]["id"]
        console.open()
        assert _expect(agent, "hello")["kiosk"]["code"] == "sants"
        assert office.holder("agent", kiosk_id) == str(a.port)  # registered cluster-wide
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = console.expect("ring", timeout=5)
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        kiosk.expect("call_started", timeout=5)
        # the devices panel on B: the agent on A is connected (the registry says so) ...
        console.expect("devices", agent_online=True)
        # ... and its report on A reaches B
        health = {"printer": {"state": "idle", "accepting": True}, "scanner": {"present": True}}
        agent.send(json.dumps({"type": "health", **health}))
        panel = console.expect("devices", agent_online=True, timeout=5)
        assert panel["printer"]["ok"] is True

        uploaded = httpx.post(
            f"{b.url}/api/calls/{call_id}/documents",
            files={"file": ("doc.png", _png(), "application/octet-stream")},
            data={"title": "doc.png"},
            headers={"Origin": b.url},
            cookies=staff,
        )
        assert uploaded.status_code == 200, uploaded.text
        document_id = uploaded.json()["document_id"]
        printed = httpx.post(
            f"{b.url}/api/calls/{call_id}/print",
            json={"document_id": document_id},
            headers={"Origin": b.url},
            cookies=staff,
        )
        assert printed.status_code == 200, printed.text
        answer = printed.json()
        assert (answer["printer_ready"], answer["printer_reason"]) == (True, "")  # B knows
        job_id = answer["job_id"]
        console.expect("job", job_id=job_id, state="queued")

        # queued on B, delivered by A (its upkeep, about once a second)
        started = time.monotonic()
        job = _expect(agent, "job", timeout=5)
        assert time.monotonic() - started < 3
        assert (job["job_id"], job["kind"]) == (job_id, "print")
        assert job["document"]["id"] == document_id
        console.expect("job", job_id=job_id, state="sent", timeout=5)
        fetched = httpx.get(f"{a.url}{job['document']['url']}", headers=auth)
        assert fetched.status_code == 200
        assert hashlib.sha256(fetched.content).hexdigest() == job["document"]["sha256"]

        # the agent's reports on A reach the clerk on B
        for state in ("received", "processing", "done"):
            agent.send(json.dumps({"type": "job_status", "job_id": job_id, "state": state}))
            console.expect("job", job_id=job_id, state=state, timeout=5)

        # the agent leaves A: the registry forgets it and the panel on B says so
        agent.close()
        console.expect("devices", agent_online=False, timeout=5)
        assert office.holder("agent", kiosk_id) is None
