"""``deploy/nginx/finestreta.conf`` as shipped, in front of one ``finestreta serve`` node on
PostgreSQL: pages and health, WebSockets (upgrade and frames both ways), the client's real
address only when the proxy is trusted."""

from __future__ import annotations

import ssl
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Origin

from finestreta.accounts.models import AuditEntry
from tests.cluster.conftest import Behind
from tests.cluster.harness import SHIPPED, render
from tests.conftest import PASSWORD
from tests.protocol.client import Party, cookie_of

pytestmark = pytest.mark.cluster

# The clients do not verify the test's self-signed certificate: TLS is not what is tested.
INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE
# A client on another loopback address than the proxy's, so that the two can be told apart.
CLIENT = "127.0.0.2"


def client(origin: str, source: str = "0.0.0.0") -> httpx.Client:
    transport = httpx.HTTPTransport(verify=INSECURE, local_address=source)
    return httpx.Client(base_url=origin, transport=transport, follow_redirects=False)


class TlsParty(Party):
    """``tests.protocol.client.Party`` (frames checked against the protocol) over wss://."""

    def open(self, query: str = "") -> dict[str, Any]:
        name, value = self.cookie
        self.ws = connect(
            self.base_url.replace("https://", "wss://", 1) + f"/ws/{self.party}{query}",
            origin=Origin(self.base_url),
            additional_headers={"Cookie": f"{name}={value}"},
            # one full-suite run (right after the browser tests) waited more than 10 s for this
            # handshake through nginx; a hang still fails, a slow machine does not
            open_timeout=30,
            compression=None,
            ssl=INSECURE,
        )
        hello = self.recv()
        assert hello["type"] == "hello", f"the first frame is not hello: {hello!r}"
        self._beat = threading.Thread(
            target=self._heartbeat, args=(self.ws, float(hello["heartbeat_s"])), daemon=True
        )
        self._beat.start()
        return hello


@pytest.mark.postgres
def test_pages_and_health_through_nginx(behind_nginx: Behind) -> None:
    origin = behind_nginx.nginx.origin
    with client(origin) as http:
        health = http.get("/api/health")
        assert health.status_code == 200, health.text
        assert health.json()["ok"] is True
        # nginx's $request_id is a safe token: the node keeps it as the request's id
        rid = health.headers.get("x-request-id", "")
        assert len(rid) == 32 and all(c in "0123456789abcdef" for c in rid), rid
        for page in ("/", "/login", "/kiosk"):
            answer = http.get(page)
            assert answer.status_code == 200, (page, answer.status_code)
            assert answer.headers["content-type"].startswith("text/html")
        assert http.get("/no-such-page").status_code == 404
    # plain http only redirects to https
    with httpx.Client() as plain:
        moved = plain.get(f"http://127.0.0.1:{behind_nginx.nginx.http_port}/login?x=1")
    assert moved.status_code == 301
    assert moved.headers["location"] == "https://127.0.0.1/login?x=1"


def _pair(http: httpx.Client, code: str, secret: str) -> str:
    answer = http.post("/kiosk/pair", data={"code": code, "secret": secret})
    assert (answer.status_code, answer.headers.get("location")) == (303, "/kiosk")
    token, attributes = cookie_of(answer, "fs_kiosk")
    assert "secure" in attributes  # the node knows it is served over https (public URL)
    return token


def _log_in(http: httpx.Client, username: str) -> str:
    answer = http.post("/login", data={"username": username, "password": PASSWORD})
    assert (answer.status_code, answer.headers.get("location")) == (303, "/console"), answer.text
    token, _ = cookie_of(answer, "fs_staff")
    return token


