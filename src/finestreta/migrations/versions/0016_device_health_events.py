"""devices: the history of booth device states (device_health_events)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:40:00.000000

One row each time a device of a booth changes state (printer, scanner, camera, microphone, the
device agent's connection); the pilot report's device incidents are folded from it. Booths keep
no history from before this revision: their first report after it opens the record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_health_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_device_health_events_kiosk_id_kiosks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_health_events")),
    )
    with op.batch_alter_table("device_health_events") as batch:
        batch.create_index(batch.f("ix_device_health_events_at"), ["at"], unique=False)
        batch.create_index(batch.f("ix_device_health_events_kiosk_id"), ["kiosk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("device_health_events") as batch:
        batch.drop_index(batch.f("ix_device_health_events_kiosk_id"))
        batch.drop_index(batch.f("ix_device_health_events_at"))
    op.drop_table("device_health_events")
