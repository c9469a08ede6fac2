"""Database tests use the root fixtures (``database_url``: SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 still, with cheap parameters: default ones cost ~0.2 s per hash or check."""
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
