"""Two real ``finestreta serve`` nodes on one PostgreSQL schema and a private redis-server
(cluster mode, docs/design/cluster.md): a booth on node A and a clerk on node B are rung,
connect their call and exchange signalling both ways; one socket per party across nodes; a node
killed with -9 costs the waiting citizen nothing; Redis away is said on /api/health and the queue
goes on through the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from websockets.exceptions import ConnectionClosed

from tests.browser.conftest import Server, seed
from tests.cluster.harness import RedisServer
from tests.conftest import PASSWORD, postgres_schema
from tests.protocol.client import Party, candidate, log_in, pair_booth, sdp

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

LEASE_S = 2.0


@dataclass
class Office:
    a: Server
    b: Server
    redis: RedisServer
    db_url: str
    booths: dict[str, str]

    def holder(self, party: str, party_id: int) -> str | None:
        """The node the party registry gives the party's socket to (its port), or None."""
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                node = conn.execute(
                    text("SELECT node_id FROM party_sockets WHERE party = :p AND party_id = :i"),
                    {"p": party, "i": party_id},
                ).scalar()
        finally:
            engine.dispose()
        return None if node is None else str(node).split(":")[1]


@pytest.fixture
def office(tmp_path: Path, redis_server: RedisServer) -> Iterator[Office]:
    with postgres_schema("tn") as db_url:
        booths = seed(db_url)
        env = {
            "FINESTRETA_REDIS_URL": redis_server.url,
            "FINESTRETA_NODE_LEASE_SECONDS": str(LEASE_S),
            "FINESTRETA_CLUSTER_POLL_SECONDS": "0.5",
            "FINESTRETA_KIOSK_GRACE_SECONDS": "30",
            "FINESTRETA_RING_TIMEOUT_SECONDS": "3",
        }
        nodes = []
        for name in ("a", "b"):
            workdir = tmp_path / name
            workdir.mkdir()
            node = Server(db_url, workdir, dict(env))
            # the node's name carries its port: the registry's rows say which node holds what
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


def _parties(office: Office) -> tuple[Party, Party, int, int]:
    """The booth on node A, the clerk Jordi on node B; their ids from their hellos."""
    kiosk = Party(
        office.a.url,
        "kiosk",
        ("fs_kiosk", pair_booth(office.a.url, "sants", office.booths["sants"])),
    )
    console = Party(office.b.url, "console", ("fs_staff", log_in(office.b.url, "jordi", PASSWORD)))
    kiosk_id = kiosk.open()["kiosk"]["id"]
    clerk_id = console.open()["clerk"]["id"]
    return kiosk, console, kiosk_id, clerk_id


def test_a_booth_on_one_node_and_a_clerk_on_another_make_a_call(office: Office) -> None:
    kiosk, console, kiosk_id, clerk_id = _parties(office)
    with kiosk, console:
        assert office.holder("kiosk", kiosk_id) == str(office.a.port)
        assert office.holder("console", clerk_id) == str(office.b.port)
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        kiosk.expect("queue")
        ring = console.expect("ring", timeout=5)  # made on A, delivered by B from the log
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        assert kiosk.expect("call_started", timeout=5)["call_id"] == call_id
        # signalling crosses the bus, both ways, exactly as sent
        offer = sdp("offer", "boo1")
        kiosk.send({"type": "signal", "call_id": call_id, "data": offer})
        assert console.expect("signal", timeout=5)["data"] == offer
        answer = sdp("answer", "cle1")
        console.send({"type": "signal", "call_id": call_id, "data": answer})
        assert kiosk.expect("signal", timeout=5)["data"] == answer
        kiosk.send({"type": "hang_up", "call_id": call_id})
        assert kiosk.expect("call_ended")["ended_by"] == "kiosk"
        assert console.expect("call_ended", timeout=5)["wrap_up"] is True
    # one office: the same log, the same versions, on both nodes
    versions = {
        httpx.get(f"{n.url}/api/health").json()["board_version"] for n in (office.a, office.b)
    }
    health = httpx.get(f"{office.a.url}/api/health").json()
    assert (health["mode"], health["bus"]) == ("cluster", "ok")
    assert len(versions) >= 1 and min(versions) > 0


def test_one_socket_per_party_across_nodes(office: Office) -> None:
    kiosk, console, kiosk_id, _ = _parties(office)
    with kiosk, console:
        again = Party(office.b.url, "kiosk", kiosk.cookie)
        with again:
            again.open()  # the same booth, now on node B
            assert kiosk.expect("closed", timeout=5)["reason"] == "replaced"
            assert kiosk.ws is not None
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    kiosk.ws.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4409
            assert office.holder("kiosk", kiosk_id) == str(office.b.port)
            # the replaced socket's leaving is not the booth's: it stays connected on the board
            again.send({"type": "ping", "t": 1.0})
            again.expect("pong")
            kiosk.ws = None


