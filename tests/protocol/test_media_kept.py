"""Keeping the media across a reconnection (docs/protocol.md, "Starting over"): a party that
comes back with ``?media=<call_id>`` naming its call gets ``media_kept`` in its ``hello`` and the
other side gets no ``call_restart``; anything else in ``media`` is ignored (the reconnection
goes on as without it, never refused), and the other side starts over as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, make_server
from tests.conftest import PASSWORD
from tests.protocol.client import Party, candidate, log_in, pair_booth, sdp


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = make_server(tmp_path, {"FINESTRETA_RING_TIMEOUT_SECONDS": "20"})
    started.start()
    try:
        yield started
    finally:
        started.stop()
        print(f"--- server log ({started.url}) ---\n{started.log()[-20000:]}")


def _received_until_signal(receiver: Party, data: dict[str, Any]) -> list[str]:
    """The types of the frames ``receiver`` got up to (and without) the signal ``data``."""
    got: list[str] = []
    while True:
        frame = receiver.recv()
        if frame["type"] == "signal" and frame["data"] == data:
            return got
        got.append(frame["type"])


def _no_restart_before(sender: Party, receiver: Party, call_id: str, mark: int) -> list[str]:
    """``sender`` signals; what ``receiver`` got before it (pongs aside)."""
    data = candidate(f"m{mark}", 50000 + mark)
    sender.send({"type": "signal", "call_id": call_id, "data": data})
    return [t for t in _received_until_signal(receiver, data) if t != "pong"]


def test_a_party_back_with_its_media_keeps_the_call_going(server: Server) -> None:
    booth_cookie = ("fs_kiosk", pair_booth(server.url, "sants", server.booths["sants"]))
    clerk_cookie = ("fs_staff", log_in(server.url, "jordi", PASSWORD))
    with (
        Party(server.url, "console", clerk_cookie) as console,
        Party(server.url, "kiosk", booth_cookie) as kiosk,
    ):
        assert "media_kept" not in console.open()
        assert "media_kept" not in kiosk.open(query="?media=no-call-yet")  # no call: ignored
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        console.send({"type": "accept", "offer_id": console.expect("ring")["offer_id"]})
        call_id = console.expect("call_started")["call_id"]
        kiosk.expect("call_started", call_id=call_id)
        kiosk.send({"type": "media_status", "camera": True, "microphone": True})
        console.expect("devices", camera=True)
        kiosk.send({"type": "signal", "call_id": call_id, "data": sdp("offer", "boo1")})
        console.expect("signal")

        # The booth comes back with its peer connection connected: kept, no call_restart.
        kiosk.close()
        back = kiosk.open(query=f"?media={call_id}")
        assert back["call"]["call_id"] == call_id and back["media_kept"] is True
        assert "call_restart" not in _no_restart_before(kiosk, console, call_id, 1)
        assert "call_restart" not in _no_restart_before(console, kiosk, call_id, 2)

        # The console likewise; what its reconnection brings (devices: the listeners' turn)
        # still comes.
        console.close()
        back = console.open(query=f"?media={call_id}")
        assert back["call"]["call_id"] == call_id and back["media_kept"] is True
        assert console.expect("devices")["camera"] is True
        assert "call_restart" not in _no_restart_before(console, kiosk, call_id, 3)

        # Not this call's id, or not an id at all: ignored, the other side starts over.
        for query in (
            "?media=another-call",
            "?media=" + "x" * 65,
            "?media=bad%20id",
            "?media=",
            "?media=%00%ff",
            "?media=a&media=b",
        ):
            kiosk.close()
            again = kiosk.open(query=query)
            assert again["call"]["call_id"] == call_id, query
            assert "media_kept" not in again, query
            console.expect("call_restart", call_id=call_id)
        console.close()
        again = console.open(query="?media=" + "é" * 3)
        assert "media_kept" not in again
        kiosk.expect("call_restart", call_id=call_id)

        # A page without a connected peer connection leaves it out: as before.
        kiosk.close()
        assert "media_kept" not in kiosk.open()
        console.expect("call_restart", call_id=call_id)

        # After the call, the old id is nobody's: nothing kept.
        console.send({"type": "hang_up", "call_id": call_id})
        console.expect("call_ended", call_id=call_id)
        kiosk.expect("call_ended", call_id=call_id)
        console.close()
        ended = console.open(query=f"?media={call_id}")
        assert (ended["call"], ended["wrap_up"]) == (None, {"call_id": call_id})
        assert "media_kept" not in ended
