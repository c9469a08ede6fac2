"""information catalogue: entries and their texts in ca, es and en

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 01:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("channels", sa.String(length=100), nullable=False),
        sa.Column("free", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entries")),
        sa.UniqueConstraint("slug", name=op.f("uq_catalogue_entries_slug")),
    )
    with op.batch_alter_table("catalogue_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_entries_category"), ["category"], unique=False
        )

    op.create_table(
        "catalogue_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("fees", sa.Text(), nullable=False),
        sa.Column("where_when", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalogue_entries.id"],
            name=op.f("fk_catalogue_texts_entry_id_catalogue_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_texts")),
        sa.UniqueConstraint("entry_id", "lang", name=op.f("uq_catalogue_texts_entry_id")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_texts")
    with op.batch_alter_table("catalogue_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_entries_category"))

    op.drop_table("catalogue_entries")
