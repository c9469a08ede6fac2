"""Concurrency (issue 13, docs/design/cluster.md §7): four real nodes on one PostgreSQL schema
and a private redis-server, 100 clerks and BOOTHS booths spread over the nodes (round-robin,
straight to the nodes), rings of 2 s. Each booth asks once; clerks accept at once, 10 % of them
at 1.9–2.1 s (racing the offer's expiry, which any node may run), every accept sent twice; 5 % of
the booths cancel while they ring; calls are hung up after 0–50 ms and wrapped up. Afterwards:
no double assignment (``checks.py``), every request served or cancelled, every second accept
refused (``no_offer`` when the first one won).

**100 booths, not the issue's 1,000**: on this 2-CPU machine (shared with other test runs) 200
booths did not finish in 120 s, and 100 take ~50 s to serve. The limit is the node's event loop
blocked while a command waits for the office's row lock (``SharedBoard.execute`` is synchronous):
rings arrive and accepts land late, most offers expire before the clerk's instant accept
(docs/design/cluster.md, Status)."""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import Server
from tests.cluster import checks
from tests.cluster.clients import Client, open_all
from tests.cluster.harness import ROOT, RedisServer, start_all
from tests.conftest import postgres_schema

sys.path.insert(0, str(ROOT / "bench"))
import _harness  # bench/ is a directory of scripts, not a package

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(400)]

NODES, CLERKS, BOOTHS = 4, 100, 1000
RING_S = 2.0
LATE, CANCELLING = 0.10, 0.05
SERVE_BOUND_S = 120.0


@dataclass
class Office:
    nodes: list[Server]
    db_url: str
    seeded: Any
    timeline: list[str] = field(default_factory=list)


@pytest.fixture
def office(tmp_path: Path, redis_server: RedisServer) -> Iterator[Office]:
    with postgres_schema("cc") as db_url:
        seeded = _harness.seed(db_url, BOOTHS, CLERKS, "cc", sites=10, migrate=False)
        nodes = [Server(db_url, tmp_path / f"n{i}", start_timeout=90) for i in range(NODES)]
        for i, node in enumerate(nodes):
            node.workdir.mkdir()
            node.env_extra = {
                "FINESTRETA_REDIS_URL": redis_server.url,
                "FINESTRETA_NODE_ID": f"node{i}:{node.port}",
                # no node dies here: a long lease keeps a node whose loop stalls (the lock waits
                # block it, docs/design/cluster.md Status) from being declared gone
                "FINESTRETA_NODE_LEASE_SECONDS": "15",
                "FINESTRETA_CLUSTER_POLL_SECONDS": "0.5",
                "FINESTRETA_RING_TIMEOUT_SECONDS": str(RING_S),
                # late accepts miss rings on purpose: the clerk must stay available
                "FINESTRETA_MISSED_RINGS_BEFORE_AWAY": "100",
            }
        office = Office(nodes, db_url, seeded)
        try:
            start_all(nodes)
            yield office
        finally:
            for node in nodes:
                node.stop()
            print("\n".join(["--- timeline ---", *office.timeline]))
            for node in nodes:
                errors = [
                    ln for ln in node.log().splitlines() if "ERROR" in ln or "Traceback" in ln
                ]
                print(f"--- {node.env_extra['FINESTRETA_NODE_ID']}: errors ---", *errors[-20:])


@dataclass
class Tally:
    """What the clients saw, by ``ref`` of the accepts they sent."""

    first: dict[str, str] = field(default_factory=dict)  # offer -> ref of the first accept
    second: dict[str, str] = field(default_factory=dict)  # offer -> ref of the second
    refused: dict[str, str] = field(default_factory=dict)  # ref -> error code
    won: set[str] = field(default_factory=set)  # offers whose call started
    late: set[str] = field(default_factory=set)  # offers accepted at 1.9-2.1 s
    cancel_sent: set[str] = field(default_factory=set)  # request ids
    ended: dict[str, str] = field(default_factory=dict)  # request id -> how (served/cancelled)


def test_accepts_racing_over_four_nodes_never_assign_twice(office: Office) -> None:
    asyncio.run(_scenario(office))


