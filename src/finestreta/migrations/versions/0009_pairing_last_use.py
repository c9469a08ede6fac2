"""booth pairings remember their last use (idle expiry)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosk_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_used_at", finestreta.db.UTCDateTime(timezone=True), nullable=True)
        )
    # a pairing made before this revision counts as used when it was made
    op.execute("UPDATE kiosk_sessions SET last_used_at = created_at")
    with op.batch_alter_table("kiosk_sessions", schema=None) as batch_op:
        batch_op.alter_column(
            "last_used_at", existing_type=finestreta.db.UTCDateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kiosk_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
