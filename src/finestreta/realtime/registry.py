"""Who holds which socket across the cluster, and which nodes are alive
(``docs/design/cluster.md`` §4.1, §4.5).

:class:`PartyRegistry`: one row per party (a booth page ``kiosk``, a ``console``, a device
``agent``) naming the node and connection holding its socket. Every join draws a new ``seq``
from a sequence, so when two reloads land on two nodes at once the row ends with the higher one
and the lower socket is the one closed as replaced, never both.

:class:`NodeRoster`: each node's lease, renewed by a heartbeat stamped with the database's clock
(no skew between nodes); a node whose lease ran out is marked ``gone`` and its registry rows are
dropped, so its parties count as disconnected from the detection on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    and_,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from finestreta.db import Database, UTCDateTime, utcnow
from finestreta.realtime.records import ClusterNodeRow, PartySocketRow

PARTIES = ("kiosk", "console", "agent")
NODE_STATES = ("serving", "draining", "gone")


@dataclass(frozen=True)
class PartySocket:
    party: str
    party_id: int
    node_id: str
    conn_id: str
    seq: int


def _count(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _bound_now(offset_s: float = 0.0) -> ColumnElement[object]:
    return literal(utcnow() + timedelta(seconds=offset_s), type_=UTCDateTime())


def _socket(row: PartySocketRow) -> PartySocket:
    return PartySocket(row.party, row.party_id, row.node_id, row.conn_id, row.seq)


class PartyRegistry:
    """The ``party_sockets`` table. Methods take an optional session so that a join can share
    the presence command's transaction; without one they commit on their own."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._postgres = db.engine.dialect.name == "postgresql"

    def join(
        self,
        party: str,
        party_id: int,
        node_id: str,
        conn_id: str,
        session: Session | None = None,
    ) -> int:
        """Records that ``conn_id`` on ``node_id`` holds ``party``'s socket now; returns its
        seq, higher than any seq drawn before. Whoever holds an older socket of the party must
        close it (``Bus.close`` with this seq)."""
        if party not in PARTIES:
            raise ValueError(f"unknown party {party!r}")
        values = {
            "party": party,
            "party_id": party_id,
            "node_id": node_id,
            "conn_id": conn_id,
            "opened_at": utcnow(),
        }
        if self._postgres:
            # drawn again in the UPDATE (after the row lock): the last join to take the row
            # lock is the last to write it and carries the highest seq
            nextval: ColumnElement[int] = func.nextval("party_socket_seq")
            pg = postgresql.insert(PartySocketRow).values(**values, seq=nextval)
            statement = pg.on_conflict_do_update(
                index_elements=["party", "party_id"],
                set_={
                    "node_id": pg.excluded.node_id,
                    "conn_id": pg.excluded.conn_id,
                    "opened_at": pg.excluded.opened_at,
                    "seq": func.nextval("party_socket_seq"),
                },
            ).returning(PartySocketRow.seq)
        else:
            # SQLite: one node, one writer at a time; the highest seq in the table plus one
            # (a number may come back after the row holding it left: harmless on one node)
            highest = select(func.coalesce(func.max(PartySocketRow.seq), 0) + 1).scalar_subquery()
            lite = sqlite.insert(PartySocketRow).values(**values, seq=highest)
            statement = lite.on_conflict_do_update(
                index_elements=["party", "party_id"],
                set_={
                    "node_id": lite.excluded.node_id,
                    "conn_id": lite.excluded.conn_id,
                    "opened_at": lite.excluded.opened_at,
                    "seq": lite.excluded.seq,
                },
            ).returning(PartySocketRow.seq)
        if session is not None:
            return int(session.execute(statement).scalar_one())
        with self.db.session() as own:
            return int(own.execute(statement).scalar_one())

    def leave(
        self, party: str, party_id: int, conn_id: str, session: Session | None = None
    ) -> bool:
        """Forgets ``conn_id``'s socket; False when a newer socket had replaced it (its row
        names another connection), so the party did not leave."""
        statement = delete(PartySocketRow).where(
            PartySocketRow.party == party,
            PartySocketRow.party_id == party_id,
            PartySocketRow.conn_id == conn_id,
        )
        if session is not None:
            return _count(session.execute(statement)) > 0
        with self.db.session() as own:
            return _count(own.execute(statement)) > 0

    def holder(self, party: str, party_id: int) -> PartySocket | None:
        with self.db.session() as session:
            row = session.get(PartySocketRow, (party, party_id))
            return None if row is None else _socket(row)

    def holds_any(self, party: str, party_id: int) -> bool:
        """Whether ``party`` has a socket on any node (one primary-key lookup)."""
        return self.holder(party, party_id) is not None

    def of_node(self, node_id: str) -> list[PartySocket]:
        """The sockets the registry gives to ``node_id`` (the reconcile compares them with the
        node's own: a local socket missing here, or with another conn_id, was replaced)."""
        with self.db.session() as session:
            rows = session.scalars(
                select(PartySocketRow)
                .where(PartySocketRow.node_id == node_id)
                .order_by(PartySocketRow.party, PartySocketRow.party_id)
            ).all()
            return [_socket(row) for row in rows]

    def drop_node(self, node_id: str, session: Session | None = None) -> list[tuple[str, int]]:
        """Forgets every socket of a dead node; returns their parties (they are gone now).
        Parties that already reconnected elsewhere have a row of another node, untouched."""
        statement = (
            delete(PartySocketRow)
            .where(PartySocketRow.node_id == node_id)
            .returning(PartySocketRow.party, PartySocketRow.party_id)
        )
        if session is not None:
            return sorted((p, i) for p, i in session.execute(statement).tuples())
        with self.db.session() as own:
            return sorted((p, i) for p, i in own.execute(statement).tuples())


