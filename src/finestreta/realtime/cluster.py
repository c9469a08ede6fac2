"""This process as one node of several (cluster mode, ``docs/design/cluster.md`` §4).

The hub tells its :class:`Parties` when a booth's, console's or agent's socket joins and leaves.
On one node (:class:`LocalParties`) the hub's own ``Sockets`` are the whole truth. On several,
:class:`ClusterNode` keeps the party registry (``party_sockets``): one socket per party in the
whole office, the newest wins, and an older one on any node is told ``replaced`` and closed with
4409 through the bus. It also beats the node's heartbeat (``cluster_nodes``), ends the presence
of the sockets of a node whose lease ran out (their grace periods start then), and checks every
2 s that the registry still gives this node the sockets it holds (a lost "replaced" message
costs at most that long).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError

from finestreta.realtime.connections import CLOSE_REPLACED, CLOSE_SERVICE_RESTART, Connection
from finestreta.realtime.registry import NodeRoster, PartyRegistry

if TYPE_CHECKING:
    from finestreta.realtime.bus import Bus
    from finestreta.realtime.hub import Hub

log = logging.getLogger(__name__)

UPKEEP_EVERY_S = 0.25
HEARTBEAT_EVERY_S = 1.0
RECONCILE_EVERY_S = 2.0
# A node whose event loop is busy for a moment (waiting for the office's lock, a machine short
# of CPU) is alive: the heartbeat beats from a thread of its own, as long as the loop went round
# within this long. Beating from the loop made short freezes look like deaths, and the sockets
# a "dead" node held reconnected all at once, freezing the others in turn.
LOOP_STUCK_S = 10.0
EVERY_SECOND_S = 1.0


class Parties(Protocol):
    def joined(self, conn: Connection) -> None:
        """``conn`` is its party's socket now (the hub's ``Sockets`` took it)."""
        ...

    def left(self, conn: Connection) -> bool:
        """``conn`` closed; whether its party left (False: a newer socket replaced it)."""
        ...

    def close_older(self, party: str, party_id: int, seq: int, reason: str, code: int) -> None:
        """Another node took ``party``'s socket with ``seq``: close ours if older."""
        ...

    def held_anywhere(self, party: str, party_id: int) -> bool:
        """Whether any node holds ``party``'s socket (asked when this node holds none)."""
        ...


class LocalParties:
    """One node: a party's socket is the one in the hub's ``Sockets``; nothing else to keep."""

    def joined(self, conn: Connection) -> None:
        return None

    def left(self, conn: Connection) -> bool:
        return True

    def close_older(self, party: str, party_id: int, seq: int, reason: str, code: int) -> None:
        return None

    def held_anywhere(self, party: str, party_id: int) -> bool:
        return False  # this node's sockets are all there are


