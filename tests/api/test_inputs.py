"""What an anonymous (or any) client can make the server spend, and how it parses what it is
sent: body limits before reading, the login, pairing and /verify throttles and the address they
count, frame budgets and strict JSON (docs/security.md, "Inputs and resources")."""

from __future__ import annotations

import math
import select
import socket
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import websockets
from fastapi import FastAPI
from fastapi.testclient import TestClient
from websockets.typing import Origin

from finestreta import strict_json
from finestreta.config import Settings
from finestreta.documents.verification import new_code
from tests.api.conftest import (
    ORIGIN,
    BoothBrowser,
    Browser,
    open_socket,
    served,
)
from tests.conftest import PASSWORD, MakeBooth, MakeStaff

KiB, MiB = 1024, 1024 * 1024


def from_address(client: TestClient, address: str) -> TestClient:
    """Another browser on the running app, connecting from ``address``."""
    other = TestClient(client.app, client=(address, 50000))
    other.portal = client.portal  # the running app's loop, as the ``browser`` fixture does
    return other


def try_login(client: TestClient, username: str, password: str, **headers: str) -> int:
    response = client.post(
        "/login",
        data={"username": username, "password": password},
        headers={**ORIGIN, **headers},
        follow_redirects=False,
    )
    return response.status_code


# ------------------------------------------------------------------------------ logins


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    attacker, anna = from_address(client, "203.0.113.9"), from_address(client, "198.51.100.7")
    assert [try_login(attacker, "anna", "wrong password") for _ in range(5)] == [401] * 5
    assert try_login(anna, "anna", PASSWORD) == 303  # it was 429: anna was locked out
    assert try_login(attacker, "anna", "wrong password") == 429  # the attacker still waits
    assert try_login(attacker, "anna", PASSWORD) == 429


