"""signature requests: the procedure and purpose that asked (to tell that procedure when the
document is signed) and the document shown (the draft PDF)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 13:30:00.000000

Nullable: requests opened before this revision (and by tools) name none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signature_requests") as batch:
        batch.add_column(sa.Column("procedure", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("purpose", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("document_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signature_requests") as batch:
        batch.drop_column("document_id")
        batch.drop_column("purpose")
        batch.drop_column("procedure")
