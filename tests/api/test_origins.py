"""Requests made on a page's behalf must come from the configured public origin (scheme, host
and port), not merely from an ``Origin`` that matches ``Host``; cookie-authenticated requests
that change something need ``Origin`` or ``Sec-Fetch-Site``; ``Host`` must be one of ours."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ORIGIN, Browser, ClerkBrowser, refused
from tests.conftest import PASSWORD, MakeStaff

JSON = {"accept": "application/json"}


@pytest.mark.settings(allowed_hosts="oac-intern.example")
def test_an_origin_matching_the_host_is_not_enough(clerk_browser: ClerkBrowser) -> None:
    anna, _ = clerk_browser("anna")
    # DNS rebinding: the attacker's page names the same host in Origin and Host
    rebound = {"host": "oac-intern.example", "origin": "http://oac-intern.example"}
    answer = anna.post("/logout", headers={**rebound, **JSON}, follow_redirects=False)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "cross_site")
    assert refused(anna, "/ws/console", rebound) == 4403


def test_an_unknown_host_is_refused(client: TestClient, clerk_browser: ClerkBrowser) -> None:
    anna, _ = clerk_browser("anna")
    evil = {"host": "evil.example", "origin": "http://evil.example"}
    answer = anna.post("/logout", headers={**evil, **JSON}, follow_redirects=False)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "unknown_host")
    assert client.get("/api/health", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/api/health", headers={"host": "localhost:8000"}).status_code == 200


@pytest.mark.settings(public_url="https://testserver")
def test_the_scheme_is_part_of_the_origin(browser: Browser, make_staff: MakeStaff) -> None:
    make_staff("anna")
    anna = browser()
    form = {"username": "anna", "password": PASSWORD}
    plain = anna.post("/login", data=form, headers={"origin": "http://testserver", **JSON})
    assert (plain.status_code, plain.json()["error"]["code"]) == (403, "cross_site")
    login = anna.post(
        "/login", data=form, headers={"origin": "https://testserver"}, follow_redirects=False
    )
    assert login.status_code == 303
    anna.base_url = anna.base_url.copy_with(scheme="https")  # its cookie is Secure now
    assert refused(anna, "/ws/console", {"origin": "http://testserver"}) == 4403
    answer = anna.post("/logout", headers={"origin": "http://testserver", **JSON})
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "cross_site")
    own = anna.post("/logout", headers={"origin": "https://testserver"}, follow_redirects=False)
    assert own.status_code == 303


def test_a_cookie_post_needs_origin_or_fetch_metadata(clerk_browser: ClerkBrowser) -> None:
    anna, _ = clerk_browser("anna")
    bare = anna.post("/logout", headers={"accept": "application/json"}, follow_redirects=False)
    assert (bare.status_code, bare.json()["error"]["code"]) == (403, "cross_site")
    cross = anna.post("/logout", headers={"sec-fetch-site": "cross-site"}, follow_redirects=False)
    assert cross.status_code == 403
    same = anna.post("/logout", headers={"sec-fetch-site": "same-origin"}, follow_redirects=False)
    assert same.status_code == 303
    assert anna.get("/api/console/attentions", headers=ORIGIN).status_code == 401  # logged out


def test_on_loopback_the_other_loopback_names_are_the_same_origin() -> None:
    """The demo's public URL is http://127.0.0.1:8000; a newcomer may open localhost instead."""
    from finestreta.web.security import _same_or_loopback_alias as same

    public = "http://127.0.0.1:8000"
    assert same("http://localhost:8000", public)
    assert same("http://[::1]:8000", public)
    # another port, another scheme or a name that is not loopback stay foreign
    for foreign in ("http://localhost:8001", "https://localhost:8000", "http://evil.example:8000"):
        assert not same(foreign, public)
    # and a public URL that is not on loopback has no aliases
    assert not same("http://localhost:8000", "http://oac.example:8000")
