"""Open sockets: each has an outgoing queue drained by its own task (a slow peer never blocks
the hub), a token bucket that throttles floods, and the time it was last heard from.
:class:`Sockets` keeps one socket per party (a newer one replaces the older) for everyone who
holds sockets: the hub (booths, consoles) and the device desk (kiosk agents)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator

from starlette.websockets import WebSocket, WebSocketState

from finestreta.clock import SYSTEM_CLOCK, Clock
from finestreta.realtime.frames import Closed, Outbound

log = logging.getLogger(__name__)

# Frames queued for a peer that does not read them; past this the socket is closed.
MAX_PENDING = 1000

# Close codes (4000–4999 are the application's own; docs/protocol.md#close-codes).
CLOSE_HEARTBEAT = 4000
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_REPLACED = 4409
CLOSE_NOT_READING = 1008
# Sent by the WebSocket layer (uvicorn's ws_max_size, cli.uvicorn_options), not by us: a
# message over 4 × FINESTRETA_MAX_FRAME_BYTES is not even read.
CLOSE_TOO_BIG = 1009
CLOSE_GOING_AWAY = 1001
# Service Restart: the server is draining (SIGTERM); reconnect after 0–500 ms, no backoff.
CLOSE_SERVICE_RESTART = 1012


class TokenBucket:
    """``rate`` tokens a second up to ``burst``: frames per socket, or bytes per socket."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self._clock = clock
        self.stamp = clock()

    def take(self, amount: float = 1.0) -> bool:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= amount:
            self.tokens -= amount
            return True
        return False


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        party: str,
        party_id: int,
        bucket: TokenBucket,
        clock: Clock = SYSTEM_CLOCK,
        byte_bucket: TokenBucket | None = None,
    ) -> None:
        self.websocket = websocket
        self.party = party  # "kiosk" | "console" | "agent"
        self.party_id = party_id
        self.bucket = bucket  # frames
        # bytes: a booth sending big frames within the frame rate must not starve the others
        self.byte_bucket = byte_bucket
        self.clock = clock
        self.last_seen = clock.time()
        self.throttled_notice_at = 0.0
        # SHA-256 of the session or pairing token the socket was opened with: logging out or
        # unpairing ends the session, and the socket is closed too ("" for the kiosk agent,
        # which proves the device secret itself).
        self.credential = ""
        # the call whose peer connection the page kept connected across this reconnection
        # (``?media=`` on /ws/kiosk and /ws/console, validated at the edge): None if it has none
        self.media: str | None = None
        # which socket of the party this is, cluster-wide (realtime/cluster.py): the registry
        # row names it, and of two sockets of one party the higher seq is the newer
        self.conn_id = uuid.uuid4().hex
        self.seq = 0
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self._close_code, self._close_reason = 1000, ""

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    def heard(self) -> None:
        self.last_seen = self.clock.time()

    def send(self, frame: Outbound) -> None:
        self.send_text(frame.to_json())

    def send_text(self, text: str) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= MAX_PENDING:
            log.warning("%s %s is not reading its frames; closing", self.party, self.party_id)
            self.close(CLOSE_NOT_READING)
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

    async def flushed(self, timeout: float) -> None:
        """Waits (at most ``timeout``) until what was queued before :meth:`close` is written
        and the close frame sent: a server that stops right after would otherwise cut the
        socket with its own close, the last frames unsent."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._writer), timeout=timeout)

    async def finish(self) -> None:
        """Flush what is queued and stop the writer (used when the reader ends)."""
        self.close()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer, timeout=2)


class Sockets:
    """The open sockets of one kind of party, one per party id."""

    def __init__(self, party: str) -> None:
        self.party = party
        self._open: dict[int, Connection] = {}

    def join(self, conn: Connection) -> None:
        """``conn`` becomes the party's socket; an older one is told and closed (4409)."""
        old = self._open.get(conn.party_id)
        if old is not None and old is not conn:
            old.send(Closed(reason="replaced"))
            old.close(CLOSE_REPLACED, "replaced by a newer connection")
        self._open[conn.party_id] = conn

    def leave(self, conn: Connection) -> bool:
        """Forget ``conn``; False when it had been replaced already (nothing to undo)."""
        if self._open.get(conn.party_id) is conn:
            del self._open[conn.party_id]
            return True
        return False

    def get(self, party_id: int) -> Connection | None:
        return self._open.get(party_id)

    def send(self, party_id: int, frame: Outbound) -> None:
        conn = self._open.get(party_id)
        if conn is not None:
            conn.send(frame)

    def forward(self, party_id: int, text: str) -> None:
        """A frame another node made from its model and sent over the bus, as it came."""
        conn = self._open.get(party_id)
        if conn is not None:
            conn.send_text(text)

    def broadcast(self, frame: Outbound) -> int:
        """``frame`` to every open socket, serialised once (the wallboard's pushes); returns
        how many sockets it was queued for."""
        text = frame.to_json()
        sockets = list(self._open.values())
        for conn in sockets:
            conn.send_text(text)
        return len(sockets)

    def close(self, party_id: int, reason: str, code: int, why: str) -> None:
        """Tell the party why and close its socket (a disabled booth, a logged-out clerk)."""
        conn = self._open.get(party_id)
        if conn is not None:
            conn.send(Closed(reason=reason))
            conn.close(code, why)

    def __contains__(self, party_id: object) -> bool:
        return party_id in self._open

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._open.values()))

    def __len__(self) -> int:
        return len(self._open)

    def ids(self) -> list[int]:
        return list(self._open)