@pytest.mark.settings(login_failures_per_user_hour=6)
def test_many_addresses_against_one_user_slow_new_ones_but_not_the_known_one(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    anna = from_address(client, "198.51.100.7")
    assert try_login(anna, "anna", PASSWORD) == 303  # her address is known from now on
    for n in range(6):
        assert try_login(from_address(client, f"203.0.113.{n}"), "anna", "wrong password") == 401
    assert try_login(from_address(client, "192.0.2.1"), "anna", "wrong password") == 429
    assert try_login(from_address(client, "192.0.2.2"), "anna", PASSWORD) == 429
    assert try_login(anna, "anna", PASSWORD) == 303


def test_pairing_uses_the_same_policy(client: TestClient, make_booth: MakeBooth) -> None:
    booth = make_booth("k1")
    attacker, centre = from_address(client, "203.0.113.9"), from_address(client, "198.51.100.7")

    def pair(browser: TestClient, secret: str) -> int:
        return browser.post(
            "/kiosk/pair",
            data={"code": booth.code, "secret": secret},
            headers=ORIGIN,
            follow_redirects=False,
        ).status_code

    assert [pair(attacker, "WRONG-SECRET") for _ in range(5)] == [401] * 5
    assert pair(centre, booth.secret) == 303
    assert pair(attacker, booth.secret) == 429


# ------------------------------------------------------------------------------ proxies


def test_a_rotating_forwarded_for_from_an_untrusted_peer_changes_nothing(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    peer = from_address(client, "127.0.0.1")  # loopback is not trusted by default either
    statuses = [
        try_login(peer, f"user{n}", "wrong password", **{"x-forwarded-for": f"192.0.2.{n}"})
        for n in range(21)
    ]
    assert statuses == [401] * 20 + [429]  # the per-address limit: 4 × 5


def test_verify_throttle_holds_against_a_rotating_forwarded_for(
    app: FastAPI, settings: Settings
) -> None:
    """Under uvicorn as ``serve`` runs it, from loopback (uvicorn's own proxy rule trusted
    127.0.0.1, so each forged hop was a new client with a fresh allowance)."""
    statuses = []
    with served_like_serve(app, settings) as where:
        for n in range(11):
            with raw_connection(where) as sock:
                sock.sendall(
                    f"GET /api/verify/{new_code()} HTTP/1.1\r\nhost: testserver\r\n"
                    f"x-forwarded-for: 192.0.2.{n}\r\nconnection: close\r\n\r\n".encode()
                )
                statuses.append(_answer(sock)[0])
    assert statuses == [404] * 10 + [429]


@pytest.mark.settings(trusted_proxies=("10.0.0.0/8",))
def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_counts(
    client: TestClient, make_staff: MakeStaff
) -> None:
    make_staff("anna")
    proxy = from_address(client, "10.0.0.2")

    def attempt(forwarded: str, password: str = "wrong password") -> int:
        return try_login(proxy, "anna", password, **{"x-forwarded-for": forwarded})

    # what the client writes left of its real address does not make it someone else
    statuses = [attempt(f"192.0.2.{n}, 203.0.113.9, 10.0.0.3") for n in range(5)]
    assert statuses == [401] * 5
    assert attempt("198.51.100.1, 203.0.113.9") == 429
    assert attempt("203.0.113.10", PASSWORD) == 303  # another client behind the same proxy


# ------------------------------------------------------------------------------ bodies


@contextmanager
def raw_connection(where: str) -> Iterator[socket.socket]:
    host, port = where.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        yield sock


def _answer(sock: socket.socket) -> tuple[int, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        part = sock.recv(65536)
        if not part:
            break
        body += part
    return status, body.decode(errors="replace")


def send_body(
    where: str,
    path: str,
    size: int,
    content_type: str,
    chunked: bool,
    patience: float = 0.05,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, int]:
    """POST ``size`` bytes (declared or chunked) and stop as soon as the server answers (after
    the headers, waiting ``patience`` seconds for an answer before sending any of the body);
    returns the status, the answer and how many body bytes were sent."""
    framing = {"transfer-encoding": "chunked"} if chunked else {"content-length": str(size)}
    lines = [f"POST {path} HTTP/1.1", "host: testserver", "origin: http://testserver"]
    lines += [
        f"{k}: {v}" for k, v in {"content-type": content_type, **framing, **(headers or {})}.items()
    ]
    chunk = b"x" * (64 * KiB)
    sent = 0
    with raw_connection(where) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while sent < size:
            readable, _, _ = select.select([sock], [], [], patience if sent == 0 else 0)
            if readable:
                break  # answered before the body was all sent
            try:
                sock.sendall(b"10000\r\n" + chunk + b"\r\n" if chunked else chunk)
            except OSError:
                break
            sent += len(chunk)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        status, answer = _answer(sock)
    return status, answer, sent


MULTIPART = "multipart/form-data; boundary=xyz"
OVERSIZED = 8 * MiB


@pytest.mark.settings(max_upload_bytes=MiB)
def test_bodies_are_limited_before_they_are_read(
    app: FastAPI,
    settings: Settings,
    make_staff: MakeStaff,
    make_booth: MakeBooth,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spool))
    make_staff("anna")
    booth = make_booth("k1")
    agent = {"authorization": f"Kiosk {booth.code}:{booth.secret}"}
    tracemalloc.start()
    try:
        with served(app) as where:
            clerk = _login_cookie(where)
            tracemalloc.reset_peak()
            baseline = tracemalloc.get_traced_memory()[0]
            answers = {}
            for chunked in (False, True):
                for who, extra in (("anonymous", {}), ("clerk", clerk)):
                    for path, kind in (
                        ("/api/calls/c1/documents", MULTIPART),
                        ("/api/calls/c1/print", "application/json"),
                        ("/login", MULTIPART),
                        ("/kiosk/pair", "application/x-www-form-urlencoded"),
                    ):
                        answers[(path, who, chunked)] = send_body(
                            where, path, OVERSIZED, kind, chunked, headers=extra
                        )
                # within the upload limit, but nobody known: refused before it is read
                answers[("small upload", "anonymous", chunked)] = send_body(
                    where, "/api/calls/c1/documents", 900 * KiB, MULTIPART, chunked, patience=2.0
                )
                # the agent's scan upload reads the body itself: cut at the limit
                answers[("scan", "agent", chunked)] = send_body(
                    where, "/api/agent/jobs/j1/scan", OVERSIZED, "image/png", chunked, headers=agent
                )
            peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    statuses = {key: status for key, (status, _answer, _sent) in answers.items()}
    for chunked in (False, True):
        for who in ("anonymous", "clerk"):
            assert statuses[("/api/calls/c1/documents", who, chunked)] == (
                401 if who == "anonymous" and chunked else 413 if not chunked else 404
            ), (who, chunked, answers[("/api/calls/c1/documents", who, chunked)])
            assert statuses[("/api/calls/c1/print", who, chunked)] == 413
            assert statuses[("/login", who, chunked)] == 422  # no multipart forms at all
            assert statuses[("/kiosk/pair", who, chunked)] == 413
        assert statuses[("small upload", "anonymous", chunked)] == 401
        assert statuses[("scan", "agent", chunked)] == 413
    envelope = strict_json.loads(answers[("/api/calls/c1/print", "anonymous", True)][1])
    assert envelope["error"]["code"] == "too_large"
    # nothing was read past the limits: no growth, nothing spooled or stored
    assert peak < 4 * MiB, f"{peak / MiB:.1f} MiB"
    assert list(spool.iterdir()) == []
    assert not settings.documents_dir.exists() or list(settings.documents_dir.rglob("*.*")) == []
    # refused at once, before the body: the anonymous small upload sent (almost) nothing
    for chunked in (False, True):
        assert answers[("small upload", "anonymous", chunked)][2] == 0


def _form_cookie(where: str, path: str, body: bytes) -> str:
    """POST a urlencoded form over a raw socket (as a browser of our origin); the cookie set."""
    with raw_connection(where) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nhost: testserver\r\norigin: http://testserver\r\n".encode()
            + b"content-type: application/x-www-form-urlencoded\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        data = sock.recv(65536).decode()
    return next(
        line.split(":", 1)[1].split(";")[0].strip()
        for line in data.split("\r\n")
        if line.lower().startswith("set-cookie:")
    )


def _login_cookie(where: str) -> dict[str, str]:
    return {"cookie": _form_cookie(where, "/login", f"username=anna&password={PASSWORD}".encode())}


def test_deep_or_non_finite_json_bodies_are_refused_plainly(client: TestClient) -> None:
    for body in ("[" * 5000 + "]" * 5000, '{"document_id": NaN}', '{"copies": 1e999}'):
        response = client.post(
            "/api/calls/c1/print",
            content=body,
            headers={**ORIGIN, "content-type": "application/json"},
        )
        assert response.status_code == 422, body[:20]
        assert response.json()["error"]["code"] == "invalid"


# ------------------------------------------------------------------------------ frames


def test_deep_nesting_gets_an_error_frame_and_the_socket_goes_on(
    client: TestClient, booth_browser: BoothBrowser
) -> None:
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.expect("hello")
        for depth in (33, 200, 1000, 5000):
            kiosk.send_text("[" * depth + "]" * depth)
            assert kiosk.expect("error")["code"] == "bad_json", depth
            kiosk.send_text('{"type": "ping", "t": ' + "[" * depth + "]" * depth + "}")
            assert kiosk.expect("error")["code"] == "bad_json", depth
        assert kiosk.flush() == []  # still open, still answering


def test_non_finite_numbers_are_refused_and_never_echoed(
    client: TestClient, booth_browser: BoothBrowser
) -> None:
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.expect("hello")
        for t in ("NaN", "Infinity", "-Infinity", "1e999"):
            kiosk.send_text('{"type": "ping", "t": ' + t + "}")
            while True:  # every frame the server sends is strict JSON
                frame = strict_json.loads(kiosk.message()["text"])
                if frame["type"] in ("error", "pong"):
                    break
            assert frame["type"] == "error" and frame["code"] == "bad_json", (t, frame)
        kiosk.send({"type": "ping", "t": 1.5})
        assert kiosk.expect("pong")["t"] == 1.5


def test_outbound_frames_never_carry_non_finite_numbers() -> None:
    from finestreta.realtime.frames import Pong

    for value in (math.nan, math.inf, -math.inf):
        assert strict_json.loads(Pong(t=value).to_json()) == {"type": "pong", "t": None}


@pytest.mark.settings(frame_bytes_per_second=64 * KiB, frame_bytes_burst=128 * KiB)
def test_a_flood_of_big_frames_is_refused_by_bytes_and_the_others_go_on(
    client: TestClient, booth_browser: BoothBrowser
) -> None:
    flooder, _ = booth_browser("k1")
    other, _ = booth_browser("k2")
    padding = " " * (60 * KiB)  # valid JSON, within the frame limit, well within the frame rate
    with open_socket(flooder, "/ws/kiosk") as flood, open_socket(other, "/ws/kiosk") as calm:
        flood.expect("hello")
        calm.expect("hello")
        for n in range(40):  # 2.4 MB in 40 frames
            flood.send_text(f'{{"type": "ping", "t": {n}}}{padding}')
        calm.send({"type": "ping", "t": 7})
        assert calm.expect("pong")["t"] == 7
        answered = flood.flush()
    pongs = [frame for frame in answered if frame["type"] == "pong"]
    refused = [frame for frame in answered if frame["type"] == "error"]
    # the burst (128 KiB) and what trickled in meanwhile: a few frames, not 40
    assert len(pongs) <= 6, len(pongs)
    assert refused and {frame["code"] for frame in refused} == {"rate_limited"}


@contextmanager
def served_like_serve(app: FastAPI, settings: Settings) -> Iterator[str]:
    """The app under uvicorn configured as ``finestreta serve`` configures it."""
    from finestreta.cli import uvicorn_options

    with served(app, **{**uvicorn_options(settings), "log_level": "warning"}) as where:
        yield where


async def _frame_outcomes(where: str, cookie: str, sizes: list[int]) -> list[Any]:
    outcomes: list[Any] = []
    for size in sizes:
        async with websockets.connect(
            f"ws://{where}/ws/kiosk",
            origin=Origin("http://testserver"),  # the public origin of the test settings
            additional_headers={"cookie": cookie},
            max_size=None,
        ) as ws:
            await ws.recv()  # hello
            await ws.send('{"type": "ping"}' + " " * (size - 16))
            try:
                while True:
                    frame = strict_json.loads(await ws.recv())
                    if frame["type"] in ("error", "pong"):
                        outcomes.append(frame.get("code", "pong"))
                        break
            except websockets.ConnectionClosed as closed:
                outcomes.append(closed.rcvd.code if closed.rcvd else None)
    return outcomes


def test_frames_over_the_socket_cap_close_with_1009_others_get_too_large(
    app: FastAPI, settings: Settings, browser: Browser, make_booth: MakeBooth
) -> None:
    import asyncio

    from finestreta.cli import uvicorn_options

    booth = make_booth("k1")
    limit = settings.max_frame_bytes
    assert uvicorn_options(settings)["ws_max_size"] == 4 * limit  # was 1 MiB whatever the limit
    with served_like_serve(app, settings) as where:
        cookie = _form_cookie(
            where, "/kiosk/pair", f"code={booth.code}&secret={booth.secret}".encode()
        )
        outcomes = asyncio.run(
            _frame_outcomes(where, cookie, [limit, limit + 1, 4 * limit, 4 * limit + 1])
        )
    assert outcomes == ["pong", "too_large", "too_large", 1009]
