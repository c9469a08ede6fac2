"""Tables of the realtime layer across nodes (``docs/design/cluster.md`` §4.1, §4.5): which node
holds each party's socket, and the nodes' leases. Migration 0020."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime


class PartySocketRow(Base):
    """The one socket of a booth page (``kiosk``), console or device agent in the whole
    cluster. ``seq`` grows with every join (sequence ``party_socket_seq`` on PostgreSQL): the
    higher one is the newer socket, the lower one is closed as replaced."""

    __tablename__ = "party_sockets"
    party: Mapped[str] = mapped_column(String(10), primary_key=True)
    party_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_id: Mapped[str] = mapped_column(String(200), index=True)
    conn_id: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClusterNodeRow(Base):
    """A node's lease: ``heartbeat_at`` by the database's clock; ``state`` is ``serving``,
    ``draining`` or ``gone`` (its lease expired, or it stopped)."""

    __tablename__ = "cluster_nodes"
    node_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    address: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10))
