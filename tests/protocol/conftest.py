"""The protocol tests: the document and the schema against the code."""

from __future__ import annotations

import pytest

from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.realtime.frames import FrameSet


@pytest.fixture(scope="session")
def frames(tmp_path_factory: pytest.TempPathFactory) -> FrameSet:
    """The frames of a server with the installed procedures, built as the server builds them."""
    url = f"sqlite:///{tmp_path_factory.mktemp('frames') / 'frames.db'}"
    context = build_context(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    context.db.dispose()
    return context.hub.frames
