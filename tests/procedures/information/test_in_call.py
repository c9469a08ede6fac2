"""The catalogue during a call: the clerk prints an entry's information sheet at the booth and
shows an entry on the booth screen; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest

from finestreta.catalogue import seed_demo
from tests.api.conftest import ORIGIN


@pytest.fixture
def catalogue(ctx: Any) -> None:
    with ctx.db.session() as session:
        assert seed_demo(session).ok


@pytest.fixture
def call(catalogue: None, live_call: dict[str, Any]) -> dict[str, Any]:
    """A call with the demo catalogue loaded."""
    return live_call


def a_slug(client: Any) -> str:
    found = client.get("/api/catalogue", params={"q": "padro", "lang": "es"}).json()
    slug: str = found["results"][0]["slug"]
    return slug


def test_the_information_sheet_is_printed_at_the_booth(call) -> None:  # type: ignore[no-untyped-def]
    slug = a_slug(call["clerk"])
    answer = call["clerk"].post(
        f"/api/calls/{call['id']}/catalogue/{slug}/sheet", json={"lang": "es"}, headers=ORIGIN
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["document"]["kind"] == "info_sheet" and body["job_id"]
    call["console"].expect("document", document_id=body["document"]["document_id"])
    call["console"].expect("job", job_id=body["job_id"])
    pdf = call["clerk"].get(body["document"]["url"])
    assert pdf.content.startswith(b"%PDF")
    listed = call["clerk"].get(f"/api/calls/{call['id']}/documents").json()
    assert [j["document_id"] for j in listed["jobs"]] == [body["document"]["document_id"]]


def test_an_entry_is_shown_on_the_booth_screen(call) -> None:  # type: ignore[no-untyped-def]
    slug = a_slug(call["clerk"])
    shown = call["clerk"].post(f"/api/calls/{call['id']}/catalogue/{slug}/show", headers=ORIGIN)
    assert shown.status_code == 200, shown.text
    call["kiosk"].expect("show_entry", slug=slug)
    missing = call["clerk"].post(
        f"/api/calls/{call['id']}/catalogue/no-such-entry/show", headers=ORIGIN
    )
    assert missing.status_code == 404
    bad = call["clerk"].post(
        f"/api/calls/{call['id']}/catalogue/{slug}/sheet", json={"lang": "fr"}, headers=ORIGIN
    )
    assert bad.status_code in (400, 422)


def test_only_the_clerk_of_the_call_may_print_or_show(call, clerk_browser) -> None:  # type: ignore[no-untyped-def]
    slug = a_slug(call["clerk"])
    jordi, _ = clerk_browser("jordi")
    sheet = f"/api/calls/{call['id']}/catalogue/{slug}/sheet"
    show = f"/api/calls/{call['id']}/catalogue/{slug}/show"
    assert jordi.post(sheet, json={}, headers=ORIGIN).status_code == 404
    assert jordi.post(show, headers=ORIGIN).status_code == 404
    assert call["booth"].post(show, headers=ORIGIN).status_code == 401
    cross = call["clerk"].post(show, headers={"origin": "http://evil.example"})
    assert cross.status_code == 403
