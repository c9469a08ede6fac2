"""Signature tests use the root ``db`` fixture (SQLite and PostgreSQL) over a faster
``database_url``: migrated once per session, each test starts with no signatures (a copied
SQLite file; truncated tables in a PostgreSQL schema of our own). Pads, strokes and calls are
made here."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from finestreta.accounts.models import Kiosk, Site, StaffUser
from finestreta.attention.records import AttentionRequestRow, CallRow
from finestreta.db import Database
from finestreta.signatures import Signature, SignatureKey
from tests.conftest import copy_of, migrated_sqlite, postgres_schema

EMPTIED = ("signature_accesses", "signature_requests", "office_hours")
NOW = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
DOCUMENT = "ab" * 32  # the SHA-256 of the document shown
KEY = SignatureKey("a test signature key of at least 32 characters")


@pytest.fixture(scope="session")
def signatures_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite(tmp_path_factory.mktemp("signatures") / "template.db")


@pytest.fixture(scope="session")
def signatures_postgres() -> Iterator[tuple[str, Engine]]:
    with postgres_schema("s") as url:
        engine = create_engine(url)
        yield url, engine
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database with no signatures (same contract as the root fixture)."""
    if request.param == "sqlite":
        return copy_of(request.getfixturevalue("signatures_sqlite_template"), tmp_path)
    url, engine = request.getfixturevalue("signatures_postgres")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(EMPTIED)} RESTART IDENTITY"))
    return str(url)


def pad(strokes: Any, width: float = 600, height: float = 240) -> dict[str, Any]:
    return {"width": width, "height": height, "strokes": strokes}


def scribble(points: int = 40, *, t0: float = 0.0, y: float = 120.0) -> list[list[float]]:
    """A wavy stroke across the pad, one point every 16 ms."""
    return [
        [50 + i * 500 / points, y + 40 * math.sin(i * 0.3), t0 + 16 * i, 0.4 + (i % 5) / 10]
        for i in range(points)
    ]


def stored_paths(signature: Signature) -> list[list[list[float]]]:
    """The strokes' x, y as the row keeps them (JSON lists)."""
    return [[[x, y] for x, y in path] for path in signature.paths()]


def official(db: Database, *, habilitated: bool = True, active: bool = True) -> int:
    """A staff account, in the register of habilitated officials or not: its id."""
    tag = uuid.uuid4().hex[:10]
    with db.session() as session:
        user = StaffUser(
            username=f"o{tag}",
            display_name=f"Official {tag}",
            password_hash="-",
            role="clerk",
            habilitated=habilitated,
            active=active,
        )
        session.add(user)
        session.flush()
        return user.id


def make_call(db: Database, *, state: str = "active") -> tuple[str, int]:
    """A call (with its clerk, booth, site and request): its id and its clerk's id."""
    tag = uuid.uuid4().hex[:10]
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
            created_at=NOW,
        )
        session.add(request)
        session.flush()
        session.add(
            CallRow(
                id=f"c{tag}",
                request_id=request.id,
                kiosk_id=kiosk.id,
                clerk_id=clerk.id,
                state=state,
                started_at=NOW,
            )
        )
        return f"c{tag}", clerk.id
