"""realtime: the cluster-wide party registry (party_sockets) and the node roster (cluster_nodes)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 19:45:00.000000

docs/design/cluster.md §4.1 and §4.5. On PostgreSQL ``party_sockets.seq`` is drawn from the
sequence ``party_socket_seq`` (``PartyRegistry.join``); SQLite has no sequences and runs one
node, so there the registry takes the table's highest seq plus one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "party_sockets",
        sa.Column("party", sa.String(length=10), nullable=False),
        sa.Column("party_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node_id", sa.String(length=200), nullable=False),
        sa.Column("conn_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("party", "party_id", name=op.f("pk_party_sockets")),
    )
    with op.batch_alter_table("party_sockets") as batch:
        batch.create_index(batch.f("ix_party_sockets_node_id"), ["node_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE party_socket_seq")
    op.create_table(
        "cluster_nodes",
        sa.Column("node_id", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("started_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_cluster_nodes")),
    )


def downgrade() -> None:
    op.drop_table("cluster_nodes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE party_socket_seq")
    with op.batch_alter_table("party_sockets") as batch:
        batch.drop_index(batch.f("ix_party_sockets_node_id"))
    op.drop_table("party_sockets")
