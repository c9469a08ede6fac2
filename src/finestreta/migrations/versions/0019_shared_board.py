"""attention: the shared board's head, versions on the event log, snapshots

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:40:00.000000

Several nodes share one office through the database (docs/design/cluster.md §3):
``switchboard_head`` is the one row every switchboard command locks (its ``version`` counts the
commands that logged events, ``last_at`` keeps time from going backwards across nodes);
``attention_events.board_version`` says which command logged a row (null: embedded mode, or a
row that is not a switchboard event); ``switchboard_snapshots`` lets a node start from a saved
state and fold only the log after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    head = op.create_table(
        "switchboard_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_switchboard_head")),
    )
    op.bulk_insert(head, [{"id": 1, "version": 0, "last_at": 0.0, "locked_by": None}])
    op.create_table(
        "switchboard_snapshots",
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_switchboard_snapshots")),
    )
    with op.batch_alter_table("attention_events") as batch:
        batch.add_column(sa.Column("board_version", sa.BigInteger(), nullable=True))
        batch.create_index("ix_attention_events_board_version", ["board_version"])


def downgrade() -> None:
    with op.batch_alter_table("attention_events") as batch:
        batch.drop_index("ix_attention_events_board_version")
        batch.drop_column("board_version")
    op.drop_table("switchboard_snapshots")
    op.drop_table("switchboard_head")
