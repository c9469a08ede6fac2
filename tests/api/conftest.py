"""The real app in-process (Starlette's TestClient drives HTTP and WebSockets)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from finestreta.app import create_app
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from tests.conftest import PASSWORD, Booth

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, build_context(settings, db))


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login",
        data={"username": username, "password": password},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def pair(client: TestClient, booth: Booth) -> None:
    response = client.post(
        "/kiosk/pair",
        data={"code": booth.code, "secret": booth.secret},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
