"""street register: streets and the addresses along them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "streets",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("search_key", sa.String(length=220), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_streets")),
    )
    op.create_table(
        "street_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street_code", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("floor", sa.String(length=10), nullable=False),
        sa.Column("door", sa.String(length=10), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("cadastral_reference", sa.String(length=20), nullable=True),
        sa.Column("catalogued", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["street_code"],
            ["streets.code"],
            name=op.f("fk_street_addresses_street_code_streets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_addresses")),
        sa.UniqueConstraint(
            "cadastral_reference", name=op.f("uq_street_addresses_cadastral_reference")
        ),
        sa.UniqueConstraint(
            "street_code", "number", "floor", "door", name=op.f("uq_street_addresses_street_code")
        ),
    )
    with op.batch_alter_table("street_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_street_addresses_street_code"), ["street_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("street_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_addresses_street_code"))
    op.drop_table("street_addresses")
    op.drop_table("streets")