@pytest.mark.postgres
def test_booth_and_console_sockets_through_nginx(behind_nginx: Behind) -> None:
    origin = behind_nginx.nginx.origin
    with client(origin) as http:
        http.headers["Origin"] = origin
        kiosk_token = _pair(http, "sants", behind_nginx.booths["sants"])
        staff_token = _log_in(http, "jordi")
    with (
        TlsParty(origin, "console", ("fs_staff", staff_token)) as console,
        TlsParty(origin, "kiosk", ("fs_kiosk", kiosk_token)) as kiosk,
    ):
        console.open()
        kiosk.open()
        # frames both ways, and from one socket to the other through the node
        kiosk.send({"type": "ping", "t": 1.0})
        kiosk.expect("pong")
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "census"})
        ring = console.expect("ring")
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        assert kiosk.expect("call_started")["call_id"] == call_id
        console.send({"type": "hang_up", "call_id": call_id})
        console.expect("call_ended")
        kiosk.expect("call_ended")


@pytest.mark.postgres
def test_a_socket_from_another_origin_is_refused_through_nginx(behind_nginx: Behind) -> None:
    """The node still checks the Origin of sockets behind the proxy (its public URL)."""
    origin = behind_nginx.nginx.origin
    with client(origin) as http:
        http.headers["Origin"] = origin
        kiosk_token = _pair(http, "nou-barris", behind_nginx.booths["nou-barris"])
    with (
        connect(
            origin.replace("https://", "wss://") + "/ws/kiosk",
            origin=Origin("https://evil.example"),
            additional_headers={"Cookie": f"fs_kiosk={kiosk_token}"},
            open_timeout=10,
            ssl=INSECURE,
        ) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=10)  # no hello: the socket is closed at once
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def _failed_login_address(behind: Behind, username: str) -> str:
    """Fails to log in as ``username`` from CLIENT through nginx, with a forged
    X-Forwarded-For; returns the address the node recorded in the audit log."""
    origin = behind.nginx.origin
    with client(origin, source=CLIENT) as http:
        answer = http.post(
            "/login",
            data={"username": username, "password": "wrong"},
            headers={"Origin": origin, "X-Forwarded-For": "203.0.113.9"},
        )
    assert answer.status_code == 401, answer.text
    database = behind.node.db()
    try:
        with database.session() as session:
            actors = session.scalars(
                select(AuditEntry.actor).where(
                    AuditEntry.action == "login_failed", AuditEntry.subject == username
                )
            ).all()
    finally:
        database.dispose()
    assert len(actors) == 1, actors
    return actors[0].removeprefix("ip:")


@pytest.mark.postgres
def test_the_node_sees_the_client_only_when_the_proxy_is_trusted(behind_nginx: Behind) -> None:
    # trusted (FINESTRETA_TRUSTED_PROXIES=127.0.0.1): the address nginx saw, never the forgery
    assert _failed_login_address(behind_nginx, "nobody-trusted") == CLIENT
    node = behind_nginx.node
    trusted = dict(node.env_extra)
    node.stop()
    node.env_extra = {**trusted, "FINESTRETA_TRUSTED_PROXIES": ""}
    try:
        node.start()
        # not trusted: every request comes from the proxy
        assert _failed_login_address(behind_nginx, "nobody-untrusted") == "127.0.0.1"
    finally:
        node.stop()
        node.env_extra = trusted
        node.start()


def test_only_the_change_lines_are_rewritten(tmp_path: Path) -> None:
    """What the tests run is the shipped file: rendering touches its CHANGE lines only (one
    the harness does not know fails), and the upstream gets one line per node."""
    shipped = SHIPPED.read_text()
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    rendered = render(shipped, ["127.0.0.1:1", "127.0.0.1:2"], 81, 444, cert, key)
    kept = [line for line in shipped.splitlines() if "# CHANGE" not in line]
    assert [line for line in rendered.splitlines() if line in kept] == kept
    changed = [line.strip() for line in rendered.splitlines() if line not in kept]
    assert changed == [
        "server 127.0.0.1:1 max_fails=1 fail_timeout=2s;",
        "server 127.0.0.1:2 max_fails=1 fail_timeout=2s;",
        "listen 127.0.0.1:81;",
        "listen 127.0.0.1:444 ssl;",
        f"ssl_certificate {cert};",
        f"ssl_certificate_key {key};",
    ]
    with pytest.raises(AssertionError, match="CHANGE line"):
        render(shipped + "resolver 1.1.1.1;  # CHANGE\n", [], 81, 444, cert, key)
