"""identity checks: how the clerk accepted the citizen's identity during a call

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 03:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=False),
        sa.Column("document_number", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("scan_document_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("surnames", sa.String(length=150), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_checks")),
    )
    with op.batch_alter_table("identity_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_checks_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_checks_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_checks_clerk_id"), ["clerk_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_identity_checks_document_number"), ["document_number"], unique=False
        )


def downgrade() -> None:
    op.drop_table("identity_checks")
