"""The public /verify page and /api/verify with the real app: a valid, revoked, unknown and
mistyped code, the document itself, and the rate limit on guessing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from finestreta.app import create_app
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from finestreta.documents.issuing import IssuedCertificate
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.documents.verification import (
    format_code,
    new_code,
    revoke,
)
from finestreta.migrate import upgrade
from finestreta.procedures.census.volant import issue_volant
from finestreta.web import verify
from tests.documents.conftest import ADDRESS, CITY, PERSONS, REQUESTER, TZ


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path_factory.mktemp('verify') / 'verify.db'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def settings(web_db: Database, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=web_db.url,
        storage_dir=str(tmp_path / "documents"),
        public_url="http://testserver",  # TestClient's own address
    )


@pytest.fixture
def client(settings: Settings, web_db: Database) -> Iterator[TestClient]:
    app = create_app(settings, build_context(settings, web_db))
    app.include_router(verify.router)  # until app.py includes it
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def issued(
    client: TestClient, settings: Settings, web_db: Database, seal: Seal, registry: str
) -> IssuedCertificate:
    documents = Documents(BlobStore(settings.documents_dir), 30, 20 * 1024 * 1024)
    with web_db.session() as session:
        return issue_volant(
            session,
            kind="household",
            persons=PERSONS,
            address=ADDRESS,
            requester=REQUESTER,
            city=CITY,
            lang="ca",
            seal=seal,
            documents=documents,
            public_url="http://testserver",
            created_by="clerk:1",
            tz=TZ,
            registry=registry,
            now=datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC),
        )


def typo_of(code: str) -> str:
    last = code[-1]
    return code[:-1] + ("0" if last != "0" else "1")


def test_the_form_speaks_the_citizens_language(client: TestClient) -> None:
    page = client.get("/verify", headers={"accept-language": "es-ES,es;q=0.9"})
    english = client.get("/verify?lang=en")
    assert page.status_code == english.status_code == 200
    assert '<html lang="es">' in page.text and '<html lang="en">' in english.text
    assert 'name="code"' in page.text and 'autocomplete="off"' in page.text
    assert "Verify a document" in english.text
    assert page.headers["cache-control"] == "no-store"


def test_the_form_sends_a_code_on_to_its_page(client: TestClient) -> None:
    code = new_code()
    sent = client.get(f"/verify?code={code.lower()}&lang=en", follow_redirects=False)
    mistyped = client.get(f"/verify?code={typo_of(code)}&lang=en")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/verify/{format_code(code)}?lang=en"
    assert mistyped.status_code == 400 and "typing mistake" in mistyped.text


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Type the verification code"),
        ("ca", "Escriviu el codi de verificació"),
        ("es", "Escriba el código de verificación"),
    ],
)
def test_an_empty_submit_says_what_is_missing(client: TestClient, lang: str, text: str) -> None:
    """Issue 9 #15: the empty form came back as it was, with no word of why."""
    for blank in ("", "%20%20"):
        page = client.get(f"/verify?code={blank}&lang={lang}")
        assert page.status_code == 400
        assert 'role="alert"' in page.text and text in page.text
        assert 'aria-invalid="true"' in page.text


def test_a_valid_code_shows_what_was_issued(client: TestClient, issued: IssuedCertificate) -> None:
    page = client.get(f"/verify/{issued.code.lower().replace('-', ' ')}?lang=en")
    assert page.status_code == 200
    for text in (
        "Authentic document",
        "Proof of registration: household",
        issued.registry_code,
        "05/03/2026 10:07:03 CET",
        issued.code,
        "Intact",
        issued.sha256,
        f'href="/verify/{issued.code}/document"',
    ):
        assert text in page.text, text
    assert page.headers["cache-control"] == "no-store"
    document = client.get(f"/verify/{issued.code}/document")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.content == issued.pdf


def test_the_api_says_the_same(client: TestClient, issued: IssuedCertificate) -> None:
    answer = client.get(f"/api/verify/{issued.code}?lang=es")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert {k: body[k] for k in ("ok", "code", "status", "kind", "title", "registry_number")} == {
        "ok": True,
        "code": issued.code,
        "status": "valid",
        "kind": "household",
        "title": "Volante de convivencia",
        "registry_number": issued.registry_code,
    }
    assert body["issued_at"] == "2026-03-05T09:07:03+00:00" and body["revoked"] is None
    assert body["seal"]["intact"] is body["seal"]["hash_matches"] is True
    assert body["document_url"] == f"/verify/{issued.code}/document"


