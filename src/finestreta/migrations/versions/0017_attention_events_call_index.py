"""attention_events: an index on call_id

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 17:20:00.000000

``event_log.read_log`` fetches the wrap-ups of a period's calls by ``call_id`` (a wrap-up names
its call, not its request), 500 ids at a time. Without an index each chunk scanned the whole
table: the pilot report over a year of 50 booths (~700,000 events) spent minutes there
(bench/report.py).
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attention_events") as batch:
        batch.create_index("ix_attention_events_call", ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attention_events") as batch:
        batch.drop_index("ix_attention_events_call")
