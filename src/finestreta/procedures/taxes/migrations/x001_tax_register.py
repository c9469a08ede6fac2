"""the taxes procedure's tax register: taxpayers, receipts, look-up audit (a branch of its own)

Revision ID: x001
Revises:
Create Date: 2026-12-07 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "x001"
down_revision = None
branch_labels = ("taxes",)
depends_on = "0001"  # nothing of the platform's is referenced: any schema will do


def upgrade() -> None:
    op.create_table(
        "tax_taxpayers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nif", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_taxpayers")),
        sa.UniqueConstraint("nif", name=op.f("uq_tax_taxpayers_nif")),
    )
    op.create_table(
        "tax_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=10), nullable=False),
        sa.Column("taxpayer_id", sa.Integer(), nullable=False),
        sa.Column("tax", sa.String(length=8), nullable=False),
        sa.Column("tax_code", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("object_kind", sa.String(length=10), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("object_label", sa.String(length=200), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("voluntary_from", sa.Date(), nullable=False),
        sa.Column("voluntary_until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("domiciled", sa.Boolean(), nullable=False),
        sa.Column("charge_date", sa.Date(), nullable=True),
        sa.Column("enforcement_notified_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=True),
        sa.Column("paid_channel", sa.String(length=20), nullable=True),
        sa.Column("payment_reference", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'enforcement', 'paid', 'cancelled')",
            name=op.f("ck_tax_receipts_state"),
        ),
        sa.CheckConstraint("principal > 0", name=op.f("ck_tax_receipts_principal")),
        sa.CheckConstraint(
            "voluntary_from <= voluntary_until", name=op.f("ck_tax_receipts_voluntary_period")
        ),
        sa.ForeignKeyConstraint(
            ["taxpayer_id"],
            ["tax_taxpayers.id"],
            name=op.f("fk_tax_receipts_taxpayer_id_tax_taxpayers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_receipts")),
        sa.UniqueConstraint("reference", name=op.f("uq_tax_receipts_reference")),
    )
    with op.batch_alter_table("tax_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tax_receipts_taxpayer_id"), ["taxpayer_id"], unique=False
        )
    op.create_table(
        "tax_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("nif", sa.String(length=9), nullable=True),
        sa.Column("reference", sa.String(length=10), nullable=True),
        sa.Column("found", sa.Boolean(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_lookups")),
    )
    with op.batch_alter_table("tax_lookups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tax_lookups_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tax_lookups_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tax_lookups_clerk_id"), ["clerk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tax_lookups_nif"), ["nif"], unique=False)
        batch_op.create_index(batch_op.f("ix_tax_lookups_reference"), ["reference"], unique=False)


def downgrade() -> None:
    op.drop_table("tax_lookups")
    op.drop_table("tax_receipts")
    op.drop_table("tax_taxpayers")
