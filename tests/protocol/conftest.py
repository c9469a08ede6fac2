"""The protocol tests: the document and the schema against the code."""

from __future__ import annotations

import pytest

from finestreta.config import Settings
from finestreta.context import AppContext, build_context
from finestreta.realtime.frames import FrameSet


@pytest.fixture(scope="session")
def server_context(tmp_path_factory: pytest.TempPathFactory) -> AppContext:
    """A server's context with the installed procedures, built as ``finestreta serve`` builds
    it (nothing runs: its hub is not started)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('context') / 'context.db'}"
    context = build_context(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    context.db.dispose()
    return context


@pytest.fixture(scope="session")
def frames(server_context: AppContext) -> FrameSet:
    """Every frame of that server: the platform's and those its procedures add."""
    return server_context.hub.frames
