"""Chaos (issue 13, docs/design/cluster.md §7): three real nodes behind nginx (the shipped
``deploy/nginx/finestreta.conf``), one PostgreSQL schema, a private redis-server. 100 booths
wait on ``taxes`` (no clerk serves it: they stay put) and 10 booths are in calls on
``general`` with 10 clerks. kill -9 node 1: every party it held reconnects through nginx and
gets its ``hello`` with its request or call within 5 s; the same for node 2; both start again;
Redis is killed (``/api/health`` says ``bus: down``) and started again (``ok``). Afterwards the
same 100 requests wait in the same order, the 10 calls are still active, and the SQL checks of
``checks.py`` find no double assignment. It prints a timeline of what it did."""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import Server
from tests.cluster import checks
from tests.cluster.clients import Client, open_all
from tests.cluster.conftest import PROXY
from tests.cluster.harness import ROOT, Nginx, RedisServer, nginx_binary, start_all
from tests.conftest import need, postgres_schema

sys.path.insert(0, str(ROOT / "bench"))
import _harness  # bench/ is a directory of scripts, not a package

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]

WAITING, CALLS = 100, 10
RESUME_S = 5.0
WAIT_TOPIC, CALL_TOPIC = "taxes", "general"


def holders(db_url: str) -> dict[tuple[str, int], int]:
    """(party, id) -> the port of the node the registry gives its socket to."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT party, party_id, node_id FROM party_sockets"))
            return {(str(p), int(i)): int(str(n).rsplit(":", 1)[1]) for p, i, n in rows}
    finally:
        engine.dispose()


@dataclass
class Office:
    nodes: list[Server]
    nginx: Nginx
    redis: RedisServer
    db_url: str
    seeded: Any
    timeline: list[str] = field(default_factory=list)


@pytest.fixture
def office(tmp_path: Path, redis_server: RedisServer) -> Iterator[Office]:
    binary = nginx_binary()
    need(binary is not None, "nginx is not installed (scripts/install --test as root)")
    assert binary is not None
    with postgres_schema("ch") as db_url:
        seeded = _harness.seed(db_url, WAITING + CALLS, CALLS, "ch", sites=4, migrate=False)
        engine = create_engine(db_url)
        with engine.begin() as conn:  # nobody serves the waiting topic: those citizens stay put
            conn.execute(text("UPDATE staff_users SET topics = :t"), {"t": CALL_TOPIC})
        engine.dispose()
        nodes = [Server(db_url, tmp_path / f"n{i}", start_timeout=90) for i in (1, 2, 3)]
        nginx = Nginx(binary, [f"127.0.0.1:{n.port}" for n in nodes])
        for i, node in enumerate(nodes, 1):
            node.workdir.mkdir()
            node.env_extra = {
                "FINESTRETA_REDIS_URL": redis_server.url,
                "FINESTRETA_NODE_ID": f"node{i}:{node.port}",
                # a node's heartbeat is late when the machine is busy (other tests share its 2
                # CPUs): a lease of 2 s had live nodes declared gone
                "FINESTRETA_NODE_LEASE_SECONDS": "4",
                "FINESTRETA_CLUSTER_POLL_SECONDS": "0.5",
                "FINESTRETA_PUBLIC_URL": nginx.origin,
                "FINESTRETA_TRUSTED_PROXIES": PROXY,
            }
        office = Office(nodes, nginx, redis_server, db_url, seeded)
        try:
            start_all(nodes)
            nginx.start()
            yield office
        finally:
            nginx.stop()
            for node in nodes:
                node.stop()
            print("\n".join(["--- timeline ---", *office.timeline]))
            for node in nodes:
                print(f"--- {node.env_extra['FINESTRETA_NODE_ID']} ---\n{node.log()[-6000:]}")


def bus_everywhere(office: Office, state: str) -> bool:
    try:
        return all(
            httpx.get(f"{n.url}/api/health", timeout=2).json()["bus"] == state for n in office.nodes
        )
    except httpx.HTTPError:
        return False


async def until(test: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(test):
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {timeout} s")
        await asyncio.sleep(0.2)


def test_nodes_and_redis_die_and_nobody_loses_their_place(office: Office) -> None:
    asyncio.run(_scenario(office))


async def _scenario(office: Office) -> None:
    t0 = time.monotonic()

    def note(line: str) -> None:
        office.timeline.append(f"t={time.monotonic() - t0:5.1f} s {line}")
        print(office.timeline[-1], flush=True)

    origin = [office.nginx.origin]
    booths, clerks = office.seeded.booths, office.seeded.clerks

    def accept_rings(client: Client, frame: dict[str, Any]) -> None:
        if frame["type"] == "ring":
            client.send({"type": "accept", "offer_id": frame["offer_id"]})

    consoles = [
        Client("console", c.token, origin, name=f"clerk{c.id}", on_frame=accept_rings)
        for c in clerks
    ]
    callers = [Client("kiosk", b.token, origin, name=f"caller{b.id}") for b in booths[:CALLS]]
    waiters = [Client("kiosk", b.token, origin, name=f"waiter{b.id}") for b in booths[CALLS:]]
    everyone = [*consoles, *callers, *waiters]
    try:
        await open_all(everyone)
        note(f"{len(everyone)} sockets open through nginx")

        # 10 calls on general
        for console in consoles:
            console.send({"type": "set_state", "state": "available"})
        await asyncio.gather(
            *(c.wait(lambda c: c.last("state", state="available"), 10, "state") for c in consoles)
        )
        for caller in callers:
            caller.send({"type": "request_attention", "language": "ca", "topic": CALL_TOPIC})
        started = await asyncio.gather(
            *(c.wait(lambda c: c.last("call_started"), 20, "call") for c in [*callers, *consoles])
        )
        call_of = {
            c.name: s["call_id"] for c, s in zip([*callers, *consoles], started, strict=True)
        }
        assert len(set(call_of.values())) == CALLS
        note(f"{CALLS} calls active")

        # 100 citizens waiting, one after another (their order is the order they asked in)
        for waiter in waiters:
            waiter.send({"type": "request_attention", "language": "ca", "topic": WAIT_TOPIC})
            await waiter.wait(lambda c: c.last("queue"), 10, "queue")
        request_of = {w.name: w.last("queue")["request_id"] for w in waiters}  # type: ignore[index]
        order = await asyncio.to_thread(checks.waiting_list, office.db_url)
        assert sorted(order) == sorted(request_of.values())
        note(f"{WAITING} citizens waiting on {WAIT_TOPIC}")

        def resumed(client: Client, since: float) -> float | None:
            """Seconds from ``since`` to the hello that carried the party's request or call."""
            hello = client.hello_since(since)
            if hello is None:
                return None
            data = hello.data
            if client.name in request_of:
                ok = (data.get("request") or {}).get("request_id") == request_of[client.name]
            else:
                ok = (data.get("call") or {}).get("call_id") == call_of[client.name]
            assert ok, f"{client.name} came back without its request or call: {data}"
            return hello.at - since

        def party_key(client: Client) -> tuple[str, int]:
            hello = client.hellos[0].data
            party = "kiosk" if client.party == "kiosk" else "console"
            ident = hello["kiosk"]["id"] if client.party == "kiosk" else hello["clerk"]["id"]
            return party, int(ident)

        resumes: list[float] = []
        for index in (0, 1):
            node = office.nodes[index]
            held = await asyncio.to_thread(holders, office.db_url)
            on_node = [c for c in everyone if held.get(party_key(c)) == node.port]
            assert node.process is not None
            pid = node.process.pid
            at = time.monotonic()
            await asyncio.to_thread(node.kill)
            await asyncio.gather(
                *(c.wait(functools.partial(Client.hello_since, since=at), 15) for c in on_node),
                return_exceptions=True,
            )
            times = [resumed(c, at) for c in on_node]
            missing = [c.name for c, t in zip(on_node, times, strict=True) if t is None]
            got = sorted(t for t in times if t is not None)
            resumes += got
            p50 = _harness.percentile(got, 50) or 0.0
            note(
                f"kill node{index + 1} pid {pid}: {len(on_node)} sockets, resumed "
                f"p50 {p50:.2f} s max {max(got, default=0):.2f} s"
                + (f", NOT resumed: {missing}" if missing else "")
            )
            assert not missing, f"never came back: {missing}"
            slow = {
                c.name: t
                for c, t in zip(on_node, times, strict=True)
                if t is not None and t > RESUME_S
            }
            assert not slow, f"resumed after more than {RESUME_S} s: {slow}"

        await asyncio.to_thread(start_all, office.nodes[:2])
        note("node1 and node2 started again")

        office.redis.kill()
        note("redis killed")
        await until(lambda: bus_everywhere(office, "down"), 8, "bus down on every node")
        note("every node says bus down")
        office.redis.start()
        await until(lambda: bus_everywhere(office, "ok"), 10, "bus ok on every node")
        note("redis back, every node says bus ok")
        await asyncio.sleep(3)
        note("settled")

        # the same citizens wait in the same order, and each booth was told its place
        assert await asyncio.to_thread(checks.waiting_list, office.db_url) == order
        told = sorted(waiters, key=lambda w: w.last("queue")["position"])  # type: ignore[index]
        assert [request_of[w.name] for w in told] == order
        # the calls go on: active, never ended by the system
        engine = create_engine(office.db_url)
        with engine.connect() as conn:
            calls = conn.execute(text("SELECT id, state, ended_by FROM calls")).all()
        engine.dispose()
        assert sorted((str(i), s, b) for i, s, b in calls) == sorted(
            (c, "active", None) for c in set(call_of.values())
        )
        for client in [*callers, *consoles]:
            assert client.last("call_ended") is None, f"{client.name}: {client.last('call_ended')}"
        assert all(c.final is None for c in everyone), {c.name: c.final for c in everyone}
        await asyncio.to_thread(checks.assert_green, office.db_url)
        p50 = _harness.percentile(resumes, 50) or 0.0
        note(
            f"checks green; {len(resumes)} resumes p50 {p50:.2f} s max {max(resumes):.2f} s; "
            f"{len(order)} still waiting in order, {CALLS} calls active"
        )
    finally:
        await asyncio.gather(*(c.stop() for c in everyone))
