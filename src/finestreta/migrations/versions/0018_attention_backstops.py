"""attention: partial unique indexes as backstops against double assignment

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 18:05:00.000000

One ringing offer per clerk and per request, one active call per clerk, one live request
(waiting, ringing or in a call) per booth (docs/design/cluster.md §3.1): a bug in the
switchboard or the projection becomes an integrity error instead of a double assignment.

Rows that already break them can only come from such a bug; they are ended first, keeping the
newest of each group, as start-up would end them:
- an older ringing offer is ``expired`` now, with its ``offer_ended`` event in the log (what
  ``AttentionStore.load`` records for every offer that died with the previous process), and
  its request waits again unless a newer offer for it still rings;
- an older active call of the same clerk is ``ended`` by ``system`` and its request ``served``;
- an older live request of the same booth is ``abandoned``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

LIVE_REQUEST = "state IN ('waiting', 'ringing', 'in_call')"
RINGING_OFFER = "state = 'ringing'"
ACTIVE_CALL = "state = 'active'"

_requests = sa.table(
    "attention_requests",
    sa.column("id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("kiosk_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("ended_at", sa.DateTime(timezone=True)),
)
_offers = sa.table(
    "offers",
    sa.column("id", sa.String),
    sa.column("request_id", sa.String),
    sa.column("clerk_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("state", sa.String),
    sa.column("ended_at", sa.DateTime(timezone=True)),
)
_calls = sa.table(
    "calls",
    sa.column("id", sa.String),
    sa.column("request_id", sa.String),
    sa.column("clerk_id", sa.Integer),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("state", sa.String),
    sa.column("ended_at", sa.DateTime(timezone=True)),
    sa.column("ended_by", sa.String),
)
_events = sa.table(
    "attention_events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("kind", sa.String),
    sa.column("request_id", sa.String),
    sa.column("call_id", sa.String),
    sa.column("clerk_id", sa.Integer),
    sa.column("kiosk_id", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("note", sa.Text),
)


def _older(rows: Sequence[sa.Row[Any]], key: str) -> list[sa.Row[Any]]:
    """All but the last row (rows come oldest first) of each group sharing ``key``."""
    last: dict[object, sa.Row[Any]] = {}
    for row in rows:
        last[getattr(row, key)] = row
    kept = {id(row) for row in last.values()}
    return [row for row in rows if id(row) not in kept]


def _end_violators() -> None:
    bind = op.get_bind()
    epoch = time.time()
    # aware UTC, what finestreta.db.UTCDateTime binds
    now = datetime.fromtimestamp(epoch, UTC)

    requests = bind.execute(
        sa.select(_requests.c.id, _requests.c.kiosk_id)
        .where(_requests.c.state.in_(("waiting", "ringing", "in_call")))
        .order_by(_requests.c.seq)
    ).all()
    for row in _older(requests, "kiosk_id"):
        bind.execute(
            _requests.update()
            .where(_requests.c.id == row.id)
            .values(state="abandoned", ended_at=now)
        )

    calls = bind.execute(
        sa.select(_calls.c.id, _calls.c.request_id, _calls.c.clerk_id)
        .where(_calls.c.state == "active")
        .order_by(_calls.c.started_at, _calls.c.id)
    ).all()
    for row in _older(calls, "clerk_id"):
        bind.execute(
            _calls.update()
            .where(_calls.c.id == row.id)
            .values(state="ended", ended_at=now, ended_by="system")
        )
        bind.execute(
            _requests.update()
            .where(_requests.c.id == row.request_id)
            .values(state="served", ended_at=now)
        )

    offers = bind.execute(
        sa.select(_offers.c.id, _offers.c.request_id, _offers.c.clerk_id)
        .where(_offers.c.state == "ringing")
        .order_by(_offers.c.created_at, _offers.c.id)
    ).all()
    stale = {row.id: row for row in _older(offers, "clerk_id") + _older(offers, "request_id")}
    for row in stale.values():
        bind.execute(
            _offers.update().where(_offers.c.id == row.id).values(state="expired", ended_at=now)
        )
        # its request waits again, as the projection of ``offer_ended`` has it, unless a newer
        # offer for it still rings
        still_ringing = (
            sa.select(_offers.c.id)
            .where(_offers.c.request_id == row.request_id, _offers.c.state == "ringing")
            .exists()
        )
        bind.execute(
            _requests.update()
            .where(
                _requests.c.id == row.request_id,
                _requests.c.state == "ringing",
                ~still_ringing,
            )
            .values(state="waiting")
        )
        data = {
            "offer_id": row.id,
            "request_id": row.request_id,
            "clerk_id": row.clerk_id,
            "reason": "expired",
            "t": epoch,
        }
        bind.execute(
            _events.insert().values(
                at=now,
                kind="offer_ended",
                request_id=row.request_id,
                call_id=None,
                clerk_id=row.clerk_id,
                kiosk_id=None,
                data=data,
                note="",
            )
        )


def upgrade() -> None:
    _end_violators()
    where = {
        "uq_requests_live_kiosk": ("attention_requests", "kiosk_id", LIVE_REQUEST),
        "uq_offers_ringing_clerk": ("offers", "clerk_id", RINGING_OFFER),
        "uq_offers_ringing_request": ("offers", "request_id", RINGING_OFFER),
        "uq_calls_active_clerk": ("calls", "clerk_id", ACTIVE_CALL),
    }
    for name, (table, column, condition) in where.items():
        op.create_index(
            name,
            table,
            [column],
            unique=True,
            postgresql_where=sa.text(condition),
            sqlite_where=sa.text(condition),
        )


def downgrade() -> None:
    op.drop_index("uq_calls_active_clerk", table_name="calls")
    op.drop_index("uq_offers_ringing_request", table_name="offers")
    op.drop_index("uq_offers_ringing_clerk", table_name="offers")
    op.drop_index("uq_requests_live_kiosk", table_name="attention_requests")
