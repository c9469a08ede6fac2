"""Many booths and consoles in one asyncio loop, for the cluster tests (docs/design/cluster.md §7).

Each ``Client`` keeps one socket open the way ``web/static/common/socket.js`` does: after a
loss it reconnects in 0.5 s, doubling up to 10 s (reset by a ``hello``); after 1012 at once
(0–500 ms); never after 4401, 4403 or 4409. It sends ``ping`` every ``heartbeat_s`` (the
WebSocket layer answers the server's protocol pings by itself), keeps every frame it got with
the monotonic time it came, and picks the URL of each connection from ``urls`` in turn (one
nginx origin, or the nodes round-robin)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Origin

FINAL_CODES = {4401, 4403, 4409}
COOKIE = {"kiosk": "fs_kiosk", "console": "fs_staff"}


def _insecure() -> ssl.SSLContext:
    """The test nginx has a self-signed certificate (one context: making one costs ~10 ms)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


INSECURE = _insecure()


@dataclass
class Frame:
    at: float  # time.monotonic()
    data: dict[str, Any]


@dataclass
class Client:
    party: str  # "kiosk" or "console"
    token: str  # the cookie's value
    urls: list[str]  # http(s) origins, tried in turn
    name: str = ""
    frames: list[Frame] = field(default_factory=list)
    hellos: list[Frame] = field(default_factory=list)
    closes: list[tuple[float, int | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # why connections failed
    final: int | None = None  # the close code that ended it for good
    connected_to: str | None = None
    ws: ClientConnection | None = None
    on_frame: Callable[[Client, dict[str, Any]], None] | None = None
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _heartbeat: float = 5.0

    # ---------------------------------------------------------------- running
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            url = self.urls[next(self._turn) % len(self.urls)]
            code: int | None = None
            try:
                code = await self._connection(url)
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException) as e:
                self.errors.append(repr(e))
                code = None
            self.ws = None
            self.connected_to = None
            self.closes.append((time.monotonic(), code))
            self._changed.set()
            if code in FINAL_CODES:
                self.final = code
                return
            previous = self.closes[-2][0] if len(self.closes) > 1 else 0.0
            if self.hellos and self.hellos[-1].at > previous:
                backoff = 0.5  # this connection got its hello: the doubling starts afresh
            if code == 1012:
                await asyncio.sleep(random.uniform(0, 0.5))
                backoff = 0.5
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    async def _connection(self, url: str) -> int | None:
        ws_url = url.replace("http", "ws", 1) + f"/ws/{self.party}"
        async with websockets.connect(
            ws_url,
            origin=Origin(url),  # the page's own origin (same-origin check)
            additional_headers={"Cookie": f"{COOKIE[self.party]}={self.token}"},
            ssl=INSECURE if ws_url.startswith("wss") else None,
            open_timeout=10,
            max_size=2**20,
        ) as ws:
            self.ws = ws
            self.connected_to = url
            pinger = asyncio.get_running_loop().create_task(self._ping(ws))
            try:
                async for text in ws:
                    frame = Frame(time.monotonic(), json.loads(text))
                    self.frames.append(frame)
                    if frame.data["type"] == "hello":
                        self.hellos.append(frame)
                        self._heartbeat = float(frame.data.get("heartbeat_s", 5))
                    if self.on_frame is not None:
                        self.on_frame(self, frame.data)
                    self._changed.set()
            except websockets.exceptions.ConnectionClosed:
                pass
            finally:
                pinger.cancel()
            return ws.close_code

    async def _ping(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(self._heartbeat)
                await ws.send(json.dumps({"type": "ping", "t": time.time()}))

    # ---------------------------------------------------------------- using
    def send(self, frame: dict[str, Any]) -> None:
        """Sends now if connected (else the frame is lost, as a page's would be)."""
        ws = self.ws
        if ws is not None:
            asyncio.get_running_loop().create_task(self._send(ws, frame))

    async def _send(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        with contextlib.suppress(websockets.exceptions.ConnectionClosed):
            await ws.send(json.dumps(frame))

    async def wait(
        self, test: Callable[[Client], Any], timeout: float, what: str = "condition"
    ) -> Any:
        """Until ``test(self)`` is truthy (checked after every frame or close); its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = test(self)
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"{self.name}: no {what} within {timeout} s (closes {self.closes[-5:]}, "
                    f"final {self.final}, errors {self.errors[-3:]})"
                )
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def last(self, kind: str, since: float = 0.0, **match: Any) -> dict[str, Any] | None:
        """The newest frame of that type (since that time) whose fields match."""
        for frame in reversed(self.frames):
            if frame.at < since:
                break
            data = frame.data
            if data["type"] == kind and all(data.get(k) == v for k, v in match.items()):
                return data
        return None

    def hello_since(self, since: float) -> Frame | None:
        for frame in self.hellos:
            if frame.at >= since:
                return frame
        return None


async def open_all(clients: list[Client], batch: int = 20, timeout: float = 30) -> None:
    """Start the clients a batch at a time, each batch once all its hellos came (a hundred
    handshakes at once on a busy machine time out, and real pages do not all open at once)."""
    for first in range(0, len(clients), batch):
        some = clients[first : first + batch]
        for client in some:
            client.start()
        await asyncio.gather(*(c.wait(lambda c: c.hellos, timeout, "hello") for c in some))
