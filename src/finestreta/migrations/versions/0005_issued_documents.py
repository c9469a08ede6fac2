"""issued documents: verification codes of sealed certificates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:01:22.360022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seal_sha256", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("issued_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("registry_code", sa.String(length=40), nullable=True),
        sa.Column("revoked_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_reason IS NULL)",
            name=op.f("ck_issued_documents_revoked_with_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_issued_documents_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["registry_code"],
            ["registry_entries.code"],
            name=op.f("fk_issued_documents_registry_code_registry_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("code", name=op.f("uq_issued_documents_code")),
    )
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_documents_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issued_documents_issued_at"), ["issued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issued_documents_registry_code"), ["registry_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_issued_documents_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_issued_documents_registry_code"))
        batch_op.drop_index(batch_op.f("ix_issued_documents_issued_at"))
        batch_op.drop_index(batch_op.f("ix_issued_documents_document_id"))

    op.drop_table("issued_documents")
