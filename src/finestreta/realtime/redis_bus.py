"""The bus across nodes on Redis pub/sub (``docs/design/cluster.md`` §4.2, §4.3).

Channels, all under one prefix (:func:`default_prefix`, so two clusters or two test schemas on
one Redis never mix):

- ``<prefix><party>:<id>`` (``kiosk``, ``console``, ``agent``): subscribed by the node holding
  that party's socket (``listen``/``unlisten``). It carries both the frames for the socket
  (``{"k": "frame", "v": version, "text": frame}``) and the "replaced" closes
  (``{"k": "close", "seq": …, "reason": …, "code": …}``): a close needs no channel of its own, the
  holder is exactly who listens there, and it stays ordered after the frames one node sent
  before it.
- ``<prefix>hints``: ``{"node": sender, "first": …, "last": …, "rows": […]}``; a node ignores
  its own.

One publishing connection fed by one ordered queue (the hub is synchronous: ``send``, ``close``
and ``hint`` only enqueue) and one subscribing task keep each node's messages in order. At most
once: while Redis is unreachable ``healthy`` is False and messages are dropped and counted in
``dropped``; the database stays the truth and every node polls it. The subscriber reconnects
with backoff (0.5 s doubling to 2 s), subscribes again to every channel of its sockets, and then
calls ``on_reconnect`` (the hub refreshes from the database: hints were lost meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from finestreta.realtime.bus import CloseHandler, FrameHandler, HintHandler

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 2.0
# How long the subscriber waits for a message before looking at new (un)subscriptions: the
# latency of ``listen``.
POLL = 0.02
# A PING every second on the subscribing connection; no PONG within 5 s counts as Redis down
# (a hung broker, or a peer gone without a reset, would otherwise look healthy forever). Not
# less: the PONG is read on the event loop, and a loop stalled for a moment (a command waiting
# for the office's lock on a busy machine) read it late and dropped signalling for nothing.
PING_EVERY = 1.0
PONG_WITHIN = 5.0
# Messages waiting for the publisher beyond this are dropped (Redis far slower than the hub).
QUEUE_MAX = 10_000

OnReconnect = Callable[[], Awaitable[None] | None]


def default_prefix(database_url: str) -> str:
    """``fin:<database>:<schema>:`` for a database URL: the schema from a ``search_path`` in
    ``options`` (as the tests' schemas set it), else ``public`` (``main`` on SQLite)."""
    url = make_url(database_url)
    database = url.database or ""
    schema = "main" if url.get_backend_name() == "sqlite" else "public"
    options = url.query.get("options", "")
    for option in [options] if isinstance(options, str) else list(options):
        text = unquote(option).replace("-c ", "-c")
        for part in text.split():
            if part.startswith("-csearch_path="):
                first = part.removeprefix("-csearch_path=").split(",")[0].strip().strip('"')
                schema = first or schema
    return f"fin:{database}:{schema}:"


class RedisBus:
    """:class:`~finestreta.realtime.bus.Bus` over Redis; see the module's docstring."""

    mode = "redis"

    def __init__(
        self, url: str, prefix: str, node_id: str, on_reconnect: OnReconnect | None = None
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.node_id = node_id
        self.on_reconnect = on_reconnect
        self.dropped = 0  # messages not sent: Redis down, or the queue full
        self.connects = 0  # successful (re)connections of the subscriber
        self.subscribed: set[str] = set()  # channels Redis confirmed
        self._healthy = False
        self._wanted: set[str] = set()  # channels of this node's sockets
        self._queue: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue(QUEUE_MAX)
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._on_frame: FrameHandler | None = None
        self._on_close: CloseHandler | None = None
        self._on_hint: HintHandler | None = None
        self._pong_due: float | None = None  # when an unanswered PING makes Redis down

    @property
    def healthy(self) -> bool:
        return self._healthy

    def channel(self, party: str, party_id: int) -> str:
        return f"{self.prefix}{party}:{party_id}"

    @property
    def hints_channel(self) -> str:
        return f"{self.prefix}hints"

    # --- lifecycle

    async def start(
        self, on_frame: FrameHandler, on_close: CloseHandler, on_hint: HintHandler
    ) -> None:
        """Returns at once: connecting (and reconnecting) happens in the background, so a node
        starts while Redis is down."""
        self._on_frame, self._on_close, self._on_hint = on_frame, on_close, on_hint
        self._tasks = [
            asyncio.create_task(self._subscriber(), name="bus-subscriber"),
            asyncio.create_task(self._publisher(), name="bus-publisher"),
        ]

    async def stop(self) -> None:
        """What is queued goes out first (at most 1 s), then both connections close."""
        if not self._tasks:
            return
        publisher = self._tasks[1]
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(publisher), 1.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._healthy = False

    # --- the hub's side (synchronous)

    def listen(self, party: str, party_id: int) -> None:
        self._wanted.add(self.channel(party, party_id))
        self._changed.set()

    def unlisten(self, party: str, party_id: int) -> None:
        self._wanted.discard(self.channel(party, party_id))
        self._changed.set()

    def send(self, party: str, party_id: int, text: str, version: int) -> None:
        self._publish(self.channel(party, party_id), {"k": "frame", "v": version, "text": text})

    def close(self, party: str, party_id: int, seq: int, reason: str, code: int) -> None:
        message = {"k": "close", "seq": seq, "reason": reason, "code": code}
        self._publish(self.channel(party, party_id), message)

    def hint(self, first: int, last: int, rows: list[dict[str, Any]]) -> None:
        message = {"node": self.node_id, "first": first, "last": last, "rows": rows}
        self._publish(self.hints_channel, message)

    def _publish(self, channel: str, message: dict[str, Any]) -> None:
        if not self._healthy:
            self.dropped += 1
            return
        try:
            self._queue.put_nowait((channel, json.dumps(message, separators=(",", ":"))))
        except asyncio.QueueFull:
            self.dropped += 1

    # --- the two connections

    def _client(self) -> Redis:
        # no retries inside a command: a failure must surface at once (we reconnect ourselves)
        client: Redis = Redis.from_url(
            self.url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=1.0, socket_timeout=None
        )
        return client

    async def _publisher(self) -> None:
        client = self._client()
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    return
                if not self._healthy:
                    self.dropped += 1
                    continue
                try:
                    await asyncio.wait_for(client.publish(*item), 2.0)
                except (RedisError, OSError, TimeoutError) as error:
                    self.dropped += 1
                    log.warning("bus: publish failed: %s", error)
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _subscriber(self) -> None:
        delay = BACKOFF_FIRST
        failed = False
        while True:
            client = self._client()
            pubsub = client.pubsub()
            try:
                await self._session(pubsub, reconnected=failed)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as error:
                if self._healthy or not failed:
                    log.warning("bus: Redis unreachable (%s); retrying", error)
                if self._healthy:
                    delay = BACKOFF_FIRST  # a fresh outage starts the backoff over
                self._healthy = False
                failed = True
            except Exception:
                # a bug here must not end the bus for the node's life: log it, start over
                log.exception("bus: subscriber failed; reconnecting")
                failed = True
            finally:
                self._healthy = False
                self.subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    async def _session(self, pubsub: PubSub, *, reconnected: bool) -> None:
        """One connection's life: subscribe to everything, then read until it breaks."""
        await pubsub.subscribe(self.hints_channel)
        current = {self.hints_channel}
        # wait for the hints' confirmation: the connection is really up then (a stopped
        # redis-server's kernel still accepts connections)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PONG_WITHIN
        while self.hints_channel not in self.subscribed:
            if loop.time() > deadline:
                raise TimeoutError("no answer to SUBSCRIBE")
            await self._handle(await pubsub.get_message(timeout=0.1), pubsub)
        current = await self._sync(pubsub, current)
        self._healthy = True
        self.connects += 1
        if reconnected:
            log.info("bus: Redis back")
            await self._call_on_reconnect()
        pinged = loop.time()
        self._pong_due = None
        while True:
            now = loop.time()
            if self._pong_due is not None and now > self._pong_due:
                raise TimeoutError("no answer to PING")
            if self._pong_due is None and now - pinged >= PING_EVERY:
                await pubsub.ping()
                pinged, self._pong_due = now, now + PONG_WITHIN
            if self._changed.is_set():
                current = await self._sync(pubsub, current)
            await self._handle(await pubsub.get_message(timeout=POLL), pubsub)

    async def _sync(self, pubsub: PubSub, current: set[str]) -> set[str]:
        self._changed.clear()
        wanted = self._wanted | {self.hints_channel}
        gone, new = current - wanted, wanted - current
        if gone:
            await pubsub.unsubscribe(*gone)
            self.subscribed -= gone
        if new:
            await pubsub.subscribe(*new)
        return wanted

    async def _call_on_reconnect(self) -> None:
        if self.on_reconnect is None:
            return
        try:
            result = self.on_reconnect()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("bus: on_reconnect failed")

    async def _handle(self, message: dict[str, Any] | None, pubsub: PubSub) -> None:
        if message is None:
            return
        kind = message.get("type")
        channel = _text(message.get("channel"))
        if kind == "subscribe":
            self.subscribed.add(channel)
            return
        if kind == "pong":
            self._pong_due = None
            return
        if kind != "message":
            return
        try:
            self._dispatch(channel, json.loads(_text(message.get("data"))))
        except Exception:
            # a handler's bug or a foreign message must not stop the bus
            log.exception("bus: message on %s not handled", channel)

    def _dispatch(self, channel: str, body: dict[str, Any]) -> None:
        if channel == self.hints_channel:
            if body.get("node") != self.node_id and self._on_hint is not None:
                self._on_hint(int(body["first"]), int(body["last"]), list(body["rows"]))
            return
        party, _, ident = channel.removeprefix(self.prefix).rpartition(":")
        if body.get("k") == "frame" and self._on_frame is not None:
            self._on_frame(party, int(ident), str(body["text"]), int(body["v"]))
        elif body.get("k") == "close" and self._on_close is not None:
            self._on_close(
                party, int(ident), int(body["seq"]), str(body["reason"]), int(body["code"])
            )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
