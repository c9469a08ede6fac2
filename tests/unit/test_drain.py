"""The drain's schedule (``realtime/drain.py``): the sockets shared out in jittered batches over
the spread, never past it, and every socket told ``closed`` (``draining``) and closed with 1012."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any, cast

import pytest
from starlette.websockets import WebSocket, WebSocketState

from finestreta.realtime import drain
from finestreta.realtime.connections import CLOSE_SERVICE_RESTART, Connection, TokenBucket
from finestreta.realtime.frames import Closed


@pytest.mark.parametrize(("count", "spread"), [(1, 15.0), (7, 15.0), (200, 15.0), (13, 1.0)])
def test_batches_share_the_sockets_over_the_spread(count: int, spread: float) -> None:
    plan = drain.schedule(count, spread, random.Random(count))
    batches = min(count, int(spread / drain.BATCH_EVERY_S))
    assert len(plan) == batches
    sizes = [size for _, size in plan]
    assert sum(sizes) == count and max(sizes) - min(sizes) <= 1
    slot = spread / batches
    for i, (at, _) in enumerate(plan):  # one batch per slot, at a random moment within it
        assert i * slot <= at <= (i + 1) * slot <= spread + 1e-9


def test_the_moments_are_jittered_not_on_a_grid() -> None:
    first = drain.schedule(60, 15.0, random.Random(1))
    second = drain.schedule(60, 15.0, random.Random(2))
    assert [at for at, _ in first] != [at for at, _ in second]
    slot = 15.0 / 60
    offsets = [at - i * slot for i, (at, _) in enumerate(first)]
    assert max(offsets) - min(offsets) > slot / 4  # spread within their slots, not in step


def test_no_spread_closes_everyone_at_once_and_nothing_to_close_is_no_batch() -> None:
    assert drain.schedule(5, 0.0) == [(0.0, 5)]
    assert drain.schedule(0, 15.0) == []


def test_the_spread_is_half_the_window_and_under_half_the_shortest_grace() -> None:
    assert drain.spread_for(30.0, 30.0, 30.0) == 15.0
    assert drain.spread_for(30.0, 8.0, 30.0) == 4.0  # a booth closed last still finds its place
    assert drain.spread_for(0.0, 30.0, 30.0) == 0.0


class FakeConnection:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sent: list[Any] = []
        self.closed_with: tuple[int, str, float] | None = None

    def send(self, frame: Any) -> None:
        self.sent.append(frame)

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = (code, reason, self.loop.time())

    async def flushed(self, timeout: float) -> None:
        assert self.closed_with is not None, "waited for before being closed"
        self.flushed_at = self.loop.time()


def test_every_socket_is_told_and_closed_with_1012_within_the_spread() -> None:
    async def run() -> tuple[list[FakeConnection], float, int]:
        loop = asyncio.get_running_loop()
        conns = [FakeConnection(loop) for _ in range(9)]
        start = loop.time()
        closed = await drain.close_all(cast(list[Connection], conns), 0.6, random.Random(3))
        return conns, start, closed

    conns, start, closed = asyncio.run(run())
    assert closed == 9
    moments = []
    for conn in conns:
        assert conn.sent == [Closed(reason="draining")]
        assert conn.closed_with is not None
        code, reason, at = conn.closed_with
        assert (code, reason) == (CLOSE_SERVICE_RESTART, "draining") and code == 1012
        moments.append(at - start)
    assert max(moments) <= 0.6 + 0.1
    assert len({round(m, 3) for m in moments}) > 1  # in batches, not all at once


class SlowWebSocket:
    """A peer whose frames take a moment each to write: what the drain sent must be on the wire
    (the ``closed`` frame, then the close) by the time it returns and the server stops."""

    application_state = WebSocketState.CONNECTED

    def __init__(self) -> None:
        self.wire: list[Any] = []

    async def send_text(self, text: str) -> None:
        await asyncio.sleep(0.05)
        self.wire.append(json.loads(text)["type"])

    async def close(self, code: int, reason: str) -> None:
        await asyncio.sleep(0.05)
        self.wire.append(code)


def test_the_drain_returns_once_the_frames_and_close_are_written() -> None:
    async def run() -> list[SlowWebSocket]:
        peers = [SlowWebSocket() for _ in range(3)]
        conns = [
            Connection(cast(WebSocket, ws), "kiosk", i, TokenBucket(10, 10))
            for i, ws in enumerate(peers)
        ]
        for conn in conns:
            conn.start()
            conn.send_text('{"type": "queue"}')  # queued before the drain: written first
        await drain.close_all(conns, 0.0)
        return peers

    for peer in asyncio.run(run()):
        assert peer.wire == ["queue", "closed", CLOSE_SERVICE_RESTART]
