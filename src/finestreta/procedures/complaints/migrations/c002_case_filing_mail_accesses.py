"""complaints: documents filed with a case, staff reads of cases (append-only), answer outbox

Revision ID: c002
Revises: c001
Create Date: 2026-12-06 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import finestreta.db

revision = "c002"
down_revision = "c001"
branch_labels = None
depends_on = None

APPEND_ONLY = "complaint case accesses are append-only"  # casework_records.ACCESSES_APPEND_ONLY

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER complaint_case_accesses_no_update BEFORE UPDATE ON complaint_case_accesses
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: UPDATE refused'); END""",
    f"""CREATE TRIGGER complaint_case_accesses_no_delete BEFORE DELETE ON complaint_case_accesses
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: DELETE refused'); END""",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION complaint_case_accesses_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = '{APPEND_ONLY}: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END
    $$""",
    """CREATE TRIGGER complaint_case_accesses_no_change BEFORE UPDATE OR DELETE
    ON complaint_case_accesses FOR EACH ROW
    EXECUTE FUNCTION complaint_case_accesses_append_only()""",
    """CREATE TRIGGER complaint_case_accesses_no_truncate BEFORE TRUNCATE
    ON complaint_case_accesses FOR EACH STATEMENT
    EXECUTE FUNCTION complaint_case_accesses_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "complaint_case_attachments",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_cases.id"],
            name=op.f("fk_complaint_case_attachments_case_id_complaint_cases"),
        ),
        sa.PrimaryKeyConstraint("case_id", "position", name=op.f("pk_complaint_case_attachments")),
    )
    op.create_index(
        op.f("ix_complaint_case_attachments_document_id"),
        "complaint_case_attachments",
        ["document_id"],
        unique=False,
    )
    op.create_table(
        "complaint_case_accesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("view", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_cases.id"],
            name=op.f("fk_complaint_case_accesses_case_id_complaint_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_case_accesses")),
    )
    for column in ("case_id", "staff_id", "at"):
        op.create_index(
            op.f(f"ix_complaint_case_accesses_{column}"),
            "complaint_case_accesses",
            [column],
            unique=False,
        )
    op.create_table(
        "complaint_answer_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", finestreta.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sending_until", finestreta.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_cases.id"],
            name=op.f("fk_complaint_answer_mails_case_id_complaint_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_answer_mails")),
    )
    op.create_index(
        op.f("ix_complaint_answer_mails_case_id"),
        "complaint_answer_mails",
        ["case_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_complaint_answer_mails_sent_at"),
        "complaint_answer_mails",
        ["sent_at"],
        unique=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("complaint_answer_mails")
    op.drop_table("complaint_case_accesses")  # its indexes and triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION complaint_case_accesses_append_only()")
    op.drop_table("complaint_case_attachments")