def test_an_unknown_code_is_not_found_and_says_nothing_else(client: TestClient) -> None:
    code = format_code(new_code())
    page = client.get(f"/verify/{code}?lang=en")
    api = client.get(f"/api/verify/{code}?lang=en")
    document = client.get(f"/verify/{code}/document")
    assert page.status_code == api.status_code == document.status_code == 404
    assert "Code not found" in page.text and "revoked" not in page.text.lower()
    assert api.json() == {
        "ok": False,
        "error": {
            "code": "not_found",
            "message": "No document was issued with this code. Check that it was typed correctly.",
        },
    }


def test_a_mistyped_code_is_told_apart(client: TestClient) -> None:
    code = format_code(new_code())
    page = client.get(f"/verify/{typo_of(code)}?lang=en")
    api = client.get(f"/api/verify/{typo_of(code)}")
    malformed = client.get("/api/verify/ABC-123")
    script = client.get("/verify/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E?lang=en")
    assert page.status_code == api.status_code == malformed.status_code == 400
    assert script.status_code == 400 and "<img src=x" not in script.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in script.text  # echoed into the form, escaped
    assert "This code has a typo" in page.text
    assert api.json()["error"]["code"] == "typo"
    assert malformed.json()["error"]["code"] == "malformed"


def test_a_revoked_document_says_so(
    client: TestClient, issued: IssuedCertificate, web_db: Database
) -> None:
    with web_db.session() as session:
        revoke(
            session,
            issued.code,
            "Dades errònies",
            by="clerk:2",
            now=datetime(2026, 3, 6, 8, 0, tzinfo=UTC),
        )
    page = client.get(f"/verify/{issued.code}?lang=en")
    api = client.get(f"/api/verify/{issued.code}").json()
    document = client.get(f"/verify/{issued.code}/document?lang=en")
    assert page.status_code == 200
    for text in ("Revoked document", "Dades errònies", "06/03/2026 09:00:00 CET"):
        assert text in page.text, text
    assert "/document" not in page.text
    assert (api["status"], api["revoked"]) == (
        "revoked",
        {"at": "2026-03-06T08:00:00+00:00", "reason": "Dades errònies"},
    )
    assert document.status_code == 410 and "revoked" in document.text


def test_a_damaged_file_cannot_be_confirmed(
    client: TestClient, issued: IssuedCertificate, settings: Settings
) -> None:
    path = BlobStore(settings.documents_dir).path(issued.sha256)
    path.write_bytes(issued.pdf.replace(b"Volant de conviv", b"Volent de conviv", 1))
    page = client.get(f"/verify/{issued.code}?lang=en")
    api = client.get(f"/api/verify/{issued.code}").json()
    assert "The document cannot be confirmed" in page.text and "Not intact" in page.text
    assert api["status"] == "damaged" and api["seal"]["intact"] is False


def test_guessing_is_rate_limited(client: TestClient, issued: IssuedCertificate) -> None:
    statuses = [
        client.get(f"/{'api/' if i % 2 else ''}verify/{format_code(new_code())}").status_code
        for i in range(verify.DEFAULT_MISSES_PER_MINUTE)
    ]
    blocked_page = client.get(f"/verify/{issued.code}?lang=en")
    blocked_api = client.get(f"/api/verify/{issued.code}")
    assert statuses == [404] * verify.DEFAULT_MISSES_PER_MINUTE
    assert blocked_page.status_code == blocked_api.status_code == 429
    assert "Too many checks" in blocked_page.text
    assert blocked_api.headers["retry-after"] == "60"
    assert blocked_api.json()["error"]["code"] == "too_many_requests"


def test_lookups_of_any_outcome_are_limited_too(
    client: TestClient,
    settings: Settings,
    issued: IssuedCertificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = settings.verify_lookups_per_minute  # the app's (the client's app is made with them)
    statuses = [client.get(f"/api/verify/{issued.code}").status_code for _ in range(limit + 1)]
    assert statuses == [200] * limit + [429]
