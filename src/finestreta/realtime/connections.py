"""One open socket: an outgoing queue drained by its own task (a slow peer never blocks the
hub), a token bucket that throttles floods, and the time it was last heard from."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

log = logging.getLogger(__name__)

# Frames queued for a peer that does not read them; past this the socket is closed.
MAX_PENDING = 1000


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Connection:
    def __init__(
        self, websocket: WebSocket, party: str, party_id: int, bucket: TokenBucket
    ) -> None:
        self.websocket = websocket
        self.party = party  # "kiosk" | "clerk"
        self.party_id = party_id
        self.bucket = bucket
        self.last_seen = time.monotonic()
        self.throttled_notice_at = 0.0
        # SHA-256 of the session or pairing token the socket was opened with: logging out or
        # unpairing ends the session, and the hub then closes the socket too.
        self.credential = ""
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    def send(self, frame: dict[str, Any]) -> None:
        self.send_text(json.dumps(frame, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= MAX_PENDING:
            log.warning("%s %s is not reading its frames; closing", self.party, self.party_id)
            self.close(1008)
            return
        self._queue.put_nowait(text)

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self._queue.put_nowait(None)
        self._close_code, self._close_reason = code, reason

    async def _drain(self) -> None:
        try:
            while True:
                text = await self._queue.get()
                if text is None:
                    break
                await self.websocket.send_text(text)
        except Exception:  # the peer went away; the reader notices and unregisters
            self.closed = True
            return
        if self.websocket.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.websocket.close(self._close_code, self._close_reason)

    async def finish(self) -> None:
        """Flush what is queued and stop the writer (used when the reader ends)."""
        self.close()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer, timeout=2)