class NodeRoster:
    """The ``cluster_nodes`` table: leases by the database's clock."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._postgres = db.engine.dialect.name == "postgresql"

    def _now(self) -> ColumnElement[object]:
        # clock_timestamp(), not now(): now() is the transaction's start
        if self._postgres:
            return func.clock_timestamp()
        # SQLite is one node on this machine: the process's clock is the database's
        return _bound_now()

    def heartbeat(self, node_id: str, address: str, state: str = "serving") -> None:
        """Renews ``node_id``'s lease (creating it on the first beat) and records its state."""
        if state not in NODE_STATES:
            raise ValueError(f"unknown node state {state!r}")
        now = self._now()
        values = {
            "node_id": node_id,
            "address": address,
            "started_at": now,
            "heartbeat_at": now,
            "state": state,
        }
        insert = postgresql.insert if self._postgres else sqlite.insert
        statement = insert(ClusterNodeRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["node_id"],
            set_={
                "address": statement.excluded.address,
                "heartbeat_at": statement.excluded.heartbeat_at,
                "state": statement.excluded.state,
            },
        )
        with self.db.session() as session:
            session.execute(statement)

    def expired(self, lease_s: float) -> list[str]:
        """Nodes not gone whose last heartbeat is older than ``lease_s`` seconds."""
        if self._postgres:
            limit: ColumnElement[object] = func.clock_timestamp() - func.make_interval(
                0, 0, 0, 0, 0, 0, lease_s
            )
        else:
            limit = _bound_now(-lease_s)
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(ClusterNodeRow.node_id)
                    .where(
                        and_(ClusterNodeRow.state != "gone", ClusterNodeRow.heartbeat_at < limit)
                    )
                    .order_by(ClusterNodeRow.node_id)
                ).all()
            )

    def mark_gone(self, node_id: str, session: Session | None = None) -> None:
        statement = (
            update(ClusterNodeRow).where(ClusterNodeRow.node_id == node_id).values(state="gone")
        )
        if session is not None:
            session.execute(statement)
            return
        with self.db.session() as own:
            own.execute(statement)

    def states(self) -> dict[str, str]:
        """Every node's state, by id (health and tests)."""
        with self.db.session() as session:
            rows = session.execute(select(ClusterNodeRow.node_id, ClusterNodeRow.state)).tuples()
            return dict(rows.all())
