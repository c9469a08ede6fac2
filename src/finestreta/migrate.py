"""Running Alembic from code: ``upgrade(url)`` brings a database to the newest schema.

The platform's migrations are one linear history (``migrations/versions``); a procedure with
tables of its own keeps its migrations in its package (``<procedure>/migrations``), as a branch
labelled with its name that depends on the platform revision it needs. ``upgrade`` takes every
head, so each procedure's branch and the platform's move together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

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


def upgrade(url: str, revision: str = "heads", procedures: Sequence[Any] | None = None) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
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
