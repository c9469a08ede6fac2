"""Running Alembic from code: ``upgrade(url)`` brings a database to the newest schema.

The platform's migrations are one linear history (``migrations/versions``); a procedure with
tables of its own keeps its migrations in its package (``<procedure>/migrations``), as a branch
labelled with its name that depends on the platform revision it needs. ``upgrade`` takes every
head, so each procedure's branch and the platform's move together.

Several nodes may start at once on one PostgreSQL database: ``upgrade`` serialises them with a
transaction-level advisory lock, so the first migrates and the others then find the schema
current and do nothing (docs/design/cluster.md §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from finestreta.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, extra: Sequence[Path] = ()) -> Config:
    """``extra``: the migration folders of procedures with tables of their own."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [MIGRATIONS / "versions", *extra]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def procedure_migrations(procedures: Sequence[Any] | None = None) -> list[Path]:
    """The migration folders of ``procedures`` (default: those the settings choose)."""
    if procedures is None:
        from finestreta.config import get_settings
        from finestreta.procedures import registry

        procedures = registry.load(get_settings().procedures)
    return [p.migrations for p in procedures if p.migrations is not None]


# Advisory locks are database-wide, so the key names the schema: nodes of one installation
# share it, while tests (one schema each in one database) never wait for each other.
_MIGRATE_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('finestreta:migrate:' || coalesce(current_schema(), '')))"
)


def _serialise(connection: Connection) -> None:
    """On PostgreSQL, wait for any other node's upgrade of this schema to commit. The lock is
    released with the transaction, which holds the whole upgrade (PostgreSQL DDL is
    transactional; env.py runs in the given connection's transaction). SQLite is the embedded,
    one-node database: nothing else starts on its file, so it takes no lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(_MIGRATE_LOCK)


def upgrade(url: str, revision: str = "heads", procedures: Sequence[Any] | None = None) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            _serialise(connection)
            config = alembic_config(url, procedure_migrations(procedures))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def is_current(engine: Engine, procedures: Sequence[Any] | None = None) -> bool:
    config = alembic_config(str(engine.url), procedure_migrations(procedures))
    script = ScriptDirectory.from_config(config)
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())
