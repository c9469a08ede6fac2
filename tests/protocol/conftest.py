"""The protocol tests: the document and the schema against the code (``test_docs``,
``test_schema``), a booth and a console written from the document alone against the real server
(``test_by_the_document``), and resuming from a fresh ``hello`` (``test_resume``).

The in-process app and its browsers are those of ``tests/api`` (imported here so that pytest
finds them), on SQLite only: what these tests look at is the protocol, not the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from finestreta.config import Settings
from finestreta.context import AppContext, build_context
from finestreta.realtime.frames import FrameSet
from tests.api.conftest import (  # noqa: F401 (fixtures)
    app,
    booth_browser,
    browser,
    cheap_hashing,
    clerk_browser,
    client,
    ctx,
    settings,
)
from tests.conftest import copy_of, migrated_sqlite


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite(tmp_path_factory.mktemp("template") / "template.db")


@pytest.fixture
def database_url(migrated: Path, tmp_path: Path) -> str:
    return copy_of(migrated, tmp_path)


@pytest.fixture(scope="session")
def server_context(tmp_path_factory: pytest.TempPathFactory) -> AppContext:
    """A server's context with the installed procedures, built as ``finestreta serve`` builds
    it (nothing runs: its hub is not started)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('context') / 'context.db'}"
    context = build_context(Settings(_env_file=None, database_url=url))
    context.db.dispose()
    return context


@pytest.fixture(scope="session")
def frames(server_context: AppContext) -> FrameSet:
    """Every frame of that server: the platform's and those its procedures add."""
    return server_context.hub.frames