def new_node_id(host: str, port: int) -> str:
    """``host:port:pid:random``: a restarted process is a new node (its old lease runs out)."""
    return f"{socket.gethostname()}:{port}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ClusterNode:
    def __init__(
        self,
        hub: Hub,
        bus: Bus,
        registry: PartyRegistry,
        roster: NodeRoster,
        node_id: str,
        address: str,
        lease_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hub = hub
        self.bus = bus
        self.registry = registry
        self.roster = roster
        self.node_id = node_id
        self.address = address
        self.lease_s = lease_s
        self.clock = clock
        self.draining = False
        self._task: asyncio.Task[None] | None = None
        self._reap_at = self._reconcile_at = self._second_at = 0.0
        self._every_second: list[Callable[[], None]] = []
        self._loop_seen = 0.0
        self._stop_beating = threading.Event()
        self._beater: threading.Thread | None = None

    # ------------------------------------------------------------------ the hub's hooks
    def joined(self, conn: Connection) -> None:
        conn.seq = self.registry.join(conn.party, conn.party_id, self.node_id, conn.conn_id)
        self.bus.close(conn.party, conn.party_id, conn.seq, "replaced", CLOSE_REPLACED)

    def left(self, conn: Connection) -> bool:
        try:
            return self.registry.leave(conn.party, conn.party_id, conn.conn_id)
        except SQLAlchemyError:  # the database is away: the lease or the reconcile catch up
            log.exception("could not forget %s %s's socket", conn.party, conn.party_id)
            return True

    def close_older(self, party: str, party_id: int, seq: int, reason: str, code: int) -> None:
        sockets = self.hub.sockets_of(party)
        conn = sockets.get(party_id) if sockets is not None else None
        if sockets is not None and conn is not None and conn.seq < seq:
            log.info("%s %s connected on another node; closing this one", party, party_id)
            sockets.close(party_id, reason, code, "replaced by a newer connection")

    def held_anywhere(self, party: str, party_id: int) -> bool:
        return self.registry.holds_any(party, party_id)

    def every_second(self, task: Callable[[], None]) -> None:
        """Run ``task`` about once a second with the upkeep (the device desk delivers the jobs
        queued on other nodes for the agents this node holds)."""
        self._every_second.append(task)

    # ------------------------------------------------------------------ life
    async def start(self) -> None:
        self.roster.heartbeat(self.node_id, self.address)
        self._loop_seen = self.clock()
        self._stop_beating.clear()
        self._beater = threading.Thread(
            target=self._beat_forever, name="cluster-heartbeat", daemon=True
        )
        self._beater.start()
        self._task = asyncio.get_running_loop().create_task(self._upkeep_forever())

    def _beat_forever(self) -> None:
        stuck = False
        while not self._stop_beating.wait(HEARTBEAT_EVERY_S):
            if self.clock() - self._loop_seen > LOOP_STUCK_S:
                if not stuck:
                    log.error("event loop stuck for %.0f s: no more heartbeats", LOOP_STUCK_S)
                stuck = True
                continue
            stuck = False
            try:
                self.roster.heartbeat(
                    self.node_id, self.address, "draining" if self.draining else "serving"
                )
            except Exception:  # the database away: the next beat tries again
                log.exception("heartbeat failed")

    async def stop(self) -> None:
        """Leave the cluster: this node's sockets are gone now (those that reconnected
        elsewhere have newer rows, untouched), and its lease is given up at once."""
        self._stop_beating.set()
        if self._beater is not None:
            await asyncio.to_thread(self._beater.join, 5)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            self._end_node(self.node_id)
        except SQLAlchemyError:
            log.exception("could not leave the cluster cleanly; the lease will run out")

    async def _upkeep_forever(self) -> None:
        while True:
            await asyncio.sleep(UPKEEP_EVERY_S)
            try:
                self.upkeep()
            except Exception:  # the database away for a moment: try again next round
                log.exception("cluster upkeep failed")

    def upkeep(self) -> None:
        now = self._loop_seen = self.clock()
        if now - self._reap_at >= self.lease_s / 2:
            self._reap_at = now
            for dead in self.roster.expired(self.lease_s):
                if dead != self.node_id:
                    log.warning("node %s missed its heartbeats: its sockets are gone", dead)
                    self._end_node(dead)
        if now - self._reconcile_at >= RECONCILE_EVERY_S:
            self._reconcile_at = now
            self.reconcile()
        if now - self._second_at >= EVERY_SECOND_S:
            self._second_at = now
            for task in self._every_second:
                try:
                    task()
                except Exception:  # one task's failure must not stop the heartbeats
                    log.exception("cluster task %r failed", task)

    def _end_node(self, node_id: str) -> None:
        with self.registry.db.session() as session:
            parties = self.registry.drop_node(node_id, session)
            self.roster.mark_gone(node_id, session)
        for party, party_id in parties:  # one node deletes them: the others find no rows
            self.hub.party_gone(party, party_id)

    def reconcile(self) -> None:
        """Close the local sockets the registry no longer gives to this node: replaced by a
        newer one elsewhere (4409, the "replaced" message was lost), or dropped because this
        node was thought dead (1012: reconnect, and be counted again)."""
        mine = {(s.party, s.party_id): s.conn_id for s in self.registry.of_node(self.node_id)}
        for party in ("kiosk", "console", "agent"):
            sockets = self.hub.sockets_of(party)
            if sockets is None:
                continue
            for conn in sockets:
                held = mine.get((party, conn.party_id))
                if held == conn.conn_id:
                    continue
                if held is None and self.registry.holds_any(party, conn.party_id):
                    sockets.close(conn.party_id, "replaced", CLOSE_REPLACED, "replaced elsewhere")
                elif held is None:
                    sockets.close(
                        conn.party_id, "draining", CLOSE_SERVICE_RESTART, "registry lost it"
                    )
                else:  # another socket of the party on this node is newer: Sockets closes it
                    continue
