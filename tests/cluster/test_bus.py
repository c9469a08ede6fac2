"""RedisBus between two "nodes" in one event loop, on a private redis-server that the test
kills and starts again (the machine's shared Redis is never touched)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finestreta.realtime.redis_bus import RedisBus, default_prefix
from tests.cluster.harness import RedisServer

pytestmark = pytest.mark.cluster


class Node:
    """A bus and what reached it through its handlers."""

    def __init__(self, url: str, name: str) -> None:
        self.frames: list[tuple[str, int, str, int]] = []
        self.closes: list[tuple[str, int, int, str, int]] = []
        self.hints: list[tuple[int, int, list[dict[str, Any]]]] = []
        self.reconnects = 0
        self.bus = RedisBus(url, "fin:test:bus:", name, on_reconnect=self._reconnected)

    def _reconnected(self) -> None:
        self.reconnects += 1

    async def start(self) -> None:
        await self.bus.start(
            lambda *a: self.frames.append(a),
            lambda *a: self.closes.append(a),
            lambda *a: self.hints.append(a),
        )


async def until(condition: Callable[[], object], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def listening(node: Node, party: str, party_id: int) -> None:
    """``listen`` takes effect once Redis confirms the subscription."""
    node.bus.listen(party, party_id)
    await until(lambda: node.bus.channel(party, party_id) in node.bus.subscribed)


def test_default_prefix_names_database_and_schema() -> None:
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert default_prefix(pg) == "fin:test:public:"
    assert default_prefix(f"{pg}?options=-csearch_path%3Dt_abc") == "fin:test:t_abc:"
    assert default_prefix(f"{pg}?options=-c%20search_path%3Ds1,public") == "fin:test:s1:"
    assert default_prefix("sqlite:////var/lib/fin/fin.db") == "fin:/var/lib/fin/fin.db:main:"


def test_two_nodes_frames_closes_hints_and_redis_loss(redis_server: RedisServer) -> None:
    async def scenario() -> None:
        a, b = Node(redis_server.url, "A"), Node(redis_server.url, "B")
        await a.start()
        await b.start()
        try:
            await until(lambda: a.bus.healthy and b.bus.healthy)
            await listening(b, "kiosk", 7)
            await listening(a, "console", 3)

            # a frame for the booth B holds reaches B only; one for A's console reaches A only
            a.bus.send("kiosk", 7, '{"type":"ring"}', 41)
            b.bus.send("console", 3, '{"type":"signal"}', 42)
            a.bus.send("kiosk", 8, "nobody listens", 43)
            await until(lambda: b.frames and a.frames)
            await asyncio.sleep(0.1)
            assert b.frames == [("kiosk", 7, '{"type":"ring"}', 41)]
            assert a.frames == [("console", 3, '{"type":"signal"}', 42)]

            # a "replaced" close reaches the holder of the party's socket
            a.bus.close("kiosk", 7, 99, "replaced", 4409)
            await until(lambda: b.closes)
            assert b.closes == [("kiosk", 7, 99, "replaced", 4409)]
            assert a.closes == []

            # a hint reaches the other node, never its sender
            a.bus.hint(5, 6, [{"kind": "request_created"}])
            await until(lambda: b.hints)
            await asyncio.sleep(0.1)
            assert b.hints == [(5, 6, [{"kind": "request_created"}])]
            assert a.hints == []

            # after unlisten, frames stop coming
            b.bus.unlisten("kiosk", 7)
            await until(lambda: b.bus.channel("kiosk", 7) not in b.bus.subscribed)
            a.bus.send("kiosk", 7, "late", 44)
            await asyncio.sleep(0.1)
            assert len(b.frames) == 1
            b.bus.listen("kiosk", 7)

            # Redis dies: both buses notice within ~2 s, sends are dropped and counted
            redis_server.kill()
            started = time.monotonic()
            await until(lambda: not a.bus.healthy and not b.bus.healthy, timeout=2.5)
            assert time.monotonic() - started < 2.5
            dropped = a.bus.dropped
            a.bus.send("kiosk", 7, "lost", 45)
            a.bus.hint(7, 7, [])
            assert a.bus.dropped == dropped + 2
            assert a.reconnects == b.reconnects == 0

            # Redis is back on the same port: healthy again, every subscription restored
            redis_server.start()
            await until(lambda: a.bus.healthy and b.bus.healthy, timeout=4.0)
            assert a.reconnects == b.reconnects == 1
            await until(lambda: b.bus.channel("kiosk", 7) in b.bus.subscribed)
            await until(lambda: a.bus.channel("console", 3) in a.bus.subscribed)
            a.bus.send("kiosk", 7, "after", 46)
            b.bus.send("console", 3, "after too", 47)
            await until(lambda: len(b.frames) == 2 and len(a.frames) == 2)
            assert b.frames[-1] == ("kiosk", 7, "after", 46)
            assert a.frames[-1] == ("console", 3, "after too", 47)
            b.bus.hint(8, 9, [])
            await until(lambda: len(a.hints) == 1)
        finally:
            await a.bus.stop()
            await b.bus.stop()

    asyncio.run(asyncio.wait_for(scenario(), 15))


def test_starts_while_redis_is_down(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)  # not started yet

    async def scenario() -> None:
        node = Node(server.url, "A")
        await node.start()  # returns although nothing answers
        try:
            await asyncio.sleep(0.3)
            assert not node.bus.healthy
            node.bus.send("kiosk", 1, "dropped", 1)
            assert node.bus.dropped == 1
            node.bus.listen("kiosk", 1)
            server.start()
            await until(lambda: node.bus.healthy, timeout=4.0)
            await until(lambda: node.bus.channel("kiosk", 1) in node.bus.subscribed)
            assert node.reconnects == 1  # hints may have been missed: the hub refreshes
            other = Node(server.url, "B")
            await other.start()
            await until(lambda: other.bus.healthy)
            other.bus.send("kiosk", 1, "arrives", 2)
            await until(lambda: node.frames == [("kiosk", 1, "arrives", 2)])
            await other.bus.stop()
        finally:
            await node.bus.stop()
            server.kill()

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_a_hung_redis_is_noticed_by_ping(redis_server: RedisServer) -> None:
    """No reset, no end of file: only the unanswered PING tells the bus Redis is gone."""

    async def scenario() -> None:
        node = Node(redis_server.url, "A")
        await node.start()
        try:
            await until(lambda: node.bus.healthy)
            await listening(node, "agent", 4)
            redis_server.pause(True)
            started = time.monotonic()
            await asyncio.sleep(3.0)
            assert node.bus.healthy  # a PONG late by a loop's stall is not Redis down
            await until(lambda: not node.bus.healthy, timeout=4.0)
            assert time.monotonic() - started < 6.5  # PING every 1 s, PONG within 5 s
            redis_server.pause(False)
            await until(lambda: node.bus.healthy, timeout=4.0)
            assert node.reconnects == 1
            await until(lambda: node.bus.channel("agent", 4) in node.bus.subscribed)
            node.bus.send("agent", 4, "job", 3)
            await until(lambda: node.frames == [("agent", 4, "job", 3)])
        finally:
            redis_server.pause(False)
            await node.bus.stop()

    asyncio.run(asyncio.wait_for(scenario(), 12))
