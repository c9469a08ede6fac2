"""A node's heartbeat (``realtime/cluster.py``) beats from a thread of its own: a node whose event
loop is busy for a moment (waiting for the office's lock on a machine short of CPU) is not
declared dead, while one whose loop is stuck lets its lease run out."""

from __future__ import annotations

import asyncio
import time
from typing import cast

import pytest

from finestreta.db import Database
from finestreta.realtime import cluster
from finestreta.realtime.bus import LocalBus
from finestreta.realtime.cluster import ClusterNode
from finestreta.realtime.hub import Hub
from finestreta.realtime.registry import NodeRoster, PartyRegistry

LEASE_S = 1.5


def test_a_busy_loop_keeps_beating_a_stuck_one_does_not(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "LOOP_STUCK_S", 2.5)
    roster = NodeRoster(db)
    node = ClusterNode(
        cast(Hub, None), LocalBus(), PartyRegistry(db), roster, "n1:1", "127.0.0.1:1", LEASE_S
    )

    async def scenario() -> tuple[list[str], list[str]]:
        await node.start()
        time.sleep(2.2)  # the loop is busy (no upkeep round runs): the thread beats on
        busy = roster.expired(LEASE_S)
        await asyncio.sleep(0.3)  # the loop goes round again
        time.sleep(5.0)  # stuck: after 2.5 s without a round, no more beats
        stuck = roster.expired(LEASE_S)
        node._stop_beating.set()
        return busy, stuck

    busy, stuck = asyncio.run(scenario())
    assert busy == []
    assert stuck == ["n1:1"]
