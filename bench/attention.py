#!/usr/bin/env python3
"""Attention-loop benchmark: N booths and M clerks on one server, over real WebSockets.

Measures, with all booth sockets connected and the clerks available:

* ring latency: a booth sends ``request_attention`` -> a console receives ``ring``;
* accept latency: a clerk sends ``accept`` -> the later of the two ``call_started`` receipts;
* signalling relay: booth ``signal`` -> the clerk's console receives it, interleaved sample by
  sample with the same frame through a bare ``websockets`` forwarder (socket A -> socket B, no
  application), so both are relay-to-relay through one server process;
* server memory per idle booth socket (VmRSS before/after opening them).

By default it seeds a fresh SQLite database in a temp dir and starts ``finestreta serve`` on a
free 127.0.0.1 port; ``--url``/``--db-url`` point it at a running server instead. The last line
printed is one JSON object with every figure. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from websockets.asyncio.client import ClientConnection, connect

import _harness as h

TARGET_RING_P99_MS = 50.0
TARGET_RELAY_VS_ECHO = 2.0
TARGET_KIB_PER_SOCKET = 64.0
FULL_RATE = 10.0  # calls/s offered by default: ~25x a full office (100 clerks, 4-min calls)

STEP_TIMEOUT = 15.0  # one step of a call (a ring, call_started, a signal...)
LANGUAGES = ("ca", "es", "en")
TOPICS = ("general", "census", "taxes", "works", "complaints")
# A typical trickled ICE candidate; SDP offers are larger but rarer.
CANDIDATE = {
    "candidate": "candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr "
    "192.168.1.20 rport 54321 generation 0 ufrag EsAw network-cost 999",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


# Clients offer permessage-deflate like browsers do; --no-deflate leaves it out, which is what
# the server would see with uvicorn's ws_per_message_deflate=False.
COMPRESSION: dict[str, Any] = {"compression": "deflate"}


def log(line: str = "") -> None:
    print(line, flush=True)


# ====================================================================== simulated sockets
@dataclass
class Waiter:
    type: str
    match: Callable[[dict[str, Any]], bool] | None
    future: asyncio.Future[tuple[dict[str, Any], float]]


@dataclass
class Stats:
    ring: list[float] = field(default_factory=list)
    ring_sent: list[float] = field(default_factory=list)  # perf_counter at request_attention
    accept: list[float] = field(default_factory=list)
    relay_load: list[float] = field(default_factory=list)  # during the call phase
    relay: list[float] = field(default_factory=list)  # interleaved with the forwarder
    echo: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # error frames and failed steps
    closed: list[str] = field(default_factory=list)  # sockets the server closed

    def socket_closed(self, text: str) -> None:
        self.closed.append(text)
        if len(self.closed) <= 3:
            log(f"  ! server closed {text}")

    def error(self, text: str) -> None:
        self.errors.append(text)
        if len(self.errors) <= 5:
            log(f"  ! {text}")


class Peer:
    """One simulated socket: reads frames in a task, resolves whoever waits for them, and sends
    an application ``ping`` every heartbeat like the pages' Channel does (the server drops
    sockets silent for three heartbeats; protocol-level pongs do not count)."""

    def __init__(self, kind: str, party: h.Party, stats: Stats, router: Router) -> None:
        self.kind = kind  # "kiosk" | "console"
        self.party = party
        self.stats = stats
        self.router = router
        self.ws: ClientConnection | None = None
        self.hello: dict[str, Any] | None = None
        self._waiters: list[Waiter] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def open(self, ws_base: str, origin: str) -> None:
        cookie = ("fs_kiosk=" if self.kind == "kiosk" else "fs_staff=") + self.party.token
        hello = self.expect("hello")
        self.ws = await connect(
            f"{ws_base}/ws/{self.kind}",
            additional_headers={"Cookie": cookie, "Origin": origin},
            ping_interval=None,  # browsers do not ping; the server pings us
            open_timeout=60,
            close_timeout=2,
            max_size=1024 * 1024,
            **COMPRESSION,
        )
        self._tasks.append(asyncio.get_running_loop().create_task(self._read()))
        greeting, _ = await asyncio.wait_for(hello, STEP_TIMEOUT)
        self.hello = greeting
        heartbeat = float(greeting.get("heartbeat_s") or 5.0)
        self._tasks.append(asyncio.get_running_loop().create_task(self._heartbeat(heartbeat)))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 3)

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(frame, separators=(",", ":")))

    def expect(
        self, type_: str, match: Callable[[dict[str, Any]], bool] | None = None
    ) -> asyncio.Future[tuple[dict[str, Any], float]]:
        """A future for the next frame of that type (and matching), with its arrival time.
        Register it *before* sending what causes the frame."""
        future: asyncio.Future[tuple[dict[str, Any], float]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiters.append(Waiter(type_, match, future))
        return future

    async def _heartbeat(self, every: float) -> None:
        await asyncio.sleep(random.uniform(0, every))  # browsers do not ping in step
        while True:
            await self.send({"type": "ping", "t": time.time() * 1000})
            await asyncio.sleep(every)

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                self._dispatch(frame, now)
        except Exception as exc:  # connection lost
            self.stats.socket_closed(f"{self.kind} {self.party.id}: {exc!r}")
        else:
            rcvd = self.ws.protocol.close_rcvd
            if rcvd is not None and rcvd.code != 1000:
                self.stats.socket_closed(f"{self.kind} {self.party.id}: closed {rcvd}")
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.set_exception(ConnectionError(f"{self.kind} socket closed"))
                waiter.future.exception()  # nobody may be awaiting it: no "never retrieved"
        self._waiters.clear()

    def _dispatch(self, frame: dict[str, Any], now: float) -> None:
        kind = frame.get("type")
        if kind == "ring":
            self.router.ring(self, frame, now)
            return
        if kind == "error":
            self.stats.error(f"{self.kind} {self.party.id} got error {frame}")
        for i, waiter in enumerate(self._waiters):
            if waiter.future.done():
                continue
            if waiter.type == kind and (waiter.match is None or waiter.match(frame)):
                waiter.future.set_result((frame, now))
                del self._waiters[i]
                break
        if len(self._waiters) > 32:  # drop the ones cancelled by timeouts
            self._waiters = [w for w in self._waiters if not w.future.done()]


class Router:
    """Rings arrive at whichever clerk the server chose: match them to the waiting booth by the
    booth's (unique) name, which the ring frame carries."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[tuple[Peer, dict[str, Any], float]]] = {}
        self.stray = 0

    def wait_ring(self, booth_name: str) -> asyncio.Future[tuple[Peer, dict[str, Any], float]]:
        future: asyncio.Future[tuple[Peer, dict[str, Any], float]] = (
            asyncio.get_running_loop().create_future()
        )
        self.waiting[booth_name] = future
        return future

    def ring(self, clerk: Peer, frame: dict[str, Any], now: float) -> None:
        future = self.waiting.pop(frame.get("kiosk", ""), None)
        if future is None or future.done():
            self.stray += 1
            return
        future.set_result((clerk, frame, now))


