"""population register (padró): persons, addresses, registrations, look-up audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "padro_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("floor", sa.String(length=10), nullable=False),
        sa.Column("door", sa.String(length=10), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_padro_addresses")),
        sa.UniqueConstraint(
            "street", "number", "floor", "door", "postcode", name=op.f("uq_padro_addresses_street")
        ),
    )
    op.create_table(
        "padro_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=True),
        sa.Column("document_number", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_padro_lookups")),
    )
    with op.batch_alter_table("padro_lookups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_padro_lookups_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_padro_lookups_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_padro_lookups_clerk_id"), ["clerk_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_padro_lookups_document_number"), ["document_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_padro_lookups_person_id"), ["person_id"], unique=False)

    op.create_table(
        "padro_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=False),
        sa.Column("document_number", sa.String(length=20), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("surnames", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("birth_place", sa.String(length=200), nullable=False),
        sa.Column("nationality", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_padro_persons")),
        sa.UniqueConstraint(
            "document_type", "document_number", name=op.f("uq_padro_persons_document_type")
        ),
    )
    op.create_table(
        "padro_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("end_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["padro_addresses.id"],
            name=op.f("fk_padro_registrations_address_id_padro_addresses"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["padro_persons.id"],
            name=op.f("fk_padro_registrations_person_id_padro_persons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_padro_registrations")),
    )
    with op.batch_alter_table("padro_registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_padro_registrations_address_open", ["address_id", "to_date"], unique=False
        )
        batch_op.create_index(
            "ix_padro_registrations_person", ["person_id", "from_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("padro_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_padro_registrations_person")
        batch_op.drop_index("ix_padro_registrations_address_open")

    op.drop_table("padro_registrations")
    op.drop_table("padro_persons")
    with op.batch_alter_table("padro_lookups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_padro_lookups_person_id"))
        batch_op.drop_index(batch_op.f("ix_padro_lookups_document_number"))
        batch_op.drop_index(batch_op.f("ix_padro_lookups_clerk_id"))
        batch_op.drop_index(batch_op.f("ix_padro_lookups_call_id"))
        batch_op.drop_index(batch_op.f("ix_padro_lookups_at"))

    op.drop_table("padro_lookups")
    op.drop_table("padro_addresses")
