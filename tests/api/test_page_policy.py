"""Pages carry a strict Content-Security-Policy, composed per page (the booth frames the PDFs
it shows; a procedure may frame a payment page), and what staff and booths see is not kept by
the browser. That every page *works* under the policy is the browser tests' part
(tests/browser/conftest.py fails a test on any violation)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from finestreta.context import AppContext
from tests.api.conftest import BoothBrowser, ClerkBrowser


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_every_page_has_a_strict_policy(client: TestClient) -> None:
    for path in ("/", "/login", "/kiosk", "/verify", "/no-such-page"):
        answer = client.get(path)
        assert answer.headers["content-type"].startswith("text/html"), path
        policy = directives(answer.headers["content-security-policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no inline script, no eval
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["frame-src"] == ["'none'"]
        assert policy["connect-src"] == ["'self'", "ws://testserver"]
        assert "mediastream:" in policy["media-src"]


def test_staff_and_booth_pages_are_not_kept_and_the_booth_frames_its_pdfs(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    anna, _ = clerk_browser("anna")
    boss, _ = clerk_browser("boss", role="supervisor")
    sants, _ = booth_browser("sants")
    for browser, path in ((anna, "/console"), (boss, "/supervisor"), (sants, "/kiosk")):
        answer = browser.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-store", path
    assert anna.get("/api/console/attentions").headers["cache-control"] == "no-store"
    kiosk = directives(sants.get("/kiosk").headers["content-security-policy"])
    # its PDFs from memory; and, as a procedure takes card payments (taxes), our own pay page
    # and the payment gateway's page that replaces it in the frame
    assert kiosk["frame-src"] == ["blob:", "'self'", ctx.payments.gateway_origin]
    console = directives(anna.get("/console").headers["content-security-policy"])
    assert console["frame-src"] == ["'none'"]


def test_a_procedure_extends_frame_src_of_the_pages_that_show_it(
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
    ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    payment = type(ctx.procedures["information"])
    monkeypatch.setattr(payment, "frame_sources", ("https://tpv.example",))
    monkeypatch.setattr(type(ctx.procedures["taxes"]), "takes_payments", False)
    anna, _ = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    console = directives(anna.get("/console").headers["content-security-policy"])
    assert console["frame-src"] == ["https://tpv.example"]
    kiosk = directives(sants.get("/kiosk").headers["content-security-policy"])
    assert kiosk["frame-src"] == ["blob:", "https://tpv.example"]
    # the landing page shows no procedure: it frames nothing
    landing = directives(anna.get("/").headers["content-security-policy"])
    assert landing["frame-src"] == ["'none'"]


def test_the_host_header_cannot_write_into_the_policy(client: TestClient) -> None:
    # a Host outside the allowed hosts is refused before any page (security.HostCheck) ...
    answer = client.get("/login", headers={"host": "evil.example; script-src *"})
    assert answer.status_code == 400
    assert "evil.example" not in str(answer.headers)
    # ... and an allowed one is not copied into the policy: the socket's origin is the public URL's
    answer = client.get("/login", headers={"host": "localhost:8000"})
    policy = directives(answer.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "ws://testserver"]
