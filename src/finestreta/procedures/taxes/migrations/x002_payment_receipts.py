"""the taxes procedure: one sealed payment receipt per paid order

Revision ID: x002
Revises: x001
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "x002"
down_revision = "x001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tax_payment_receipts",
        sa.Column("order_number", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("issued_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_number", name=op.f("pk_tax_payment_receipts")),
    )


def downgrade() -> None:
    op.drop_table("tax_payment_receipts")