async def step(future: asyncio.Future[Any], what: str) -> Any:
    try:
        return await asyncio.wait_for(future, STEP_TIMEOUT)
    except TimeoutError:
        raise TimeoutError(f"no {what} within {STEP_TIMEOUT:.0f} s") from None


async def both(
    a: asyncio.Future[tuple[dict[str, Any], float]],
    b: asyncio.Future[tuple[dict[str, Any], float]],
    what: str,
) -> tuple[tuple[dict[str, Any], float], tuple[dict[str, Any], float]]:
    """Both frames (each keeps its own arrival time, so waiting in turn is exact)."""
    try:
        return await step(a, what), await step(b, what)
    finally:
        for future in (a, b):
            future.cancel()  # no-op when done


# ====================================================================== one call
@dataclass
class Call:
    booth: Peer
    clerk: Peer
    call_id: str


async def place_call(
    booth: Peer, router: Router, stats: Stats | None, signals: int, rng: random.Random
) -> Call:
    """request -> ring -> accept -> both call_started -> ``signals`` booth->clerk signals."""
    ring = router.wait_ring(booth.party.name)
    t0 = time.perf_counter()
    await booth.send(
        {
            "type": "request_attention",
            "language": rng.choice(LANGUAGES),
            "topic": rng.choice(TOPICS),
        }
    )
    try:
        clerk, ring_frame, t_ring = await step(ring, "ring")
    finally:
        router.waiting.pop(booth.party.name, None)
    started_b = booth.expect("call_started")
    started_c = clerk.expect("call_started")
    t1 = time.perf_counter()
    await clerk.send({"type": "accept", "offer_id": ring_frame["offer_id"]})
    (_, t_b), (frame_c, t_c) = await both(started_b, started_c, "call_started")
    if stats is not None:
        stats.ring.append(t_ring - t0)
        stats.ring_sent.append(t0)
        stats.accept.append(max(t_b, t_c) - t1)
    call = Call(booth, clerk, frame_c["call_id"])
    for seq in range(signals):
        latency = await relay_once(call, seq)
        if stats is not None:
            stats.relay_load.append(latency)
    return call


