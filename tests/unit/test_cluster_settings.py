"""Cluster mode's settings (``config.py``): a Redis URL means several nodes, which need one
PostgreSQL database; a bad URL stops the start with the setting named, never the password."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from finestreta.config import Settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_no_redis_url_is_one_node() -> None:
    settings = Settings(database_url="sqlite:///var/x.db")
    assert not settings.clustered


def test_a_redis_url_on_postgresql_is_cluster_mode() -> None:
    settings = Settings(database_url=PG, redis_url="redis://127.0.0.1:6379/0")
    assert settings.clustered
    assert settings.node_lease_seconds == 3.0 and settings.cluster_poll_seconds == 1.0


def test_a_redis_url_with_sqlite_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs FINESTRETA_DATABASE_URL on PostgreSQL"):
        Settings(database_url="sqlite:///var/x.db", redis_url="redis://127.0.0.1:6379/0")


def test_a_bad_redis_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(database_url=PG, redis_url="http://:hunter2secret@cache:6379")
    assert "FINESTRETA_REDIS_URL must start with redis://" in str(refused.value)
    assert "hunter2secret" not in str(refused.value)
    assert "hunter2secret" not in repr(
        Settings(database_url=PG, redis_url="redis://:hunter2secret@c")
    )
