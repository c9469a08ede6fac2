"""One migrated database per backend for the whole registry suite (SQLite, and PostgreSQL when
FINESTRETA_TEST_DATABASE_URL is set): entries cannot be deleted, so instead of a fresh database
per test, each test numbers in a registry of its own (``registry``), which starts at 1."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from finestreta.accounts.models import Kiosk, Site, StaffUser
from finestreta.attention.records import AttentionRequestRow, CallRow
from finestreta.db import Database
from finestreta.migrate import upgrade
from finestreta.registry import RegistryEntry, register
from tests.conftest import postgres_schema

TZ = "Europe/Madrid"


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def registry_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.db'}"
        upgrade(url)
        database = Database(url)
        yield database
        database.dispose()
        return
    with postgres_schema("r") as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture
def registry(request: pytest.FixtureRequest) -> str:
    """A registry name of this test's own (numbers in it start at 1)."""
    return "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]


def entry_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "direction": "in",
        "party_name": "Anna Puig i Soler",
        "party_document": ("nif", "12345678Z"),
        "subject": "Sol·licitud de certificat d'empadronament",
        "summary": "Per a la matrícula escolar.",
        "destination_unit": "Padró d'habitants",
        "created_by": "clerk:1",
        "tz": TZ,
    }
    fields.update(overrides)
    return fields


def register_one(db: Database, **overrides: Any) -> RegistryEntry:
    """Register in a transaction of its own (committed)."""
    with db.session() as session:
        return register(session, **entry_fields(**overrides))


def make_call(db: Database) -> str:
    """A call (with its clerk, booth, site and request) to register entries in."""
    tag = uuid.uuid4().hex[:10]
    now = datetime.now(UTC)
    with db.session() as session:
        site = Site(name=f"Site {tag}", address="")
        clerk = StaffUser(username=f"c{tag}", display_name="Clerk", password_hash="-", role="clerk")
        session.add_all([site, clerk])
        session.flush()
        kiosk = Kiosk(code=f"k{tag}", name="Booth", site_id=site.id, secret_hash="-")
        session.add(kiosk)
        session.flush()
        request = AttentionRequestRow(
            id=f"r{tag}",
            seq=int(tag, 16) % 2_000_000_000,
            kiosk_id=kiosk.id,
            language="ca",
            topic="general",
            state="in_call",
            created_at=now,
        )
        session.add(request)
        session.flush()
        call = CallRow(
            id=f"c{tag}",
            request_id=request.id,
            kiosk_id=kiosk.id,
            clerk_id=clerk.id,
            state="active",
            started_at=now,
        )
        session.add(call)
        return call.id
