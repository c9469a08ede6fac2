"""Draining the sockets before a restart (SIGTERM, ``FINESTRETA_DRAIN_SECONDS``): every socket
is told ``closed`` (``draining``) and closed with 1012, in batches spread over a time so that
hundreds of pages do not come back in the same instant. The schedule is pure, to be tested."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from finestreta.realtime.connections import CLOSE_SERVICE_RESTART, Connection
from finestreta.realtime.frames import Closed

# One batch per this many seconds of spread at most: finer steps gain nothing.
BATCH_EVERY_S = 0.25
# How long the last batch may take to reach the wire before the server stops anyway.
FLUSH_S = 1.0


def schedule(
    count: int, spread_s: float, rng: random.Random | None = None
) -> list[tuple[float, int]]:
    """(seconds from now, how many sockets) for ``count`` sockets over ``spread_s``: the spread
    cut into equal slots, one batch per slot at a random moment within it (never two in one
    slot, never past ``spread_s``), the sockets shared as evenly as can be (sizes differ by at
    most one)."""
    if count <= 0:
        return []
    batches = max(1, min(count, int(spread_s / BATCH_EVERY_S)))
    slot = max(0.0, spread_s) / batches
    draw = rng or random.Random()
    size, extra = divmod(count, batches)
    return [
        (min(spread_s, (i + draw.random()) * slot) if slot else 0.0, size + (i < extra))
        for i in range(batches)
    ]


def spread_for(window_s: float, *graces_s: float) -> float:
    """The closing takes the first half of the window, and less than half the shortest grace
    period: a booth closed last must still find its place when it reconnects."""
    return max(0.0, min(window_s / 2, *(g / 2 for g in graces_s)))


async def close_all(
    connections: Sequence[Connection],
    spread_s: float,
    rng: random.Random | None = None,
) -> int:
    """Tell and close ``connections`` (shuffled) on :func:`schedule`; returns how many were
    closed (some may have left on their own meanwhile: closing them again does nothing) once
    their ``closed`` frames and close frames are written (at most :data:`FLUSH_S` more), so
    that the server stopping next does not cut them short."""
    draw = rng or random.Random()
    pending = list(connections)
    draw.shuffle(pending)
    loop = asyncio.get_running_loop()
    start = loop.time()
    done = 0
    for at, size in schedule(len(pending), spread_s, draw):
        await asyncio.sleep(max(0.0, start + at - loop.time()))
        for conn in pending[done : done + size]:
            conn.send(Closed(reason="draining"))
            conn.close(CLOSE_SERVICE_RESTART, "draining")
        done += size
    await asyncio.gather(*(conn.flushed(FLUSH_S) for conn in pending))
    return done
