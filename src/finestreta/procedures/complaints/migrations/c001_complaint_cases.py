"""the complaints procedure's cases and their append-only history (a branch of its own)

Revision ID: c001
Revises:
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "c001"
down_revision = None
branch_labels = ("complaints",)
depends_on = "0001"  # nothing of the platform's is referenced: any schema will do

APPEND_ONLY = "complaint case events are append-only"  # records.EVENTS_APPEND_ONLY

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER complaint_case_events_no_update BEFORE UPDATE ON complaint_case_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: UPDATE refused'); END""",
    f"""CREATE TRIGGER complaint_case_events_no_delete BEFORE DELETE ON complaint_case_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: DELETE refused'); END""",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION complaint_case_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = '{APPEND_ONLY}: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END
    $$""",
    """CREATE TRIGGER complaint_case_events_no_change BEFORE UPDATE OR DELETE
    ON complaint_case_events FOR EACH ROW EXECUTE FUNCTION complaint_case_events_append_only()""",
    """CREATE TRIGGER complaint_case_events_no_truncate BEFORE TRUNCATE ON complaint_case_events
    FOR EACH STATEMENT EXECUTE FUNCTION complaint_case_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "complaint_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("case_type", sa.String(length=20), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("public_description", sa.Text(), nullable=True),
        sa.Column("street_code", sa.String(length=20), nullable=True),
        sa.Column("street_number", sa.String(length=20), nullable=True),
        sa.Column("address_label", sa.String(length=300), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("registry_code", sa.String(length=40), nullable=True),
        sa.Column("call_id", sa.String(length=32), nullable=True),
        sa.Column("received_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('received', 'assigned', 'in_progress', 'answered', 'closed')",
            name=op.f("ck_complaint_cases_state"),
        ),
        sa.CheckConstraint(
            "(street_code IS NOT NULL AND place IS NULL) OR "
            "(street_code IS NULL AND place IS NOT NULL)",
            name=op.f("ck_complaint_cases_one_location"),
        ),
        sa.CheckConstraint(
            "anonymous OR contact_email IS NOT NULL OR contact_phone IS NOT NULL",
            name=op.f("ck_complaint_cases_contact_or_anonymous"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_cases")),
        sa.UniqueConstraint("code", name=op.f("uq_complaint_cases_code")),
    )
    for column in ("case_type", "theme", "state", "unit", "handler_id", "call_id"):
        op.create_index(
            op.f(f"ix_complaint_cases_{column}"), "complaint_cases", [column], unique=False
        )
    op.create_index(
        op.f("ix_complaint_cases_received_at"), "complaint_cases", ["received_at"], unique=False
    )
    op.create_index(op.f("ix_complaint_cases_due_on"), "complaint_cases", ["due_on"], unique=False)
    op.create_table(
        "complaint_case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_role", sa.String(length=20), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_cases.id"],
            name=op.f("fk_complaint_case_events_case_id_complaint_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_case_events")),
    )
    op.create_index(
        op.f("ix_complaint_case_events_case_id"),
        "complaint_case_events",
        ["case_id"],
        unique=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("complaint_case_events")  # its indexes and triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION complaint_case_events_append_only()")
    op.drop_table("complaint_cases")