async def relay_once(call: Call, seq: int) -> float:
    got = call.clerk.expect("signal", lambda f: f.get("data", {}).get("seq") == seq)
    data: dict[str, Any] = {"seq": seq, **CANDIDATE}
    frame = {"type": "signal", "call_id": call.call_id, "data": data}
    data["t"] = time.perf_counter()
    await call.booth.send(frame)
    received, t = await step(got, "relayed signal")
    return float(t - received["data"]["t"])


async def end_call(call: Call) -> None:
    """Clerk hangs up and wraps up; returns when the clerk is available again."""
    ended_b = call.booth.expect("call_ended")
    ended_c = call.clerk.expect("call_ended")
    await call.clerk.send({"type": "hang_up", "call_id": call.call_id})
    await both(ended_b, ended_c, "call_ended")
    available = call.clerk.expect("state", lambda f: f.get("state") == "available")
    await call.clerk.send(
        {"type": "wrap_up", "call_id": call.call_id, "outcome": "information_given"}
    )
    await step(available, "state available after wrap-up")


# ====================================================================== phases
async def open_all(peers: list[Peer], ws_base: str, origin: str, parallel: int) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(peer: Peer) -> None:
        async with gate:
            await peer.open(ws_base, origin)

    await asyncio.gather(*(one(p) for p in peers))


async def make_available(clerks: list[Peer]) -> None:
    async def one(clerk: Peer) -> None:
        if clerk.hello and clerk.hello.get("state") == "available":
            return
        ready = clerk.expect("state", lambda f: f.get("state") == "available")
        await clerk.send({"type": "set_state", "state": "available"})
        await step(ready, "state available")

    await asyncio.gather(*(one(c) for c in clerks))


@dataclass
class PhaseResult:
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    cap_waits: int = 0  # arrivals that found all slots busy (offered rate above capacity)
    cut_short: bool = False  # stopped at --max-seconds before all calls were placed


