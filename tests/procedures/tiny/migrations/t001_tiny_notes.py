"""the tiny procedure's table, on a branch of its own that needs the platform's 0008

Revision ID: t001
Revises:
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t001"
down_revision = None
branch_labels = ("tiny",)
depends_on = "0008"


def upgrade() -> None:
    op.create_table(
        "tiny_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tiny_notes")),
    )


def downgrade() -> None:
    op.drop_table("tiny_notes")
