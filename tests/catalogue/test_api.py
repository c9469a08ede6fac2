"""The catalogue over HTTP: clerks and paired booths may read it, nobody else."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.catalogue.conftest import BoothClient, StaffClient

from finestreta.catalogue import seed_demo
from finestreta.context import AppContext
from finestreta.db import Database

PATHS = ["/api/catalogue?q=padro", "/api/catalogue/volant-padro-individual"]


@pytest.fixture
def demo(db: Database) -> None:
    with db.session() as session:
        assert seed_demo(session).ok


@pytest.mark.usefixtures("demo")
def test_access(
    client: TestClient,
    staff_client: StaffClient,
    booth_client: BoothClient,
) -> None:
    seen: dict[str, list[int]] = {}
    for who, browser in (
        ("anonymous", client),
        ("clerk", staff_client("anna")),
        ("admin", staff_client("root", "admin")),
        ("booth", booth_client("casa-del-mig")),
    ):
        seen[who] = [browser.get(path).status_code for path in PATHS]
    assert seen == {
        "anonymous": [401, 401],
        "clerk": [200, 200],
        "admin": [200, 200],
        "booth": [200, 200],
    }
    refused = client.get(PATHS[0]).json()
    assert refused == {
        "ok": False,
        "error": {"code": "unauthorized", "message": "Log in or pair the booth first"},
    }


@pytest.mark.usefixtures("demo")
def test_search_returns_entries_with_highlights(
    booth_client: BoothClient,
) -> None:
    booth = booth_client()
    body = booth.get("/api/catalogue", params={"q": "volant colectiu", "lang": "ca"}).json()
    # "colectiu" (one l) is not "col·lectiu": a typo finds nothing
    assert body["ok"] is True and body["total"] == 0
    body = booth.get("/api/catalogue", params={"q": "Volant COL", "lang": "ca"}).json()
    first = body["results"][0]
    assert first["slug"] == "volant-padro-collectiu"
    title = first["title"]
    assert [title[a:b] for a, b in first["highlights"]["title"]] == ["Volant", "col"]
    assert first["category"] == "census" and first["category_label"] == "Padró"
    assert {"id": "booth", "label": "Aquesta cabina (atenció per vídeo)"} in first["channels"]
    assert body["words"] == ["volant", "col"]
    body = booth.get("/api/catalogue", params={"q": "padron", "lang": "es"}).json()
    assert body["results"][0]["slug"] == "alta-padro" and body["lang"] == "es"
    assert body["results"][0]["title"] == "Alta en el padrón (empadronamiento)"


@pytest.mark.usefixtures("demo")
def test_an_empty_query_lists_categories(staff_client: StaffClient) -> None:
    clerk = staff_client()
    body = clerk.get("/api/catalogue", params={"lang": "en", "limit": 5}).json()
    assert body["total"] >= 30 and len(body["results"]) == 5
    assert body["categories"][0] == {"id": "census", "label": "Census register", "count": 6}
    assert sum(c["count"] for c in body["categories"]) == body["total"]
    taxes = clerk.get("/api/catalogue", params={"category": "taxes", "limit": 100}).json()
    assert {r["category"] for r in taxes["results"]} == {"taxes"}


@pytest.mark.usefixtures("demo")
def test_one_entry(staff_client: StaffClient) -> None:
    clerk = staff_client()
    body = clerk.get("/api/catalogue/ibi", params={"lang": "en"}).json()
    entry = body["entry"]
    assert entry["title"] == "Property tax (IBI)" and entry["lang"] == "en"
    assert entry["free"] is False and "fiscal ordinance" in entry["fees"]
    assert entry["requirements"] and entry["links"][0]["url"].startswith("https://")
    assert entry["fallback"] == []
    free = clerk.get("/api/catalogue/alta-padro", params={"lang": "ca"}).json()["entry"]
    assert free["fees"] == "Gratuït"
    missing = clerk.get("/api/catalogue/no-such-thing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_bad_parameters_are_refused(staff_client: StaffClient) -> None:
    clerk = staff_client()
    for params in ({"lang": "fr"}, {"limit": 0}, {"q": "x" * 201}, {"category": "parking"}):
        response = clerk.get("/api/catalogue", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "invalid"


def test_the_api_sees_a_new_import(
    db: Database, app: FastAPI, staff_client: StaffClient, tmp_path: Path
) -> None:
    clerk = staff_client()
    assert clerk.get("/api/catalogue", params={"q": "gual"}).json()["total"] == 0
    ctx: AppContext = app.state.ctx  # the clerk's browser talks to this app
    from finestreta.catalogue import DEMO_CATALOGUE, catalogue_of

    report = catalogue_of(ctx).import_file(DEMO_CATALOGUE)
    assert report.ok and len(report.added) >= 30
    assert clerk.get("/api/catalogue", params={"q": "gual"}).json()["total"] == 1
