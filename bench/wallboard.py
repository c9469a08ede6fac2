"""The wallboard's cost per switchboard event, in process, beside the hub without it.

    .venv/bin/python bench/wallboard.py --quick     # smoke run, a few seconds
    .venv/bin/python bench/wallboard.py             # 600 attentions, 1/10/50 watching sockets

What it does:

1. seeds a fresh SQLite database (``_harness.seed``: booths, clerks, always open) and builds
   the real hub (switchboard, store, directory) with no socket of its own;
2. generates a day of attentions by driving the switchboard (request, ring, accept, hang up,
   wrap up; every fifth citizen cancels), in batches as the hub applies them;
3. **baseline**: each batch through the hub (``Hub._apply``: the events written to the
   database, observers told, frames delivered) with no wallboard: µs per event;
4. **wallboard**: a second, identical database and hub with the wallboard wired and N sockets
   watching; per batch: the fold (``Wallboard.observe``: µs per event) and one push (the
   ``wallboard`` frame built, today's figures and breakdowns computed, serialised once and
   queued to the N sockets), and a push with today's figures as they were (the "now" part
   only). Pushes are coalesced to at most two a second and today's figures computed at most
   every 2 s, whatever the event rate; the fold is paid for every event.

Last line: one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import _harness as h
from finestreta.accounts.directory import Directory, load_directory
from finestreta.attention import ClerkState, RoutingRules, Switchboard
from finestreta.attention import events as ev
from finestreta.attention.boards import LocalBoard
from finestreta.attention.states import Party
from finestreta.attention.store import AttentionStore
from finestreta.clock import ManualClock
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.realtime import frames as f
from finestreta.realtime.connections import Connection, TokenBucket
from finestreta.realtime.hub import Hub
from finestreta.supervision.live import Wallboard


class _Counted(Connection):
    """A watching socket that counts what it is sent instead of queueing it for a peer."""

    sent = 0

    def send_text(self, text: str) -> None:
        self.sent += 1


def build(tmp: Path, name: str, booths: int, clerks: int) -> tuple[Hub, Database, list[int]]:
    url = f"sqlite:///{tmp / name}.db"
    seeded = h.seed(url, booths, clerks, prefix=name, sites=4)
    settings = Settings(_env_file=None, database_url=url)
    db = Database(url)
    start = time.time()
    store = AttentionStore(db)
    board = Switchboard(RoutingRules(ring_timeout=20))
    directory = Directory(lambda: load_directory(db))
    hub = Hub(settings, LocalBoard(board, store), store, directory, ManualClock(start))
    store.load(board, start)
    for clerk in seeded.clerks:
        board.register_clerk(clerk.id, {"ca", "es", "en"}, {"general"}, idle_since=start)
    return hub, db, [b.id for b in seeded.booths]


def day(hub: Hub, booths: list[int], attentions: int) -> Iterator[list[ev.Event]]:
    """The batches of events a day of ``attentions`` makes on ``hub``'s switchboard, in the
    order the hub would apply them (each yielded before the next command runs)."""
    board = hub.board
    now = hub.clock.time()
    for clerk in list(board.clerks):
        yield board.console_connected(clerk, now)
        yield board.set_clerk_state(clerk, ClerkState.AVAILABLE, now)
    calls: list[tuple[int, str, float]] = []
    for index in range(attentions):
        now += 40
        for clerk_id, call_id, end in list(calls):
            if end <= now:
                yield board.hang_up(call_id, Party.CLERK, end)
                yield board.wrap_up(clerk_id, call_id, "information_given", "", end + 20)
                calls.remove((clerk_id, call_id, end))
        kiosk = booths[index % len(booths)]
        if board.live_request_of(kiosk) is not None:
            continue
        made = board.request(kiosk, "ca", "general", now)
        yield made
        queued = next(e for e in made if isinstance(e, ev.RequestQueued))
        if index % 5 == 4:
            yield board.cancel(queued.request_id, now + 3)
            continue
        offer = next((e for e in made if isinstance(e, ev.OfferMade)), None)
        if offer is not None:
            started = board.accept(offer.clerk_id, offer.offer_id, now + 4)
            yield started
            call = next(e for e in started if isinstance(e, ev.CallStarted))
            calls.append((call.clerk_id, call.call_id, now + 100))


def run(tmp: Path, booths: int, clerks: int, attentions: int, sockets: int) -> dict[str, Any]:
    plain, _, ids = build(tmp, f"s{sockets}base", booths, clerks)
    base: list[float] = []
    for batch in day(plain, ids, attentions):
        if batch:
            began = time.perf_counter()
            plain._apply(batch)
            base.append((time.perf_counter() - began) / len(batch))

    hub, db, ids = build(tmp, f"s{sockets}wall", booths, clerks)
    wallboard = Wallboard(hub, db)
    watchers = [
        _Counted(None, f.SUPERVISOR, index + 1, TokenBucket(30, 120))  # type: ignore[arg-type]
        for index in range(sockets)
    ]
    for conn in watchers:
        wallboard.sockets.join(conn)
    wallboard.today_attentions()  # today's log read once, as when the first supervisor comes
    applied: list[float] = []
    fold: list[float] = []
    push: list[float] = []
    push_now: list[float] = []
    events = batches = size = 0
    for batch in day(hub, ids, attentions):
        if not batch:
            continue
        events, batches = events + len(batch), batches + 1
        began = time.perf_counter()
        hub._apply(batch)  # what the hub does anyway (as the baseline)
        middle = time.perf_counter()
        wallboard.observe(batch)  # the fold
        folded = time.perf_counter()
        wallboard.today_json(fresh=True)  # today's figures and breakdowns (every 2 s at most)
        frame = wallboard.frame()  # now + today
        wallboard.sockets.broadcast(frame)  # serialised once, queued to every socket
        done = time.perf_counter()
        wallboard.sockets.broadcast(wallboard.frame())  # a push with today as it was
        again = time.perf_counter()
        applied.append((middle - began) / len(batch))
        fold.append((folded - middle) / len(batch))
        push.append(done - folded)
        push_now.append(again - done)
        size = len(frame.to_json())
    assert all(conn.sent == 2 * batches for conn in watchers)

    def us(values: list[float], p: float) -> float:
        return round((h.percentile(values, p) or 0.0) * 1e6, 1)

    result = {
        "sockets": sockets,
        "events": events,
        "batches": batches,
        "attentions_today": len(wallboard.today_attentions()),
        "baseline_us_per_event_p50": us(base, 50),
        "baseline_us_per_event_p99": us(base, 99),
        "hub_us_per_event_p50": us(applied, 50),
        "hub_us_per_event_p99": us(applied, 99),
        "fold_us_per_event_p50": us(fold, 50),
        "fold_us_per_event_p99": us(fold, 99),
        "push_us_p50": us(push, 50),
        "push_us_p99": us(push, 99),
        "push_now_only_us_p50": us(push_now, 50),
        "push_now_only_us_p99": us(push_now, 99),
        "frame_bytes_at_end": size,
    }
    print(
        f"{sockets:3d} sockets, {events} events in {batches} batches, "
        f"{result['attentions_today']} attentions today. Per event (p50/p99): hub alone "
        f"{result['baseline_us_per_event_p50']}/{result['baseline_us_per_event_p99']} µs, "
        f"fold {result['fold_us_per_event_p50']}/{result['fold_us_per_event_p99']} µs. "
        f"Per push: {result['push_us_p50']}/{result['push_us_p99']} µs with today recomputed, "
        f"{result['push_now_only_us_p50']}/{result['push_now_only_us_p99']} µs without "
        f"(frame {size} bytes at the end of the day)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--booths", type=int, default=20)
    parser.add_argument("--clerks", type=int, default=8)
    parser.add_argument("--attentions", type=int, default=600)
    parser.add_argument("--sockets", default="1,10,50")
    parser.add_argument("--quick", action="store_true", help="60 attentions, 1 and 10 sockets")
    args = parser.parse_args()
    if args.quick:
        args.attentions, args.sockets = 60, "1,10"
    os.environ.setdefault("FINESTRETA_LOG_LEVEL", "warning")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for sockets in (int(s) for s in args.sockets.split(",")):
            results.append(run(Path(folder), args.booths, args.clerks, args.attentions, sockets))
    print(json.dumps({"bench": "wallboard", "runs": results}))


if __name__ == "__main__":
    main()
