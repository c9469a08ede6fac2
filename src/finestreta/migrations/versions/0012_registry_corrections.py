"""registry corrections: ``registry_entries.corrects`` and the ``registry_attachments`` table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:50:00.000000

A correction is a new entry whose ``corrects`` holds the code of the entry it corrects (a
foreign key to ``registry_entries.code``). The column is added with ``ALTER TABLE … ADD
COLUMN`` on both databases, never in SQLite batch mode: a batch copy would drop the
immutability triggers of migration 0003 with the old table.

``registry_attachments`` lists each entry's attached documents by SHA-256 (filled here from the
entries already made), so that the document purge keeps registered files; it is as immutable as
the entries (same triggers).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

IMMUTABLE = "registry attachments are immutable"
FK_NAME = "fk_registry_entries_corrects_registry_entries"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER registry_attachments_no_update BEFORE UPDATE ON registry_attachments
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER registry_attachments_no_delete BEFORE DELETE ON registry_attachments
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}: DELETE refused'); END""",
]
SQLITE_DROPS = [
    "DROP TRIGGER IF EXISTS registry_attachments_no_delete",
    "DROP TRIGGER IF EXISTS registry_attachments_no_update",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION registry_attachments_immutable() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = '{IMMUTABLE}: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END
    $$""",
    """CREATE TRIGGER registry_attachments_no_change BEFORE UPDATE OR DELETE
    ON registry_attachments FOR EACH ROW EXECUTE FUNCTION registry_attachments_immutable()""",
    """CREATE TRIGGER registry_attachments_no_truncate BEFORE TRUNCATE ON registry_attachments
    FOR EACH STATEMENT EXECUTE FUNCTION registry_attachments_immutable()""",
]
POSTGRESQL_DROPS = [
    "DROP TRIGGER IF EXISTS registry_attachments_no_truncate ON registry_attachments",
    "DROP TRIGGER IF EXISTS registry_attachments_no_change ON registry_attachments",
    "DROP FUNCTION IF EXISTS registry_attachments_immutable()",
]


def _dialect() -> str:
    name = op.get_bind().dialect.name
    if name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no registry corrections for {name}")
    return name


def upgrade() -> None:
    dialect = _dialect()
    if dialect == "sqlite":
        # SQLite adds a column with a REFERENCES clause in place; Alembic would want batch mode.
        op.execute(
            "ALTER TABLE registry_entries ADD COLUMN corrects VARCHAR(40) "
            f"CONSTRAINT {FK_NAME} REFERENCES registry_entries (code)"
        )
    else:
        op.add_column("registry_entries", sa.Column("corrects", sa.String(40), nullable=True))
        op.create_foreign_key(
            FK_NAME, "registry_entries", "registry_entries", ["corrects"], ["code"]
        )
    op.create_index(op.f("ix_registry_entries_corrects"), "registry_entries", ["corrects"])

    attachments = op.create_table(
        "registry_attachments",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["registry_entries.id"],
            name=op.f("fk_registry_attachments_entry_id_registry_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "position", name=op.f("pk_registry_attachments")),
    )
    op.create_index(
        op.f("ix_registry_attachments_sha256"), "registry_attachments", ["sha256"], unique=False
    )
    entries = sa.table("registry_entries", sa.column("id"), sa.column("documents", sa.JSON()))
    rows: list[dict[str, Any]] = []
    for entry_id, documents in op.get_bind().execute(sa.select(entries.c.id, entries.c.documents)):
        for position, document in enumerate(documents or []):
            rows.append(
                {"entry_id": entry_id, "position": position, "sha256": document["sha256"].lower()}
            )
    if rows:
        op.bulk_insert(attachments, rows)

    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    dialect = _dialect()
    for statement in SQLITE_DROPS if dialect == "sqlite" else POSTGRESQL_DROPS:
        op.execute(statement)
    op.drop_index(op.f("ix_registry_attachments_sha256"), table_name="registry_attachments")
    op.drop_table("registry_attachments")
    op.drop_index(op.f("ix_registry_entries_corrects"), table_name="registry_entries")
    if dialect == "postgresql":
        op.drop_constraint(FK_NAME, "registry_entries", type_="foreignkey")
    # SQLite (3.35+) drops a column in place; the UPDATE trigger does not name the column.
    op.drop_column("registry_entries", "corrects")
