"""Who may do what: sockets, the attentions API, ICE credentials, logins, cookies and secrets."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time

import httpx2
import pytest
import websockets
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from websockets.typing import Origin

from finestreta.accounts import service
from finestreta.accounts.models import AuditEntry, Kiosk, KioskSession, StaffSession, StaffUser
from finestreta.accounts.secrets import token_hash
from finestreta.db import Database
from finestreta.web.security import KIOSK_COOKIE, STAFF_COOKIE
from tests.api.conftest import (
    CROSS_SITE,
    ORIGIN,
    BoothBrowser,
    Browser,
    ClerkBrowser,
    login,
    open_socket,
    pair,
    refused,
    served,
    start_call,
)
from tests.conftest import PASSWORD, MakeBooth, MakeStaff

TURN_SECRET = "coturn-static-auth-secret-0123456789"
TURN_URLS = ("turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349")
TURN_SETTINGS = {
    "stun_urls": ("stun:turn.example.org:3478",),
    "turn_urls": TURN_URLS,
    "turn_secret": TURN_SECRET,
    "turn_ttl_seconds": 600,
}


# ------------------------------------------------------------------------------ sockets


def test_booth_cookie_opens_neither_console_socket_nor_console_api(
    client: TestClient, booth_browser: BoothBrowser
) -> None:
    booth_client, _booth = booth_browser("k1")
    assert refused(booth_client, "/ws/console") == 4401
    response = booth_client.get("/api/console/attentions")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_clerk_cookie_does_not_open_the_kiosk_socket(
    client: TestClient, clerk_browser: ClerkBrowser
) -> None:
    clerk_client, _ = clerk_browser("anna")
    assert refused(clerk_client, "/ws/kiosk") == 4401


def test_admin_cannot_answer_calls(client: TestClient, clerk_browser: ClerkBrowser) -> None:
    admin_client, _ = clerk_browser("root", role="admin")
    assert refused(admin_client, "/ws/console") == 4403
    response = admin_client.get("/api/console/attentions")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_supervisor_may_answer_calls(client: TestClient, clerk_browser: ClerkBrowser) -> None:
    supervisor_client, _ = clerk_browser("sue", role="supervisor")
    with open_socket(supervisor_client, "/ws/console") as console:
        assert console.recv()["type"] == "hello"
    assert supervisor_client.get("/api/console/attentions").json() == {"ok": True, "items": []}


def test_no_cookie_no_socket(client: TestClient) -> None:
    assert refused(client, "/ws/kiosk") == 4401
    assert refused(client, "/ws/console") == 4401
    assert client.get("/api/console/attentions").status_code == 401


def test_cross_site_sockets_are_refused_even_with_good_cookies(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    clerk_client, _ = clerk_browser("anna")
    booth_client, _booth = booth_browser("k1")
    assert refused(clerk_client, "/ws/console", CROSS_SITE) == 4403
    assert refused(booth_client, "/ws/kiosk", CROSS_SITE) == 4403
    # Same host on another scheme or port is another origin too.
    assert refused(clerk_client, "/ws/console", {"origin": "http://testserver:8080"}) == 4403


def test_cross_site_posts_are_refused_as_json(
    client: TestClient, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    make_staff("anna")
    booth = make_booth("k1")
    wants_json = {**CROSS_SITE, "accept": "application/json"}
    response = client.post(
        "/login", data={"username": "anna", "password": PASSWORD}, headers=wants_json
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "cross_site"
    response = client.post(
        "/kiosk/pair", data={"code": booth.code, "secret": booth.secret}, headers=wants_json
    )
    assert response.status_code == 403
    assert STAFF_COOKIE not in client.cookies and KIOSK_COOKIE not in client.cookies


def test_cross_site_posts_are_refused_as_pages(
    app: FastAPI, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    make_staff("anna")
    booth = make_booth("k1")
    with TestClient(app, raise_server_exceptions=False) as browser:
        login_response = browser.post(
            "/login", data={"username": "anna", "password": PASSWORD}, headers=CROSS_SITE
        )
        pair_response = browser.post(
            "/kiosk/pair", data={"code": booth.code, "secret": booth.secret}, headers=CROSS_SITE
        )
        assert (login_response.status_code, pair_response.status_code) == (403, 403)
        assert STAFF_COOKIE not in browser.cookies and KIOSK_COOKIE not in browser.cookies


# ------------------------------------------------------------------------------ ICE


def _expected_credential(username: str) -> str:
    digest = hmac.new(TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.settings(**TURN_SETTINGS)
def test_ice_configuration_only_for_the_two_parties(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, browser: Browser
) -> None:
    anna, anna_id = clerk_browser("anna")
    jordi, _ = clerk_browser("jordi")
    booth_client, booth = booth_browser("k1")
    other_booth, _ = booth_browser("k2")
    anonymous = browser()
    with open_socket(anna, "/ws/console") as console, open_socket(booth_client, "/ws/kiosk") as k:
        _ring, clerk_call, kiosk_call = start_call(console, k)
        call_id = clerk_call["call_id"]
        url = f"/api/calls/{call_id}/ice"
        assert clerk_call["ice_url"] == kiosk_call["ice_url"] == url

        assert anonymous.get(url).status_code == 401
        # someone else's call and a call that does not exist get one answer: its existence is
        # not confirmed
        unknown = anna.get("/api/calls/no-such-call/ice")
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "no_call")
        for outsider in (jordi, other_booth, booth_client):
            for asked in (url, "/api/calls/no-such-call/ice"):
                if outsider is booth_client and asked == url:
                    continue
                answer = outsider.get(asked)
                assert (answer.status_code, answer.json()["error"]) == (
                    404,
                    unknown.json()["error"],
                ), asked

        for party, user in ((anna, f"clerk-{anna_id}"), (booth_client, f"kiosk-{booth.id}")):
            before = int(time.time())
            response = party.get(url)
            assert response.status_code == 200
            assert TURN_SECRET not in response.text
            config = response.json()
            stun, turn = config["iceServers"]
            assert stun == {"urls": ["stun:turn.example.org:3478"]}
            assert turn["urls"] == list(TURN_URLS)
            expiry, _, name = turn["username"].partition(":")
            assert name == user
            assert before + 600 <= int(expiry) <= int(time.time()) + 600
            assert turn["credential"] == _expected_credential(turn["username"])
            assert config["iceTransportPolicy"] == "all"
            assert config["expiresAt"] == int(expiry)

        # the same configuration rides on each party's call_started, each with its own name
        for frame, user in ((clerk_call, f"clerk-{anna_id}"), (kiosk_call, f"kiosk-{booth.id}")):
            turn = frame["ice"]["iceServers"][1]
            assert turn["username"].partition(":")[2] == user
            assert turn["credential"] == _expected_credential(turn["username"])
            assert TURN_SECRET not in str(frame)


def test_ice_configuration_without_turn_has_no_credentials(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    booth_client, _booth = booth_browser("k1")
    with open_socket(anna, "/ws/console") as console, open_socket(booth_client, "/ws/kiosk") as k:
        _ring, clerk_call, _ = start_call(console, k)
        config = anna.get(clerk_call["ice_url"]).json()
    assert config["iceServers"] == []
    assert "credential" not in str(config)


# ------------------------------------------------------------------------------ logins


@pytest.mark.settings(login_attempts_per_minute=3)
def test_login_is_throttled_after_failed_attempts(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    for _ in range(3):
        response = client.post(
            "/login", data={"username": "anna", "password": "wrong password"}, headers=ORIGIN
        )
        assert response.status_code == 401
    response = client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 429
    assert STAFF_COOKIE not in response.cookies


@pytest.mark.settings(login_attempts_per_minute=3)
def test_pairing_is_throttled_after_failed_attempts(
    client: TestClient, make_booth: MakeBooth
) -> None:
    booth = make_booth("k1")
    for _ in range(3):
        response = client.post(
            "/kiosk/pair", data={"code": booth.code, "secret": "WRONG-SECRET"}, headers=ORIGIN
        )
        assert response.status_code == 401
    response = client.post(
        "/kiosk/pair",
        data={"code": booth.code, "secret": booth.secret},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert response.status_code == 429
    assert KIOSK_COOKIE not in response.cookies


def test_successful_login_does_not_count_against_the_limit(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    for _ in range(8):  # more than login_attempts_per_minute (5)
        login(client, "anna")


def _set_cookie(response: httpx2.Response) -> str:
    return response.headers["set-cookie"].lower()


def test_cookies_are_http_only_and_same_site_strict(
    client: TestClient, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    make_staff("anna")
    booth = make_booth("k1")
    response = client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD},
        headers=ORIGIN,
        follow_redirects=False,
    )
    header = _set_cookie(response)
    assert header.startswith(f"{STAFF_COOKIE}=")
    assert "httponly" in header and "samesite=strict" in header and "path=/" in header
    assert "secure" not in header  # plain http and no https public_url
    response = client.post(
        "/kiosk/pair",
        data={"code": booth.code, "secret": booth.secret},
        headers=ORIGIN,
        follow_redirects=False,
    )
    header = _set_cookie(response)
    assert header.startswith(f"{KIOSK_COOKIE}=")
    assert "httponly" in header and "samesite=strict" in header and "secure" not in header


@pytest.mark.settings(public_url="https://oac.example.org")
def test_cookies_are_secure_behind_https(
    client: TestClient, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    make_staff("anna")
    booth = make_booth("k1")
    # a browser on the public site, its requests forwarded by the TLS proxy
    BEHIND_HTTPS = {"host": "oac.example.org", "origin": "https://oac.example.org"}
    response = client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD},
        headers=BEHIND_HTTPS,
        follow_redirects=False,
    )
    assert response.status_code == 303
    header = _set_cookie(response)
    assert "secure" in header and "httponly" in header and "samesite=strict" in header
    response = client.post(
        "/kiosk/pair",
        data={"code": booth.code, "secret": booth.secret},
        headers=BEHIND_HTTPS,
        follow_redirects=False,
    )
    assert "secure" in _set_cookie(response)


def test_wrong_password_does_not_tell_whether_the_user_exists(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    known = client.post(
        "/login", data={"username": "anna", "password": "not the password"}, headers=ORIGIN
    )
    unknown = client.post(
        "/login", data={"username": "nobody", "password": "not the password"}, headers=ORIGIN
    )
    assert known.status_code == unknown.status_code == 401
    assert STAFF_COOKIE not in known.cookies and STAFF_COOKIE not in unknown.cookies
    assert known.text.replace("anna", "NAME") == unknown.text.replace("nobody", "NAME")


def test_inactive_user_cannot_log_in(
    client: TestClient, make_staff: MakeStaff, db: Database
) -> None:
    make_staff("anna")
    with db.session() as session:
        session.scalars(select(StaffUser)).one().active = False
    response = client.post(
        "/login", data={"username": "anna", "password": PASSWORD}, headers=ORIGIN
    )
    assert response.status_code == 401


def test_pairing_with_a_wrong_secret_is_refused(client: TestClient, make_booth: MakeBooth) -> None:
    booth = make_booth("k1")
    response = client.post(
        "/kiosk/pair", data={"code": booth.code, "secret": "AAAAA-BBBBB"}, headers=ORIGIN
    )
    assert response.status_code == 401
    assert KIOSK_COOKIE not in client.cookies
    unknown = client.post(
        "/kiosk/pair", data={"code": "no-such-booth", "secret": booth.secret}, headers=ORIGIN
    )
    assert unknown.status_code == 401
    assert refused(client, "/ws/kiosk") == 4401


# ------------------------------------------------------------------------------ revocation


def test_disabling_a_booth_closes_its_socket_and_voids_its_cookie(
    client: TestClient, booth_browser: BoothBrowser, db: Database
) -> None:
    booth_client, booth = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        kiosk.expect("queue")
        with db.session() as session:
            service.set_kiosk_enabled(session, booth.code, False)
        # The hub looks every 2 s: a few seconds at most (more only on a very busy machine).
        closed = kiosk.expect("closed", timeout=6)
        assert closed == {"type": "closed", "reason": "disabled"}
        code, _reason = kiosk.expect_close()
        assert code == 4403
    assert refused(booth_client, "/ws/kiosk") == 4401
    assert "fs_kiosk" in booth_client.cookies  # the browser still has it; the server forgot it
    with db.session() as session:
        assert session.scalars(select(KioskSession)).all() == []


def test_deactivating_a_clerk_ends_their_socket(
    client: TestClient, clerk_browser: ClerkBrowser, db: Database
) -> None:
    anna, anna_id = clerk_browser("anna")
    with open_socket(anna, "/ws/console") as console:
        console.flush()
        with db.session() as session:
            anna_user = session.get(StaffUser, anna_id)
            assert anna_user is not None
            anna_user.active = False
        assert console.expect("closed", timeout=6) == {"type": "closed", "reason": "logged_out"}
        assert console.expect_close()[0] == 4401
    assert refused(anna, "/ws/console") == 4401


# ------------------------------------------------------------------------------ secrets


def test_passwords_and_secrets_are_hashed_and_never_logged(
    client: TestClient,
    make_staff: MakeStaff,
    make_booth: MakeBooth,
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    make_staff("anna")
    booth = make_booth("k1")
    client.post(
        "/login", data={"username": "anna", "password": "wrong " + PASSWORD}, headers=ORIGIN
    )
    login(client, "anna")
    client.post("/kiosk/pair", data={"code": booth.code, "secret": "WRONG"}, headers=ORIGIN)
    pair(client, booth)
    staff_token = client.cookies[STAFF_COOKIE]
    kiosk_token = client.cookies[KIOSK_COOKIE]

    logged = caplog.text
    for secret in (PASSWORD, booth.secret, staff_token, kiosk_token):
        assert secret not in logged
    with db.session() as session:
        user = session.scalars(select(StaffUser)).one()
        kiosk = session.scalars(select(Kiosk)).one()
        assert user.password_hash.startswith("$argon2")
        assert kiosk.secret_hash.startswith("$argon2")
        assert PASSWORD not in user.password_hash and booth.secret not in kiosk.secret_hash
        # Sessions are kept as SHA-256 of the cookie, never the cookie itself.
        assert [s.token_hash for s in session.scalars(select(StaffSession))] == [
            token_hash(staff_token)
        ]
        assert [s.token_hash for s in session.scalars(select(KioskSession))] == [
            token_hash(kiosk_token)
        ]
        audit = " ".join(
            f"{a.actor} {a.action} {a.subject} {a.detail}"
            for a in session.scalars(select(AuditEntry))
        )
    assert "login_failed" in audit and "kiosk_pair_failed" in audit
    for secret in (PASSWORD, booth.secret, "WRONG", staff_token, kiosk_token):
        assert secret not in audit


@pytest.mark.settings(public_url="")  # served on 127.0.0.1:<free port>: its own origin
def test_refusal_close_codes_reach_a_real_browser(app: FastAPI) -> None:
    """Under a real server a socket closed before it is accepted becomes an HTTP 403 answer to
    the handshake, which a browser sees as 1006 ("try again"): refusals must accept first so
    that pages see 4401/4403 and stop reconnecting (static/common/socket.js)."""

    async def close_code(address: str, path: str, origin: str) -> int | str:
        try:
            async with websockets.connect(f"ws://{address}{path}", origin=Origin(origin)) as ws:
                await asyncio.wait_for(ws.recv(), timeout=5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else "no close frame"
        except websockets.InvalidStatus as refused_handshake:
            return f"HTTP {refused_handshake.response.status_code}"
        return "open"

    with served(app) as address:
        own = f"http://{address}"
        codes = [
            asyncio.run(close_code(address, "/ws/kiosk", own)),
            asyncio.run(close_code(address, "/ws/console", own)),
            asyncio.run(close_code(address, "/ws/console", "https://evil.example")),
            asyncio.run(close_code(address, "/ws/agent", own)),
        ]
    assert codes == [4401, 4401, 4403, 4401]


def test_logging_out_ends_the_sessions_open_socket(
    client: TestClient, clerk_browser: ClerkBrowser, browser: Browser
) -> None:
    anna, _ = clerk_browser("anna")
    token = anna.cookies[STAFF_COOKIE]
    with open_socket(anna, "/ws/console") as console:
        console.flush()
        response = anna.post("/logout", headers=ORIGIN, follow_redirects=False)
        assert response.status_code == 303
        replay = browser()
        replay.cookies.set(STAFF_COOKIE, token)
        assert refused(replay, "/ws/console") == 4401  # the session is gone for new sockets
        assert console.expect("closed", timeout=3) == {"type": "closed", "reason": "logged_out"}
