"""the procedure seam: per-call memory, the record of procedure steps, documents kept for good

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_memory",
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_memory_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("call_id", "owner", "key", name=op.f("pk_call_memory")),
    )
    op.create_table(
        "procedure_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=True),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("procedure", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_steps")),
    )
    with op.batch_alter_table("procedure_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_steps_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_procedure_steps_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_procedure_steps_procedure"), ["procedure"], unique=False
        )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=finestreta.db.UTCDateTime(timezone=True), nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=finestreta.db.UTCDateTime(timezone=True), nullable=False
        )
    op.drop_table("procedure_steps")
    op.drop_table("call_memory")