def test_a_node_killed_costs_the_waiting_citizen_nothing(office: Office) -> None:
    kiosk, console, kiosk_id, _ = _parties(office)
    with kiosk, console:  # the clerk stays away: the citizen waits
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        place = kiosk.expect("queue")
        office.a.kill()
        # the booth's page reconnects to the node that is left
        kiosk.base_url = office.b.url
        started = time.monotonic()
        hello = kiosk.open()
        assert hello["request"]["request_id"] == place["request_id"]
        again = kiosk.expect("queue", request_id=place["request_id"])
        assert again["position"] == place["position"]
        assert time.monotonic() - started < 5
        # the dead node's lease runs out: its rows go, the booth's (now on B) stays
        deadline = time.monotonic() + 3 * LEASE_S + 2
        engine = create_engine(office.db_url)
        try:
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    state = conn.execute(
                        text("SELECT state FROM cluster_nodes WHERE node_id = :a"),
                        {"a": f"node-a:{office.a.port}"},
                    ).scalar()
                if state == "gone":
                    break
                time.sleep(0.2)
        finally:
            engine.dispose()
        assert state == "gone"
        assert office.holder("kiosk", kiosk_id) == str(office.b.port)
        # and the clerk on B still gets the citizen
        console.send({"type": "set_state", "state": "available"})
        ring = console.expect("ring", timeout=5)
        assert ring["request_id"] == place["request_id"]


def test_redis_away_is_said_and_the_queue_goes_on(office: Office) -> None:
    kiosk, console, _, _ = _parties(office)
    with kiosk, console:
        office.redis.kill()
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            if httpx.get(f"{office.a.url}/api/health").json()["bus"] == "down":
                break
            time.sleep(0.2)
        health = httpx.get(f"{office.a.url}/api/health")
        assert (health.status_code, health.json()["bus"]) == (200, "down")
        # rings still reach the clerk on the other node: through the database's log (poll)
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = console.expect("ring", timeout=5)
        office.redis.start()
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            if all(
                httpx.get(f"{n.url}/api/health").json()["bus"] == "ok" for n in (office.a, office.b)
            ):
                break
            time.sleep(0.2)
        assert all(
            httpx.get(f"{n.url}/api/health").json()["bus"] == "ok" for n in (office.a, office.b)
        )
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        assert kiosk.expect("call_started", timeout=5)["call_id"] == call_id
        data = candidate("cle1", 9)
        console.send({"type": "signal", "call_id": call_id, "data": data})
        assert kiosk.expect("signal", timeout=5)["data"] == data


def test_an_offer_made_on_a_dead_node_expires_and_rings_the_next_clerk(office: Office) -> None:
    """Anna's console is on node A and is rung; A dies and Anna does not come back: any node
    expires the offer at its deadline (it is a row with a deadline, not a node's timer), and
    the citizen rings Jordi on node B."""
    kiosk = Party(
        office.b.url,
        "kiosk",
        ("fs_kiosk", pair_booth(office.b.url, "sants", office.booths["sants"])),
    )
    anna = Party(office.a.url, "console", ("fs_staff", log_in(office.a.url, "anna", PASSWORD)))
    jordi = Party(office.b.url, "console", ("fs_staff", log_in(office.b.url, "jordi", PASSWORD)))
    with kiosk, anna, jordi:
        kiosk.open()
        anna.open()
        anna.send({"type": "set_state", "state": "available"})
        anna.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = anna.expect("ring", timeout=5)  # Anna waited longest: she is rung first
        office.a.kill()
        anna.ws = None
        jordi.open()
        jordi.send({"type": "set_state", "state": "available"})
        jordi.expect("state", state="available")
        # the ring timeout (3 s here) runs out on node B, which rings Jordi for the citizen
        again = jordi.expect("ring", timeout=10)
        assert again["request_id"] == ring["request_id"]
        assert again["offer_id"] != ring["offer_id"]
        jordi.send({"type": "accept", "offer_id": again["offer_id"]})
        call_id = jordi.expect("call_started")["call_id"]
        assert kiosk.expect("call_started", timeout=5)["call_id"] == call_id


def test_a_rolling_upgrade_moves_the_sockets_to_the_other_node(office: Office) -> None:
    """SIGTERM drains node A: its booth and console are told ``draining`` (1012), reconnect to
    B and find their call there; A leaves the cluster (``gone``) without waiting for its lease,
    and the call goes on through B."""
    kiosk, console, kiosk_id, clerk_id = _parties(office)
    with kiosk, console:
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = console.expect("ring", timeout=5)
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        kiosk.expect("call_started", timeout=5)
        assert office.a.process is not None
        office.a.process.terminate()  # SIGTERM: drain (2 s in these nodes)
        assert kiosk.expect("closed", timeout=5)["reason"] == "draining"
        kiosk.ws = None
        kiosk.base_url = office.b.url
        hello = kiosk.open()
        assert hello["call"]["call_id"] == call_id
        assert office.a.process.wait(10) == 0
        assert office.holder("kiosk", kiosk_id) == str(office.b.port)
        assert office.holder("console", clerk_id) == str(office.b.port)
        engine = create_engine(office.db_url)
        try:
            with engine.connect() as conn:
                state = conn.execute(
                    text("SELECT state FROM cluster_nodes WHERE node_id = :a"),
                    {"a": f"node-a:{office.a.port}"},
                ).scalar()
        finally:
            engine.dispose()
        assert state == "gone"
        offer = sdp("offer", "boo9")
        kiosk.send({"type": "signal", "call_id": call_id, "data": offer})
        assert console.expect("signal", timeout=5)["data"] == offer