async def call_phase(
    booths: list[Peer],
    router: Router,
    stats: Stats | None,
    calls: int,
    rate: float,
    outstanding: int,
    signals: int,
    rng: random.Random,
    max_seconds: float,
    result: PhaseResult,
    progress: Callable[[PhaseResult, int], None] | None = None,
) -> None:
    """Poisson arrivals at ``rate``/s from idle booths; never more than ``outstanding``
    requests in flight (one per clerk), so a request always finds an available clerk and the
    ring latency is not queueing time. A slot is freed when the clerk is available again.
    New calls stop after ``max_seconds``; calls in flight are finished."""
    slots = asyncio.Semaphore(outstanding)
    idle = deque(booths)
    rng.shuffle(idle)
    tasks: set[asyncio.Task[None]] = set()
    sink = stats or Stats()

    async def one(booth: Peer) -> None:
        try:
            call = await place_call(booth, router, stats, signals, rng)
            await end_call(call)
        except Exception as exc:
            result.failed += 1
            sink.error(f"call from booth {booth.party.id} failed: {exc}")
            return  # slot and booth stay out: their state is unknown
        result.done += 1
        idle.append(booth)
        slots.release()

    t0 = time.monotonic()
    deadline = t0 + max_seconds
    next_report = t0 + 10.0
    next_at = t0
    for _ in range(calls):
        next_at += rng.expovariate(rate) if rate > 0 else 0.0
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if slots.locked():
            result.cap_waits += 1
        while not slots.locked() and not idle:  # more clerks than idle booths
            await asyncio.sleep(0.001)
        try:  # bounded: calls that failed keep their slot, and may take them all
            await asyncio.wait_for(slots.acquire(), max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            result.cut_short = True
            break
        now = time.monotonic()
        if progress is not None and now >= next_report:
            next_report = now + 10.0
            result.seconds = now - t0
            progress(result, len(tasks))
        if now > deadline:
            slots.release()
            result.cut_short = True
            break
        while not idle:
            await asyncio.sleep(0.001)
        task = asyncio.get_running_loop().create_task(one(idle.popleft()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:  # finish the calls in flight, within a bound
        _, late = await asyncio.wait(set(tasks), timeout=2 * STEP_TIMEOUT)
        for task in late:
            task.cancel()
        result.failed += len(late)
    result.seconds = time.monotonic() - t0


def negotiated_deflate(peer: Peer) -> bool:
    """Whether the server agreed to permessage-deflate on this socket."""
    response = peer.ws.response if peer.ws is not None else None
    extensions = response.headers.get("Sec-WebSocket-Extensions", "") if response else ""
    return "permessage-deflate" in extensions


async def relay_vs_forwarder(
    calls: list[Call],
    fwd_base: str,
    rounds: int,
    gap: float,
    stats: Stats,
    deflate: bool,
) -> None:
    """Alternate one finestreta relay sample and one forwarder sample, one frame in flight at a
    time, spread over the open calls (each booth stays far below the server's frame limit).
    The forwarder sockets use compression exactly when the Finestreta server agreed to it."""
    pairs: list[tuple[ClientConnection, ClientConnection]] = []
    key = secrets.token_hex(4)
    same: dict[str, Any] = {"compression": "deflate" if deflate else None}
    try:
        for i in range(len(calls)):
            a = await connect(f"{fwd_base}/pair/{key}{i}/a", ping_interval=None, **same)
            b = await connect(f"{fwd_base}/pair/{key}{i}/b", ping_interval=None, **same)
            pairs.append((a, b))
        for r in range(rounds):
            i = r % len(calls)
            order = (0, 1) if r % 2 == 0 else (1, 0)  # neither always goes first
            for which in order:
                if which == 0:
                    stats.relay.append(await relay_once(calls[i], 1_000_000 + r))
                else:
                    a, b = pairs[i]
                    frame = {"type": "signal", "call_id": calls[i].call_id, "data": {}}
                    frame["data"] = {"seq": r, **CANDIDATE, "t": time.perf_counter()}
                    await a.send(json.dumps(frame, separators=(",", ":")))
                    raw = await asyncio.wait_for(b.recv(), STEP_TIMEOUT)
                    now = time.perf_counter()
                    stats.echo.append(now - json.loads(raw)["data"]["t"])
                await asyncio.sleep(gap)
    finally:
        for a, b in pairs:
            for conn in (a, b):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)


# ====================================================================== main
@dataclass
class Options:
    booths: int
    clerks: int
    calls: int
    warmup: int
    rate: float
    max_seconds: float
    signals: int
    relay_samples: int
    relay_calls: int
    settle: float
    pin: bool
    quick: bool
    url: str | None
    db_url: str | None
    server_pid: int | None
    timeout: float
    check: bool
    parallel_connects: int
    py_spy: str | None
    deflate: bool
    stall_watch: bool


def parse_args(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--booths", type=int, help="booth sockets (default 1000; quick 50)")
    p.add_argument("--clerks", type=int, help="clerk consoles (default 100; quick 10)")
    p.add_argument("--calls", type=int, help="measured calls (default 1200; quick 100)")
    p.add_argument("--warmup", type=int, help="unmeasured calls first (default 50; quick 10)")
    p.add_argument(
        "--rate",
        type=float,
        help="offered calls per second, Poisson arrivals; 0 = back to back, as fast as the "
        f"clerks cycle (default {FULL_RATE:g}; quick 10)",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        help="stop placing calls after this long (default 120; quick 15)",
    )
    p.add_argument("--signals", type=int, default=4, help="booth->clerk signals in each call")
    p.add_argument(
        "--relay-samples",
        type=int,
        help="relay/forwarder sample pairs, interleaved (default 1000; quick 200)",
    )
    p.add_argument("--relay-calls", type=int, default=20, help="calls held open for them")
    p.add_argument(
        "--settle",
        type=float,
        help="seconds idle sockets live before RSS is read (default 6, one heartbeat; quick 2)",
    )
    p.add_argument(
        "--stall-watch",
        action="store_true",
        help="run the server under a watchdog that reports event-loop stalls >= 50 ms with "
        "the stack and CPU time (own server only)",
    )
    p.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="clients do not offer permessage-deflate (browsers do): shows what the server "
        "would save with uvicorn's ws_per_message_deflate=False",
    )
    p.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin CPUs")
    p.add_argument("--quick", action="store_true", help="small smoke run (~20 s)")
    p.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000 (needs --db-url)")
    p.add_argument("--db-url", help="its database, to add bench booths/clerks/sessions")
    p.add_argument("--server-pid", type=int, help="its PID for RSS/CPU (found from the port)")
    p.add_argument("--timeout", type=float, help="give up after (default 300 s; quick 120 s)")
    p.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    p.add_argument("--parallel-connects", type=int, default=50)
    p.add_argument(
        "--py-spy",
        metavar="FILE",
        help="sample the server with py-spy during the call phase into FILE "
        "(.svg flame graph, .json speedscope, anything else collapsed stacks)",
    )
    a = p.parse_args(argv)
    q = a.quick

    def pick(value: Any, full: Any, quick: Any) -> Any:
        return value if value is not None else (quick if q else full)

    if a.url and a.stall_watch:
        p.error("--stall-watch needs the benchmark's own server (no --url)")
    if a.url and not a.db_url:
        p.error("--url needs --db-url (the benchmark seeds its booths and clerks there)")
    if a.url:
        host = urlsplit(a.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            p.error("only servers on 127.0.0.1 are benchmarked")
    opts = Options(
        booths=pick(a.booths, 1000, 50),
        clerks=pick(a.clerks, 100, 10),
        calls=pick(a.calls, 1200, 100),
        warmup=pick(a.warmup, 50, 10),
        rate=pick(a.rate, FULL_RATE, 10.0),
        max_seconds=pick(a.max_seconds, 120.0, 15.0),
        signals=a.signals,
        relay_samples=pick(a.relay_samples, 1000, 200),
        relay_calls=a.relay_calls,
        settle=pick(a.settle, 6.0, 2.0),
        pin=a.pin,
        quick=q,
        url=a.url.rstrip("/") if a.url else None,
        db_url=a.db_url,
        server_pid=a.server_pid,
        timeout=pick(a.timeout, 300.0, 120.0),
        check=a.check,
        parallel_connects=a.parallel_connects,
        py_spy=a.py_spy,
        deflate=a.deflate,
        stall_watch=a.stall_watch,
    )
    if opts.booths < 2 or opts.clerks < 1 or opts.rate < 0:
        p.error("need at least 2 booths, 1 clerk and a rate >= 0")
    opts.relay_calls = max(1, min(opts.relay_calls, opts.clerks, opts.booths - 1))
    return opts


@dataclass
class Run:
    """What has been measured so far (figures are reported even if a later phase fails)."""

    stats: Stats = field(default_factory=Stats)
    phase: PhaseResult = field(default_factory=PhaseResult)
    booths: int = 0
    clerks: int = 0
    rss_before: int | None = None
    rss_after: int | None = None
    idle_sockets: int = 0
    server_cpu: float | None = None
    idle_cpu: float | None = None
    relay_cpu: float | None = None
    other_cpu: float | None = None
    lags: list[float] = field(default_factory=list)
    stalls: dict[str, Any] | None = None
    server_deflate: bool = False
    complete: bool = False


async def run(opts: Options, ws: h.Workspace, server_cpus: set[int] | None, out: Run) -> None:
    started = time.monotonic()
    stats = out.stats
    router = Router()
    rng = random.Random(20240601)
    prefix = "bench" + secrets.token_hex(3)

    # ------------------------------------------------------------ server(s)
    stall_file: Path | None = None
    if opts.url:
        base = opts.url
        db_url = opts.db_url
        assert db_url is not None
        port = urlsplit(base).port or 80
        server_pid = opts.server_pid or h.pid_listening_on(port)
        log(f"server: {base} (running, PID {server_pid or 'unknown'}); seeding {db_url}")
        seeded = h.seed(db_url, opts.booths, opts.clerks, prefix, migrate=False)
        log(f"  added booths/clerks '{prefix}-*'; the server re-reads names and hours every 30 s")
    else:
        db_url = f"sqlite:///{ws.dir / 'bench.db'}"
        stall_file = ws.dir / "stalls.jsonl" if opts.stall_watch else None
        with h.timed(f"seeded {opts.booths} booths and {opts.clerks} clerks (SQLite)", log):
            seeded = h.seed(db_url, opts.booths, opts.clerks, prefix)
        port = h.free_port()
        with h.timed(f"started finestreta serve on 127.0.0.1:{port}", log):
            server = h.start_finestreta(ws, port, db_url, stall_file=stall_file)
        server_pid = server.pid
        base = f"http://127.0.0.1:{port}"
    if server_pid:
        h.pin(server_pid, server_cpus)
    fwd_port = h.free_port()
    forwarder = h.start_forwarder(ws, fwd_port)
    h.pin(forwarder.pid, server_cpus)
    origin = base
    ws_base = "ws" + base.removeprefix("http")
    fwd_base = f"ws://127.0.0.1:{fwd_port}"

    booths = [Peer("kiosk", b, stats, router) for b in seeded.booths]
    clerks = [Peer("console", c, stats, router) for c in seeded.clerks]
    out.booths, out.clerks = len(booths), len(clerks)
    all_peers = [*clerks, *booths]
    meter = h.CpuMeter(server_pid)
    lag = h.LoopLag()
    ours = [os.getpid(), *([server_pid] if server_pid else []), forwarder.pid]
    others = h.OtherLoad(lambda: ours + [c.pid for c in ws.children if c.name == "py-spy"])
    try:
        # -------------------------------------------------------- sockets and memory
        with h.timed(f"{len(clerks)} consoles connected and available", log):
            await open_all(clerks, ws_base, origin, opts.parallel_connects)
            await make_available(clerks)
        first = booths[: min(10, len(booths) // 2)]  # warms the booth code paths
        rest = booths[len(first) :]
        await open_all(first, ws_base, origin, opts.parallel_connects)
        await asyncio.sleep(1.0)
        out.rss_before = h.rss_kib(server_pid) if server_pid else None
        with h.timed(f"{len(rest)} more booth sockets connected", log):
            await open_all(rest, ws_base, origin, opts.parallel_connects)
        meter.start()
        await asyncio.sleep(opts.settle)
        out.idle_cpu = meter.stop()
        out.rss_after = h.rss_kib(server_pid) if server_pid else None
        out.idle_sockets = len(rest)
        log(
            f"server RSS {out.rss_before} KiB -> {out.rss_after} KiB after {len(rest)} idle "
            f"booth sockets ({opts.settle:g} s idle): {kib_per_socket(out)} KiB per socket"
        )
        out.server_deflate = negotiated_deflate(booths[-1])
        log(
            f"server CPU with {len(all_peers)} idle sockets (heartbeats both ways): "
            f"{out.idle_cpu}% of a core; permessage-deflate "
            + ("offered and accepted" if out.server_deflate else "not in use")
            + (" (server refused it)" if opts.deflate and not out.server_deflate else "")
        )

        # -------------------------------------------------------- relay vs bare forwarder
        held: list[Call] = []
        for booth in booths[: opts.relay_calls]:
            try:
                held.append(await place_call(booth, router, None, 0, rng))
            except Exception as exc:
                stats.error(f"could not open a call to relay over: {exc}")
        if not held:
            raise RuntimeError("no call could be opened for the relay comparison")
        meter.start()
        lag.start()
        others.start()
        await relay_vs_forwarder(
            held, fwd_base, opts.relay_samples, 0.002, stats, out.server_deflate
        )
        out.relay_cpu = meter.stop()
        relay_others = others.stop()
        out.lags = await lag.stop()
        for call in held:
            with contextlib.suppress(Exception):
                await end_call(call)
        log(
            f"relay vs bare forwarder, interleaved, {len(held)} calls held open, one frame in "
            f"flight, all {len(booths)} booths still connected (server CPU {out.relay_cpu}%, "
            f"other processes {relay_others}%):"
        )
        log(f"  finestreta booth -> server -> console:      {h.describe_ms(stats.relay)}")
        log(f"  bare websockets A -> forwarder -> B:         {h.describe_ms(stats.echo)}")

        # -------------------------------------------------------- rings, accepts, relays
        if opts.warmup:
            await call_phase(
                booths, router, None, opts.warmup, opts.rate, opts.clerks, 1, rng,
                min(30.0, opts.max_seconds), PhaseResult(),
            )  # fmt: skip

        def progress(p: PhaseResult, in_flight: int) -> None:
            log(
                f"  ... {p.seconds:.0f} s: {p.done} calls done, {in_flight} in flight, "
                f"ring p50/p99 {h.ms(h.percentile(stats.ring, 50))}/"
                f"{h.ms(h.percentile(stats.ring, 99))} ms, server CPU {meter.stop()}%"
            )

        spy = h.start_py_spy(ws, server_pid, opts.py_spy) if opts.py_spy and server_pid else None
        meter.start()
        lag.start()
        others.start()
        call_t0 = time.time()
        budget = opts.timeout - (time.monotonic() - started) - 2 * STEP_TIMEOUT - 10
        limit = max(5.0, min(opts.max_seconds, budget))
        if limit < opts.max_seconds:
            log(f"  (call phase limited to {limit:.0f} s to finish within --timeout)")
        await call_phase(
            booths, router, stats, opts.calls, opts.rate, opts.clerks, opts.signals, rng,
            limit, out.phase, progress,
        )  # fmt: skip
        out.server_cpu = meter.stop()
        out.other_cpu = others.stop()
        out.lags += await lag.stop()
        call_t1 = time.time()
        if spy is not None:
            h.stop_py_spy(ws, spy, opts.py_spy or "")
            log(f"  py-spy profile of the server during the call phase: {opts.py_spy}")
        phase = out.phase
        log(
            f"call phase: {phase.done} calls in {phase.seconds:.1f} s "
            f"({phase.done / max(phase.seconds, 1e-9):.1f}/s; offered "
            + (f"{opts.rate:g}/s Poisson" if opts.rate else "back to back")
            + f"), {opts.signals} signals each; server CPU {out.server_cpu}% of one core; "
            f"arrivals that found all {opts.clerks} clerks busy: {phase.cap_waits}"
            + (f"; cut short at {limit:.0f} s" if phase.cut_short else "")
        )
        per_call = cpu_ms_per_call(out)
        log(
            f"  server CPU per call {per_call} ms (above the idle sockets' own "
            "load): one dedicated core would saturate near "
            f"{round(1000 / per_call) if per_call else '?'} calls/s"
        )
        log(
            f"  other processes on this machine used {out.other_cpu}% of a core meanwhile"
            + (" (shared machine: figures are pessimistic)" if (out.other_cpu or 0) > 20 else "")
        )
        log(f"  ring   (request_attention -> ring):         {h.describe_ms(stats.ring)}")
        if stats.ring:
            t_start = min(stats.ring_sent)
            slow = sorted(zip(stats.ring, stats.ring_sent, strict=True), reverse=True)[:8]
            log(
                "    slowest rings (ms @ s into the phase): "
                + ", ".join(f"{r * 1000:.0f} @ {t - t_start:.1f}" for r, t in slow)
            )
        log(f"  accept (accept -> both call_started):        {h.describe_ms(stats.accept)}")
        log(f"  relay under call load (booth -> clerk):      {h.describe_ms(stats.relay_load)}")
        if stall_file is not None:
            await asyncio.sleep(0.5)  # the watchdog writes a stall when it ends
            lines, out.stalls = h.stall_report(stall_file, call_t0, call_t1 + 0.5)
            for line in lines:
                log(f"  {line}")

        log(
            f"load generator loop lag: p50 {h.ms(h.percentile(out.lags, 50))} ms, "
            f"p99 {h.ms(h.percentile(out.lags, 99))} ms, max {h.ms(max(out.lags, default=None))} "
            "ms (its own delay, included in all figures)"
        )
        if stats.closed:
            log(f"  ! {len(stats.closed)} sockets closed by the server, e.g. {stats.closed[0]}")
        out.complete = True
    finally:
        await asyncio.gather(*(p.close() for p in all_peers), return_exceptions=True)


def kib_per_socket(out: Run) -> float | None:
    if out.rss_before is None or out.rss_after is None or not out.idle_sockets:
        return None
    return round((out.rss_after - out.rss_before) / out.idle_sockets, 1)


def cpu_ms_per_call(out: Run) -> float | None:
    """Server CPU time per measured call (robust to other load on the machine)."""
    if out.server_cpu is None or not out.phase.done:
        return None
    busy = out.server_cpu - (out.idle_cpu or 0.0)
    return round(max(0.0, busy) * 10 * out.phase.seconds / out.phase.done, 1)


def figures(opts: Options, out: Run) -> dict[str, Any]:
    stats = out.stats
    relay_p50 = h.percentile(stats.relay, 50)
    echo_p50 = h.percentile(stats.echo, 50)
    ratio = round(relay_p50 / echo_p50, 2) if relay_p50 and echo_p50 else None
    ring_p99 = h.ms(h.percentile(stats.ring, 99))
    kib = kib_per_socket(out)
    phase = out.phase
    return {
        "ring_p50_ms": h.ms(h.percentile(stats.ring, 50)),
        "ring_p99_ms": ring_p99,
        "accept_p50_ms": h.ms(h.percentile(stats.accept, 50)),
        "accept_p99_ms": h.ms(h.percentile(stats.accept, 99)),
        "relay_p50_ms": h.ms(relay_p50, 3),
        "relay_p99_ms": h.ms(h.percentile(stats.relay, 99), 3),
        "echo_p50_ms": h.ms(echo_p50, 3),
        "echo_p99_ms": h.ms(h.percentile(stats.echo, 99), 3),
        "relay_vs_echo": ratio,
        "relay_load_p50_ms": h.ms(h.percentile(stats.relay_load, 50), 3),
        "relay_load_p99_ms": h.ms(h.percentile(stats.relay_load, 99), 3),
        "kib_per_idle_socket": kib,
        "server_rss_kib": {
            "before": out.rss_before,
            "after": out.rss_after,
            "idle_sockets": out.idle_sockets,
        },
        "permessage_deflate": out.server_deflate,
        "booths": out.booths,
        "clerks": out.clerks,
        "samples": len(stats.ring),
        "sample_counts": {
            "ring": len(stats.ring),
            "accept": len(stats.accept),
            "relay": len(stats.relay),
            "echo": len(stats.echo),
            "relay_load": len(stats.relay_load),
        },
        "rate_offered": opts.rate,
        "rate_achieved": round(phase.done / phase.seconds, 2) if phase.seconds else None,
        "clerks_all_busy_arrivals": phase.cap_waits,
        "server_cpu_pct": out.server_cpu,
        "server_cpu_ms_per_call": cpu_ms_per_call(out),
        "server_idle_cpu_pct": out.idle_cpu,
        "other_processes_cpu_pct": out.other_cpu,
        "client_loop_lag_p99_ms": h.ms(h.percentile(out.lags, 99)),
        "server_stalls": out.stalls,
        "failed_calls": phase.failed,
        "errors": len(stats.errors),
        "sockets_closed_by_server": len(stats.closed),
        "complete": out.complete,
        "targets": {
            "ring_p99_ms": TARGET_RING_P99_MS,
            "relay_vs_echo": TARGET_RELAY_VS_ECHO,
            "kib_per_idle_socket": TARGET_KIB_PER_SOCKET,
        },
        "targets_met": {
            "ring_p99": ring_p99 is not None and ring_p99 <= TARGET_RING_P99_MS,
            "relay_vs_echo": ratio is not None and ratio <= TARGET_RELAY_VS_ECHO,
            "kib_per_idle_socket": kib is not None and kib <= TARGET_KIB_PER_SOCKET,
        },
    }


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if not opts.deflate:
        COMPRESSION["compression"] = None
    h.exit_on_sigterm()
    h.raise_fd_limit(4 * (opts.booths + opts.clerks) + 256)
    server_cpus, client_cpus, cpu_note = h.cpu_plan(opts.pin)
    loop_name = h.new_event_loop_policy()
    if client_cpus:
        h.pin(0, client_cpus)
    log(
        f"finestreta attention benchmark ({'quick' if opts.quick else 'full'}): "
        f"{opts.booths} booths, {opts.clerks} clerks, {opts.calls} calls at "
        + (f"{opts.rate:g}/s" if opts.rate else "full speed")
        + f" (at most {opts.clerks} in flight, so a clerk is always free); clients "
        + ("offer permessage-deflate like browsers" if opts.deflate else "WITHOUT compression")
    )
    log(
        f"machine: {cpu_note}. The load generator (one {loop_name} process) needs CPU too; "
        "its own loop lag is reported below."
    )
    ws = h.Workspace.create("finestreta-bench-")
    out = Run()
    status = 0
    try:
        asyncio.run(asyncio.wait_for(run(opts, ws, server_cpus, out), opts.timeout))
    except TimeoutError:
        log(f"! benchmark did not finish within {opts.timeout:g} s; figures so far follow")
        status = 1
    except (KeyboardInterrupt, SystemExit):
        log("! interrupted; figures so far follow")
        status = 130
    except Exception as exc:
        log(f"! benchmark failed: {type(exc).__name__}: {exc}")
        for child in ws.children:
            if child.name == "server" and child.tail():
                log(f"--- server log (tail) ---\n{child.tail()}")
        status = 1
    finally:
        ws.close()
    result = figures(opts, out)
    met = result["targets_met"]
    log(
        "targets (1,000 booths, 100 clerks, one process): "
        f"ring p99 {result['ring_p99_ms']} ms <= {TARGET_RING_P99_MS:g}: "
        f"{'met' if met['ring_p99'] else 'MISSED'}; "
        f"relay p50 {result['relay_vs_echo']}x bare <= {TARGET_RELAY_VS_ECHO:g}x: "
        f"{'met' if met['relay_vs_echo'] else 'MISSED'}; "
        f"{result['kib_per_idle_socket']} KiB per idle socket <= {TARGET_KIB_PER_SOCKET:g}: "
        f"{'met' if met['kib_per_idle_socket'] else 'MISSED'}"
    )
    if status == 0 and (result["failed_calls"] or result["sockets_closed_by_server"]):
        status = 1
    elif status == 0 and opts.check and not all(met.values()):
        status = 3
    log(json.dumps(result, separators=(", ", ": ")))
    return status


if __name__ == "__main__":
    sys.exit(main())
