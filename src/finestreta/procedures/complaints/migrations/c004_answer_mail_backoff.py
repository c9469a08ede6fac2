"""Answer mails: the next attempt's time (back-off) and the moment one was given up

Revision ID: c004
Revises: c003
Create Date: 2026-12-06 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "c004"
down_revision = "c003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_answer_mails") as batch:
        batch.add_column(
            sa.Column("next_attempt_at", finestreta.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("failed_at", finestreta.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_index(op.f("ix_complaint_answer_mails_next_attempt_at"), ["next_attempt_at"])


def downgrade() -> None:
    with op.batch_alter_table("complaint_answer_mails") as batch:
        batch.drop_index(op.f("ix_complaint_answer_mails_next_attempt_at"))
        batch.drop_column("failed_at")
        batch.drop_column("next_attempt_at")
