"""Catalogue tests use the root ``db`` fixture (SQLite and PostgreSQL) over a faster
``database_url``: the schema is migrated once per session, and each test starts from an empty
database (a copied SQLite file; a PostgreSQL schema of our own, emptied).

Also: ``write_catalogue`` (a JSON catalogue file from entries), ``entry_data`` (one valid
entry), an ``app`` with the catalogue router, and ``staff_client`` / ``booth_client``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from tests.conftest import (
    PASSWORD,
    MakeBooth,
    MakeStaff,
    copy_of,
    migrated_sqlite,
    postgres_schema,
)

from finestreta.app import create_app
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from finestreta.models import Base
from finestreta.web import catalogue_api

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture(scope="session")
def catalogue_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite(tmp_path_factory.mktemp("catalogue") / "template.db")


@pytest.fixture(scope="session")
def catalogue_postgres() -> Iterator[tuple[str, Engine]]:
    with postgres_schema("c") as url:
        engine = create_engine(url)
        yield url, engine
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database (same contract as the root fixture)."""
    if request.param == "sqlite":
        return copy_of(request.getfixturevalue("catalogue_sqlite_template"), tmp_path)
    url, engine = request.getfixturevalue("catalogue_postgres")
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # some refuse DELETE
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return str(url)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 still, with cheap parameters: default ones cost ~0.2 s per hash or check."""
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


# -- catalogue files ---------------------------------------------------------------------------


def texts(lang: str, title: str, summary: str, **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title": title, "summary": summary}
    if lang == "ca":
        data |= {"who": "Qualsevol persona.", "where_when": "A l'OAC."}
    return data | more


def entry_data(slug: str = "volant-padro", **changes: Any) -> dict[str, Any]:
    """A valid entry (free, census) whose texts ``changes`` may replace."""
    data: dict[str, Any] = {
        "slug": slug,
        "category": "census",
        "channels": ["booth", "office"],
        "free": True,
        "ca": texts(
            "ca",
            "Volant de padró",
            "Document que diu on esteu empadronat.",
            requirements=["Document d'identitat"],
            links=[{"label": "Seu electrònica", "url": "https://example.org/ca"}],
            keywords=["volant", "padró"],
        ),
        "es": texts("es", "Volante de padrón", "Documento que dice dónde está empadronado."),
        "en": texts("en", "Census note", "A document stating where you are registered."),
    }
    data.update(copy.deepcopy(changes))
    return data


def write_catalogue(path: Path, entries: list[dict[str, Any]], **top: Any) -> Path:
    document = {"format": "finestreta-catalogue/1", "entries": entries, **top}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# -- the app -----------------------------------------------------------------------------------


def with_catalogue(app: FastAPI) -> FastAPI:
    """The app with the catalogue router (unless ``create_app`` already includes it)."""
    if not any(getattr(route, "path", None) == "/api/catalogue" for route in app.routes):
        app.include_router(catalogue_api.router)
    return app


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return with_catalogue(create_app(settings, build_context(settings, db)))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def browser(client: TestClient) -> Iterator[Callable[[], TestClient]]:
    """Another browser (cookies of its own) on the running app's event loop."""
    made: list[TestClient] = []

    def make() -> TestClient:
        other = TestClient(client.app)
        other.portal = client.portal
        made.append(other)
        return other

    yield make
    for other in made:
        other.portal = None
        other.close()


class StaffClient(Protocol):
    """The ``staff_client`` fixture: a new staff user logged in in a browser of their own."""

    def __call__(self, username: str = ..., role: str = ...) -> TestClient: ...


class BoothClient(Protocol):
    """The ``booth_client`` fixture: a new booth paired in a browser of its own."""

    def __call__(self, code: str = ...) -> TestClient: ...


@pytest.fixture
def staff_client(browser: Callable[[], TestClient], make_staff: MakeStaff) -> StaffClient:
    def make(username: str = "anna", role: str = "clerk") -> TestClient:
        make_staff(username, role)
        other = browser()
        response = other.post(
            "/login",
            data={"username": username, "password": PASSWORD},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return other

    return make


@pytest.fixture
def booth_client(browser: Callable[[], TestClient], make_booth: MakeBooth) -> BoothClient:
    def make(code: str = "casa-del-mig") -> TestClient:
        booth = make_booth(code)
        other = browser()
        response = other.post(
            "/kiosk/pair",
            data={"code": booth.code, "secret": booth.secret},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return other

    return make
