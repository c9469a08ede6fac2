"""A booth and a console written from docs/protocol.md alone (``client.py``) against the real
server, started as ``finestreta serve`` on a free port with a fresh migrated SQLite database:
pairing and login through the forms, a call with signalling both ways, each side's socket
coming back during the call, the hang-up, the wrap-up and the rating. Every frame either of
them receives is checked against docs/protocol.schema.json on the way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Server, make_server
from tests.conftest import PASSWORD
from tests.protocol.client import (
    Party,
    candidate,
    cookie_of,
    log_in,
    pair_booth,
    post_form,
    sdp,
)
from tests.protocol.wire import check_model


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """The real server on a free port; its log is printed (pytest shows it when a test
    fails)."""
    started = make_server(tmp_path, {"FINESTRETA_RING_TIMEOUT_SECONDS": "20"})
    started.start()
    try:
        yield started
    finally:
        started.stop()
        print(f"--- server log ({started.url}) ---\n{started.log()[-20000:]}")


def relayed(sender: Party, receiver: Party, call_id: str, data: dict[str, Any]) -> None:
    """``data`` goes through the server untouched, as the document says."""
    sender.send({"type": "signal", "call_id": call_id, "data": data})
    got = receiver.expect("signal")
    assert got == {"type": "signal", "call_id": call_id, "data": data}


def ice_of(base_url: str, ice_url: str, cookie: tuple[str, str]) -> httpx.Response:
    return httpx.get(f"{base_url}{ice_url}", cookies=dict([cookie]))


def test_pairing_and_login_forms(server: Server) -> None:
    wrong = post_form(server.url, "/kiosk/pair", {"code": "sants", "secret": "not-the-secret"})
    assert wrong.status_code == 401
    assert "fs_kiosk" not in wrong.headers.get("set-cookie", "")
    cross_site = httpx.post(
        f"{server.url}/kiosk/pair",
        data={"code": "sants", "secret": server.booths["sants"]},
        headers={"Origin": "https://elsewhere.example"},
        follow_redirects=False,
    )
    assert cross_site.status_code == 403

    # Case and spaces around the code and the secret do not matter.
    response = post_form(
        server.url, "/kiosk/pair", {"code": " SANTS ", "secret": server.booths["sants"].lower()}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/kiosk")
    _, attributes = cookie_of(response, "fs_kiosk")
    assert attributes["path"] == "/"
    assert attributes["samesite"].lower() == "strict"
    assert attributes["max-age"] == str(400 * 24 * 3600)
    assert "httponly" in attributes

    assert (
        post_form(server.url, "/login", {"username": "jordi", "password": "no"}).status_code == 401
    )
    response = post_form(server.url, "/login", {"username": "jordi", "password": PASSWORD})
    assert (response.status_code, response.headers["location"]) == (303, "/console")
    _, attributes = cookie_of(response, "fs_staff")
    assert attributes["max-age"] == str(12 * 3600)
    assert "httponly" in attributes and attributes["samesite"].lower() == "strict"


def test_a_call_by_the_document(server: Server) -> None:
    booth_cookie = ("fs_kiosk", pair_booth(server.url, "sants", server.booths["sants"]))
    clerk_cookie = ("fs_staff", log_in(server.url, "jordi", PASSWORD))
    with (
        Party(server.url, "console", clerk_cookie) as console,
        Party(server.url, "kiosk", booth_cookie) as kiosk,
    ):
        # ---------------------------------------------------------------- connecting
        hello = console.open()
        assert (hello["state"], hello["offer"], hello["call"], hello["wrap_up"]) == (
            "offline",
            None,
            None,
            None,
        )
        outcomes = hello["outcomes"]
        console.expect("attentions")
        assert console.expect("queue_summary")["waiting"] == 0
        booth_hello = kiosk.open()
        assert (booth_hello["request"], booth_hello["call"]) == (None, None)
        assert "general" in booth_hello["topics"]
        assert kiosk.expect("office")["open"] is True

        # ---------------------------------------------------------------- a request, a ring
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available", reason="chosen")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "nonsense"})
        assert kiosk.expect("error")["code"] == "unknown_topic"
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = console.expect("ring")
        place = kiosk.expect("queue", request_id=ring["request_id"])
        assert place["position"] == 1
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        call = console.expect("call_started")
        booth_call = kiosk.expect("call_started")
        call_id = call["call_id"]
        assert booth_call["call_id"] == call_id
        assert (booth_call["role"], call["role"]) == ("polite", "impolite")
        assert booth_call["clerk"] == {"name": "Jordi"}
        console.expect("state", state="in_call", reason="accepted")

        # The ice object and ice_url: the same shape, fresh credentials, each party its own.
        for party_call, cookie in ((booth_call, booth_cookie), (call, clerk_cookie)):
            assert isinstance(party_call["ice"]["expiresAt"], int)
            fresh = ice_of(server.url, party_call["ice_url"], cookie)
            assert fresh.status_code == 200
            check_model("Ice", fresh.json())
        assert ice_of(server.url, call["ice_url"], ("fs_kiosk", "unknown")).status_code == 401

        # The booth says which devices it got; the clerk sees them.
        kiosk.send({"type": "media_status", "camera": True, "microphone": False})
        devices = console.expect("devices", camera=True)
        assert devices["microphone"] is False

        # ---------------------------------------------------------------- signalling
        # Both offer; the impolite console ignores the booth's offer, the polite booth answers
        # the console's. Candidates trickle both ways; a description may hold candidates too.
        relayed(kiosk, console, call_id, sdp("offer", "boot"))
        relayed(console, kiosk, call_id, sdp("offer", "clrk"))
        relayed(console, kiosk, call_id, candidate("clrk", 50000))
        relayed(
            kiosk,
            console,
            call_id,
            sdp("answer", "boot", (candidate("boot", 50002)["candidate"]["candidate"],)),
        )
        relayed(kiosk, console, call_id, candidate("boot", 50001, mid=1))
        relayed(console, kiosk, call_id, candidate("clrk", 50003, mid=1))

        # ---------------------------------------------------------------- the booth comes back
        kiosk.close()
        again = kiosk.open()
        assert again["call"] is not None and again["call"]["call_id"] == call_id
        assert again["request"]["request_id"] == ring["request_id"]
        check_model("Ice", again["call"]["ice"])
        # It starts over with a new peer connection and offers at once: the console hears
        # call_restart first, then the new offer.
        kiosk.send({"type": "signal", "call_id": call_id, "data": sdp("offer", "boo2")})
        console.expect("call_restart", call_id=call_id)
        assert console.expect("signal")["data"] == sdp("offer", "boo2")
        relayed(console, kiosk, call_id, sdp("offer", "clr2"))
        relayed(kiosk, console, call_id, sdp("answer", "boo2"))

        # ---------------------------------------------------------------- the console comes back
        console.close()
        back = console.open()
        assert back["call"] is not None and back["call"]["call_id"] == call_id
        assert (back["state"], back["offer"], back["wrap_up"]) == ("in_call", None, None)
        console.expect("attentions")
        console.expect("queue_summary")
        kiosk.expect("call_restart", call_id=call_id)
        assert console.expect("devices")["camera"] is True  # as the booth last said
        relayed(console, kiosk, call_id, sdp("offer", "clr3"))
        relayed(kiosk, console, call_id, sdp("answer", "boo3"))

        # The watchdog gave up: new peer connections on both sides.
        relayed(console, kiosk, call_id, {"restart": True})

        # ---------------------------------------------------------------- hang-up, wrap-up
        console.send({"type": "hang_up", "call_id": call_id})
        ended = console.expect("call_ended", call_id=call_id)
        assert (ended["ended_by"], ended["wrap_up"]) == ("clerk", True)
        booth_ended = kiosk.expect("call_ended", call_id=call_id)
        assert "wrap_up" not in booth_ended  # absent, not null or false
        kiosk.expect("device_prompt", prompt=None)
        console.expect("state", state="wrap_up", reason="call_ended")
        kiosk.send({"type": "signal", "call_id": call_id, "data": candidate("boo3", 1)})
        assert kiosk.expect("error")["code"] == "no_call"

        console.send({"type": "wrap_up", "call_id": call_id, "outcome": outcomes[0]})
        attentions = console.expect("attentions")
        assert [item["call_id"] for item in attentions["items"]] == [call_id]
        console.expect("state", state="available", reason="wrapped_up")
        assert ice_of(server.url, call["ice_url"], clerk_cookie).status_code == 404

        # ---------------------------------------------------------------- the rating
        kiosk.send({"type": "rate", "request_id": booth_ended["request_id"], "rating": 5})
        kiosk.expect("rated", request_id=booth_ended["request_id"])
        rated = console.expect("attentions")
        assert [(i["call_id"], i["rating"]) for i in rated["items"]] == [(call_id, 5)]

    frames = console.received + kiosk.received
    assert len(frames) > 40, "every one of these was checked against the schema"
