"""Bad input costs one error frame: the socket, the citizen's place and the call stay as they were.

HTTP forms with missing fields and unknown URLs get an error page or envelope, never a traceback.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from finestreta.attention.waiting import places
from finestreta.config import Settings
from finestreta.context import AppContext
from tests.api.conftest import (
    ORIGIN,
    BoothBrowser,
    ClerkBrowser,
    Socket,
    open_socket,
    start_call,
    wanted,
)

MAX_FRAME: int = Settings.model_fields["max_frame_bytes"].default


def _kiosk_cases(other_call: str, request_id: str) -> list[tuple[str, Any, str]]:
    """(what, frame as text/bytes/dict, the error code it gets)."""
    return [
        ("invalid JSON", "{not json", "bad_json"),
        ("empty text", "", "bad_json"),
        ("JSON array", "[1, 2, 3]", "bad_frame"),
        ("JSON string", '"ping"', "bad_frame"),
        ("missing type", {"language": "ca", "topic": "general"}, "bad_frame"),
        ("type not a string", {"type": 7}, "bad_frame"),
        ("unknown type", {"type": "teleport"}, "unknown_type"),
        ("a console's frame", {"type": "accept", "offer_id": "abc"}, "unknown_type"),
        ("wrong field type", {"type": "ping", "t": "soon"}, "invalid"),
        ("wrong field type (language)", {"type": "request_attention", "language": 3, "topic": "general"}, "invalid"),
        ("unknown language", {"type": "request_attention", "language": "fr", "topic": "general"}, "invalid"),
        ("extra field", {"type": "ping", "t": 1, "admin": True}, "invalid"),
        ("missing field", {"type": "rate", "request_id": request_id}, "invalid"),
        ("id with odd characters", {"type": "hang_up", "call_id": "../../etc"}, "invalid"),
        ("oversized frame", {"type": "ping", "pad": "x" * MAX_FRAME}, "too_large"),
        ("binary frame", b'{"type": "ping"}', "binary_frame"),
        ("rating of 9", {"type": "rate", "request_id": request_id, "rating": 9}, "invalid"),
        ("rating of 0", {"type": "rate", "request_id": request_id, "rating": 0}, "invalid"),
        ("rating a live request", {"type": "rate", "request_id": request_id, "rating": 5}, "not_rateable"),
        ("signal for somebody else's call", {"type": "signal", "call_id": other_call, "data": {"sdp": "x"}}, "no_call"),
        ("signal for no call", {"type": "signal", "call_id": "nothing", "data": {}}, "no_call"),
        ("hang up somebody else's call", {"type": "hang_up", "call_id": other_call}, "no_call"),
        ("cancel another request", {"type": "cancel", "request_id": "not-mine"}, "no_request"),
        ("second request", {"type": "request_attention", "language": "ca", "topic": "general"}, "already_requested"),
    ]  # fmt: skip


def _send_raw(sock: Socket, frame: Any) -> None:
    if isinstance(frame, bytes):
        sock.send_bytes(frame)
    elif isinstance(frame, str):
        sock.send_text(frame)
    else:
        sock.send(frame)


def _place(ctx: AppContext, kiosk_id: int) -> tuple[str, int]:
    for place in places(ctx.hub.board, 240):
        if place.kiosk_id == kiosk_id:
            return place.request_id, place.position
    raise AssertionError(f"kiosk {kiosk_id} has no place in the queue")


def test_bad_kiosk_frames_get_errors_and_keep_the_place(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    """A booth waits second in the queue while another booth is in a call; it sends all kinds of
    bad frames: each gets an error frame with its code, and nothing else changes."""
    anna, _ = clerk_browser("anna", languages=("es",))
    first, _first_booth = booth_browser("k1")
    second, second_booth = booth_browser("k2")
    waiting_ahead, _ = booth_browser("k3")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(first, "/ws/kiosk") as in_call,
        open_socket(waiting_ahead, "/ws/kiosk") as ahead,
        open_socket(second, "/ws/kiosk") as kiosk,
    ):
        _ring, clerk_call, _ = start_call(console, in_call, language="es")
        ahead.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ahead.expect("queue", position=1)
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        queued = kiosk.expect("queue", position=2)
        assert _place(ctx, second_booth.id) == (queued["request_id"], 2)

        for what, frame, code in _kiosk_cases(clerk_call["call_id"], queued["request_id"]):
            _send_raw(kiosk, frame)
            frames = kiosk.flush()  # the pong proves the socket is open and reading
            errors = wanted(frames, "error")
            assert [e["code"] for e in errors] == [code], f"{what}: {frames}"
            assert errors[0]["message"], what
            assert not wanted(frames, "request_ended"), what
            assert _place(ctx, second_booth.id) == (queued["request_id"], 2), what

        # Nothing reached the call that was not ours.
        assert not wanted(console.flush() + in_call.flush(), "signal")
        assert ctx.hub.board.calls[clerk_call["call_id"]].state == "active"


def test_errors_echo_the_frame_ref(client: TestClient, booth_browser: BoothBrowser) -> None:
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.send({"type": "ping", "t": "soon", "ref": "r-17"})
        error = kiosk.expect("error")
        assert (error["code"], error["ref"]) == ("invalid", "r-17")
        kiosk.send({"type": "cancel", "ref": "r-18"})
        error = kiosk.expect("error")
        assert (error["code"], error["ref"]) == ("no_request", "r-18")
        kiosk.send({"type": "teleport", "ref": "r-19"})
        error = kiosk.expect("error")
        assert (error["code"], error["ref"]) == ("unknown_type", "r-19")
        kiosk.send({"type": "ping", "t": "x", "ref": "r" * 65})  # too long to be echoed
        error = kiosk.expect("error")
        assert error["code"] == "invalid" and len(error.get("ref", "")) <= 64
        assert kiosk.flush() == []


def test_bad_console_frames_get_errors_and_keep_the_call(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, anna_id = clerk_browser("anna")
    jordi, _ = clerk_browser("jordi")
    booth_client, _booth = booth_browser("k1")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(jordi, "/ws/console") as other_console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
    ):
        _ring, clerk_call, _ = start_call(console, kiosk)
        call_id = clerk_call["call_id"]
        cases: list[tuple[str, Any, str]] = [
            ("invalid JSON", "{{", "bad_json"),
            ("JSON array", "[]", "bad_frame"),
            ("missing type", {"state": "available"}, "bad_frame"),
            ("unknown type", {"type": "request_attention", "language": "ca", "topic": "general"}, "unknown_type"),
            ("state a clerk cannot choose", {"type": "set_state", "state": "in_call"}, "invalid"),
            ("extra field", {"type": "hang_up", "call_id": call_id, "force": True}, "invalid"),
            ("oversized frame", {"type": "signal", "call_id": call_id, "data": {"sdp": "x" * MAX_FRAME}}, "too_large"),
            ("binary frame", b"\x00\x01", "binary_frame"),
            ("busy clerk chooses a state", {"type": "set_state", "state": "away"}, "busy"),
            ("accept an offer that is not ringing", {"type": "accept", "offer_id": "nope"}, "no_offer"),
            ("decline an offer that is not ringing", {"type": "decline", "offer_id": "nope"}, "no_offer"),
            ("wrap up a live call", {"type": "wrap_up", "call_id": call_id, "outcome": "information_given"}, "call_active"),
            ("outcome too long", {"type": "wrap_up", "call_id": call_id, "outcome": "x" * 41}, "invalid"),
        ]  # fmt: skip
        for what, frame, code in cases:
            _send_raw(console, frame)
            frames = console.flush()
            assert [e["code"] for e in wanted(frames, "error")] == [code], f"{what}: {frames}"
            assert not wanted(frames, "call_ended"), what
        assert ctx.hub.board.clerks[anna_id].state == "in_call"

        # Another clerk may neither talk into nor end this call.
        for frame in (
            {"type": "signal", "call_id": call_id, "data": {"candidate": "x"}},
            {"type": "hang_up", "call_id": call_id},
            {"type": "wrap_up", "call_id": call_id, "outcome": "information_given"},
        ):
            other_console.send(frame)
            errors = wanted(other_console.flush(), "error")
            assert [e["code"] for e in errors] in (["no_call"], ["not_your_call"]), frame
        assert not wanted(kiosk.flush(), "signal")
        assert ctx.hub.board.calls[call_id].state == "active"

        # After the call: an unknown outcome is refused and the wrap-up stays pending.
        kiosk.send({"type": "hang_up", "call_id": call_id})
        console.expect("call_ended", call_id=call_id)
        console.send({"type": "wrap_up", "call_id": call_id, "outcome": "made_up_outcome"})
        errors = wanted(console.flush(), "error")
        assert [e["code"] for e in errors] == ["bad_outcome"]
        assert ctx.hub.board.clerks[anna_id].state == "wrap_up"
        console.send({"type": "wrap_up", "call_id": call_id, "outcome": "information_given"})
        console.expect("state", state="available")


def test_a_flood_is_throttled_with_one_notice_a_second(
    client: TestClient, ctx: AppContext, booth_browser: BoothBrowser
) -> None:
    booth_client, booth = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        queued = kiosk.expect("queue")
        started = time.monotonic()
        for i in range(500):
            kiosk.send({"type": "ping", "t": i})
        time.sleep(0.2)  # let a few tokens come back, so the flushing ping is not throttled
        frames = kiosk.flush(limit=1000)
        elapsed = time.monotonic() - started
        notices = [f for f in wanted(frames, "error") if f["code"] == "rate_limited"]
        pongs = wanted(frames, "pong")
        assert 1 <= len(notices) <= 1 + int(elapsed)
        assert len(wanted(frames, "error")) == len(notices)
        # The burst (120) passes, then about 30 a second; the rest is dropped.
        assert 100 <= len(pongs) <= 120 + 30 * elapsed + 1
        assert len(pongs) < 500
        assert _place(ctx, booth.id) == (queued["request_id"], 1)
        assert not wanted(frames, "request_ended")


def test_a_binary_flood_is_throttled_too(client: TestClient, booth_browser: BoothBrowser) -> None:
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.flush()
        started = time.monotonic()
        for _ in range(400):
            kiosk.send_bytes(b"\x00" * 64)
        time.sleep(0.2)
        frames = kiosk.flush(limit=1000)
        elapsed = time.monotonic() - started
    codes = [f["code"] for f in wanted(frames, "error")]
    assert 1 <= codes.count("rate_limited") <= 1 + int(elapsed)
    assert codes.count("binary_frame") <= 120 + 30 * elapsed + 1


def test_refs_echoed_are_at_most_64_characters(
    client: TestClient, booth_browser: BoothBrowser
) -> None:
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        kiosk.send({"ref": "r" * 5000})  # no type: bad_frame
        error = kiosk.expect("error")
    assert error["code"] == "bad_frame"
    assert len(error.get("ref", "")) <= 64


# ------------------------------------------------------------------------------ HTTP


BAD_FORMS = [
    ("/login", {"username": "anna"}),
    ("/login", {}),
    ("/kiosk/pair", {"code": "k1"}),
    ("/login", {"username": "x" * 201, "password": "y"}),
]


def test_forms_with_missing_or_bad_fields_get_422_without_traceback(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as browser:
        for path, data in BAD_FORMS:
            page = browser.post(path, data=data, headers=ORIGIN)
            envelope = browser.post(
                path, data=data, headers={**ORIGIN, "accept": "application/json"}
            )
            assert page.status_code == 422, (path, data)
            assert page.headers["content-type"].startswith("text/html")
            assert envelope.status_code == 422, (path, data)
            assert envelope.json()["ok"] is False
            assert envelope.json()["error"]["code"] == "invalid"
            for response in (page, envelope):
                assert "Traceback" not in response.text and 'File "' not in response.text


def test_unknown_urls_get_404(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as browser:
        page = browser.get("/no/such/page")
        api = browser.get("/api/no-such-endpoint")
        wrong_method = browser.delete("/api/health")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Traceback" not in page.text
    assert api.status_code == 404
    assert api.json() == {"ok": False, "error": {"code": "not_found", "message": "Not Found"}}
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_json_endpoints_answer_json(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as browser:
        kiosk_texts = browser.get("/i18n/kiosk.json")
        console_texts = browser.get("/i18n/console/ca.json")
        unknown_lang = browser.get("/i18n/console/xx.json")
    assert (kiosk_texts.status_code, console_texts.status_code) == (200, 200)
    assert set(json.loads(kiosk_texts.text)) == {"ca", "es", "en"}
    assert unknown_lang.status_code == 404
