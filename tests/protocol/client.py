"""A booth and a console written from docs/protocol.md alone (no browser, no code of the
pages): the pairing and login forms for the cookies, a WebSocket with ``Origin`` and ``Cookie``,
a ``ping`` every ``heartbeat_s``, and every frame received checked against
docs/protocol.schema.json. Their WebRTC side is fake but well-formed: the server relays
signalling untouched, so SDP and candidates only have to look like what a browser sends."""

from __future__ import annotations

import json
import threading
import time
from http.cookies import SimpleCookie
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.protocol.wire import check


def post_form(base_url: str, path: str, fields: dict[str, str]) -> httpx.Response:
    """A form post as a browser on the server's own page makes it (same origin)."""
    return httpx.post(
        f"{base_url}{path}", data=fields, headers={"Origin": base_url}, follow_redirects=False
    )


def cookie_of(response: httpx.Response, name: str) -> tuple[str, dict[str, str]]:
    """The value of the cookie ``name`` that ``response`` sets, and its attributes."""
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            morsel = jar[name]
            attributes = {key.lower(): str(value) for key, value in morsel.items() if value}
            return morsel.value, attributes
    raise AssertionError(f"no {name} cookie set: {response.headers.get_list('set-cookie')}")


def pair_booth(base_url: str, code: str, secret: str) -> str:
    """``POST /kiosk/pair``: the booth's ``fs_kiosk`` token."""
    response = post_form(base_url, "/kiosk/pair", {"code": code, "secret": secret})
    assert (response.status_code, response.headers.get("location")) == (303, "/kiosk")
    token, _ = cookie_of(response, "fs_kiosk")
    return token


def log_in(base_url: str, username: str, password: str) -> str:
    """``POST /login``: the clerk's ``fs_staff`` token."""
    response = post_form(base_url, "/login", {"username": username, "password": password})
    assert (response.status_code, response.headers.get("location")) == (303, "/console")
    token, _ = cookie_of(response, "fs_staff")
    return token


class Party:
    """One party's socket: ``open`` it (the ``hello`` comes back), ``send``, ``recv`` and
    ``expect`` frames; it pings by itself, and checks every frame it receives."""

    def __init__(self, base_url: str, party: str, cookie: tuple[str, str]) -> None:
        self.base_url = base_url
        self.party = party  # "kiosk" or "console": its socket is /ws/<party>
        self.cookie = cookie
        self.received: list[dict[str, Any]] = []  # every frame, in order, across sockets
        self.ws: ClientConnection | None = None
        self._beat: threading.Thread | None = None

    # ------------------------------------------------------------------ the socket
    def open(self, query: str = "") -> dict[str, Any]:
        """A new socket (``query``: e.g. ``?media=<call_id>``); returns its first frame, the
        ``hello``."""
        url = self.base_url.replace("http://", "ws://", 1) + f"/ws/{self.party}{query}"
        name, value = self.cookie
        self.ws = connect(
            url,
            origin=Origin(self.base_url),
            additional_headers={"Cookie": f"{name}={value}"},
            open_timeout=10,
            compression=None,
        )
        hello = self.recv()
        assert hello["type"] == "hello", f"the first frame is not hello: {hello!r}"
        assert hello["protocol"] == 1
        self._beat = threading.Thread(
            target=self._heartbeat, args=(self.ws, float(hello["heartbeat_s"])), daemon=True
        )
        self._beat.start()
        return hello

    def _heartbeat(self, ws: ClientConnection, every_s: float) -> None:
        while True:
            time.sleep(every_s)
            try:
                ws.send(json.dumps({"type": "ping", "t": time.time()}))
            except ConnectionClosed:
                return

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    def __enter__(self) -> Party:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ frames
    def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None, "open the socket first"
        check(self.party, "inbound", frame)  # what we send is what the document says, too
        self.ws.send(json.dumps(frame))

    def recv(self, timeout: float = 10.0) -> dict[str, Any]:
        assert self.ws is not None, "open the socket first"
        text = self.ws.recv(timeout=timeout)
        assert isinstance(text, str), "frames are JSON text"
        frame: dict[str, Any] = json.loads(text)
        check(self.party, "outbound", frame)
        self.received.append(frame)
        return frame

    def expect(self, type_: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        """The next frame of ``type_`` whose fields match; pongs and other frames before it
        are read (and checked) on the way."""
        skipped: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                frame = self.recv(max(0.01, left))
            except TimeoutError:
                raise AssertionError(
                    f"{self.party}: no {type_!r} {fields or ''} within {timeout} s; got {skipped}"
                ) from None
            if frame["type"] == type_ and all(frame.get(k) == v for k, v in fields.items()):
                return frame
            skipped.append(frame["type"])

    def call_frames(self, call_id: str) -> list[dict[str, Any]]:
        return [f for f in self.received if f.get("call_id") == call_id]


# ---------------------------------------------------------------------- fake WebRTC


def sdp(kind: str, ufrag: str, candidates: tuple[str, ...] = ()) -> dict[str, Any]:
    """A session description as ``RTCSessionDescription.toJSON()`` gives it: audio and video,
    bundled, trickle ICE (``candidates`` put inside the SDP, as a client that does not trickle
    would)."""
    setup = "actpass" if kind == "offer" else "active"
    lines = [
        "v=0",
        f"o=- {int.from_bytes(ufrag.encode(), 'big') % 10**18} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS local",
    ]
    for mid, (media, payload, codec) in enumerate(
        (("audio", 111, "opus/48000/2"), ("video", 96, "VP8/90000"))
    ):
        lines += [
            f"m={media} 9 UDP/TLS/RTP/SAVPF {payload}",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
            *(f"a={candidate}" for candidate in candidates),
            f"a=ice-ufrag:{ufrag}",
            "a=ice-pwd:asd88fgpdd777uzjYhagZg4vRz0GIgsv",
            "a=ice-options:trickle",
            "a=fingerprint:sha-256 " + ":".join(["7B"] * 32),
            f"a=setup:{setup}",
            f"a=mid:{mid}",
            "a=sendrecv",
            "a=msid:local track-" + media,
            "a=rtcp-mux",
            f"a=rtpmap:{payload} {codec}",
        ]
    return {"description": {"type": kind, "sdp": "\r\n".join(lines) + "\r\n"}}


def candidate(ufrag: str, port: int, mid: int = 0) -> dict[str, Any]:
    """One ICE candidate as ``RTCIceCandidate.toJSON()`` gives it."""
    line = (
        f"candidate:{port} 1 udp 2122260223 127.0.0.1 {port} typ host generation 0"
        f" ufrag {ufrag} network-id 1"
    )
    return {
        "candidate": {
            "candidate": line,
            "sdpMid": str(mid),
            "sdpMLineIndex": mid,
            "usernameFragment": ufrag,
        }
    }