async def _scenario(office: Office) -> None:
    t0 = time.monotonic()
    rng = random.Random(13)
    tally = Tally()
    loop = asyncio.get_running_loop()

    def note(line: str) -> None:
        office.timeline.append(f"t={time.monotonic() - t0:5.1f} s {line}")
        print(office.timeline[-1], flush=True)

    def accept_twice(client: Client, offer_id: str) -> None:
        tally.first[offer_id], tally.second[offer_id] = f"a1-{offer_id}", f"a2-{offer_id}"
        client.send({"type": "accept", "offer_id": offer_id, "ref": f"a1-{offer_id}"})
        client.send({"type": "accept", "offer_id": offer_id, "ref": f"a2-{offer_id}"})

    def clerk(client: Client, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "hello" and frame["state"] in ("away", "offline"):
            # also after a reconnection: a node declared gone on a busy machine sets it offline
            client.send({"type": "set_state", "state": "available"})
        elif kind == "ring":
            offer = frame["offer_id"]
            if rng.random() < LATE:
                tally.late.add(offer)
                loop.call_later(rng.uniform(1.9, 2.1), accept_twice, client, offer)
            else:
                accept_twice(client, offer)
        elif kind == "error" and frame.get("ref"):
            tally.refused[frame["ref"]] = frame["code"]
        elif kind == "call_started":
            tally.won.add(client.last("ring", request_id=frame["request_id"])["offer_id"])  # type: ignore[index]
            hang_up = {"type": "hang_up", "call_id": frame["call_id"]}
            loop.call_later(rng.uniform(0, 0.05), client.send, hang_up)
        elif kind == "call_ended":
            outcome = client.hellos[-1].data["outcomes"][0]
            client.send({"type": "wrap_up", "call_id": frame["call_id"], "outcome": outcome})
        elif kind == "state" and frame["state"] in ("away", "offline"):
            client.send({"type": "set_state", "state": "available"})

    cancelling = set(rng.sample(range(BOOTHS), int(BOOTHS * CANCELLING)))

    def booth(client: Client, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "queue" and frame["state"] == "ringing" and client.name in cancel_names:
            if frame["request_id"] not in tally.cancel_sent:
                tally.cancel_sent.add(frame["request_id"])
                client.send({"type": "cancel", "request_id": frame["request_id"]})
        elif kind == "call_ended":
            tally.ended[frame["request_id"]] = "served"
        elif kind == "request_ended":
            tally.ended[frame["request_id"]] = frame["reason"]

    urls = [n.url for n in office.nodes]

    def spread(i: int) -> list[str]:
        return urls[i % NODES :] + urls[: i % NODES]

    seeded = office.seeded
    consoles = [
        Client("console", c.token, spread(i), name=f"clerk{c.id}", on_frame=clerk)
        for i, c in enumerate(seeded.clerks)
    ]
    booths = [
        Client("kiosk", b.token, spread(i), name=f"booth{i}", on_frame=booth)
        for i, b in enumerate(seeded.booths)
    ]
    cancel_names = {booths[i].name for i in cancelling}
    everyone = [*consoles, *booths]
    try:
        await open_all(everyone, batch=50, timeout=60)
        note(f"{len(everyone)} sockets open on {NODES} nodes")
        started = time.monotonic()
        for b in booths:
            b.send({"type": "request_attention", "language": "ca", "topic": "general"})
        note(f"{BOOTHS} requests sent")
        deadline = started + SERVE_BOUND_S
        while len(tally.ended) < BOOTHS and time.monotonic() < deadline:
            await asyncio.sleep(1)
        took = time.monotonic() - started
        how = Counter(tally.ended.values())
        note(
            f"{len(tally.ended)} of {BOOTHS} requests over in {took:.1f} s: {dict(how)}; "
            f"{len(tally.first)} offers accepted twice, {len(tally.late)} of them late, "
            f"{len(tally.won)} won"
        )
        firsts = Counter(tally.refused.get(ref, "won") for ref in tally.first.values())
        note(
            f"first accepts: {dict(firsts)}; socket losses: {sum(len(c.closes) for c in everyone)}"
        )
        assert len(tally.ended) == BOOTHS, f"only {len(tally.ended)} requests over in {took} s"
        await asyncio.sleep(1)  # the last refusals

        # no double assignment, whatever path it took
        await asyncio.to_thread(checks.assert_green, office.db_url)
        engine = create_engine(office.db_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT state, count(*) FROM attention_requests GROUP BY state")
            ).all()
            states: dict[str, int] = {str(s): int(n) for s, n in rows}
            calls = conn.execute(text("SELECT count(*) FROM calls")).scalar()
        engine.dispose()
        assert set(states) <= {"served", "cancelled"}, states
        assert sum(states.values()) == BOOTHS
        assert calls == states.get("served", 0) == how["served"]
        assert how["cancelled"] == states.get("cancelled", 0)
        # every second accept refused: no_offer behind a first one that won
        unanswered = [o for o, ref in tally.second.items() if ref not in tally.refused]
        assert not unanswered, f"second accepts neither refused nor answered: {unanswered[:5]}"
        codes = Counter(tally.refused[tally.second[o]] for o in tally.won)
        assert set(codes) == {"no_offer"}, codes
        assert len(tally.won) == calls
        note(f"checks green; second accepts refused: {dict(Counter(tally.refused.values()))}")
    finally:
        await asyncio.gather(*(c.stop() for c in everyone))
