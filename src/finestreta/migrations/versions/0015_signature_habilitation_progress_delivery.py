"""signatures: habilitated officials (staff_users.habilitated), when the citizen started
signing (signature_requests.started_at), and when the procedure's hook took the sealed request
(signature_requests.delivered_at)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:10:00.000000

``habilitated`` is false for existing accounts: the city registers its habilitated officials
(Ley 39/2015 art. 12.3) with ``finestreta user habilitate``. Requests sealed before this
revision are marked delivered (their hook ran, or was logged as failing, back then): only the
new ones are re-delivered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(
            sa.Column("habilitated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("signature_requests") as batch:
        for column in ("started_at", "delivered_at"):
            batch.add_column(
                sa.Column(column, finestreta.db.UTCDateTime(timezone=True), nullable=True)
            )
    op.execute("UPDATE signature_requests SET delivered_at = sealed_at WHERE sealed_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("signature_requests") as batch:
        batch.drop_column("delivered_at")
        batch.drop_column("started_at")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("habilitated")
