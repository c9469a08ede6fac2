"""signatures: ``signature_requests`` (one per document shown for signing) and the audit of
every read of a signature, ``signature_accesses``

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:05:00.000000

The strokes' x, y are kept in the clear (``paths``), their timing and pressure encrypted
(``timing``, AES-GCM: finestreta/signatures/encryption.py); both are emptied by the retention
purge, the rest of the row stays.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signature_requests",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=250), nullable=False),
        sa.Column("signer_id_type", sa.String(length=10), nullable=False),
        sa.Column("signer_id_number", sa.String(length=20), nullable=False),
        sa.Column("opened_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sealed_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pad_width", sa.Integer(), nullable=True),
        sa.Column("pad_height", sa.Integer(), nullable=True),
        sa.Column("paths", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("timing", sa.LargeBinary(), nullable=True),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("consent_reason", sa.Text(), nullable=True),
        sa.Column("purged_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_requests")),
    )
    for column in ("call_id", "state", "sealed_at"):
        op.create_index(
            op.f(f"ix_signature_requests_{column}"), "signature_requests", [column], unique=False
        )
    op.create_table(
        "signature_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=43), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("reader_role", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_accesses")),
    )
    for column in ("at", "request_id", "reader_id"):
        op.create_index(
            op.f(f"ix_signature_accesses_{column}"), "signature_accesses", [column], unique=False
        )


def downgrade() -> None:
    for column in ("reader_id", "request_id", "at"):
        op.drop_index(op.f(f"ix_signature_accesses_{column}"), table_name="signature_accesses")
    op.drop_table("signature_accesses")
    for column in ("sealed_at", "state", "call_id"):
        op.drop_index(op.f(f"ix_signature_requests_{column}"), table_name="signature_requests")
    op.drop_table("signature_requests")
