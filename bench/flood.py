"""One booth floods its socket with big frames; how much does another booth's round trip suffer?

    .venv/bin/python bench/flood.py                  # 2,000 frames of 256 KiB, ~1 minute
    .venv/bin/python bench/flood.py --frames 200     # smoke run

The hardening issue measured, before the per-socket byte budget and the lower socket cap,
that one booth sending 2,000 frames of 256 KiB pushed another booth's ping round trip to p99
44 ms, max 710 ms (baseline max 1.2 ms). This script repeats that on a throw-away server:

1. seeds two paired booths in a fresh SQLite database and starts ``finestreta serve``;
2. **baseline**: the victim booth sends ``ping`` every 100 ms and times each ``pong``;
3. **flood**: the same, while the flooder booth sends ``--frames`` frames of ``--kib`` KiB as
   fast as its socket takes them (a frame over the socket cap closes that socket with 1009:
   the flooder then reconnects and goes on, as a hostile client would).

Figures (last line, one JSON object): the victim's round trip p50/p99/max in both phases, the
flood's frames and MiB sent per second, what the server answered the flooder (by error code or
close code), and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import _harness as h

LINGER_S = 1.0
BUFFERED_MAX = 1 << 20


async def _victim(ws_base: str, origin: str, token: str, until: asyncio.Event) -> list[float]:
    """Ping every 100 ms until told to stop; the round trips in seconds."""
    rtts: list[float] = []
    async with connect(
        f"{ws_base}/ws/kiosk",
        additional_headers={"Cookie": f"fs_kiosk={token}", "Origin": origin},
        max_size=None,
    ) as ws:
        await ws.recv()  # hello
        seq = 0
        while not until.is_set():
            seq += 1
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "t": seq}))
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") == "pong" and frame.get("t") == seq:
                    rtts.append(time.perf_counter() - sent)
                    break
            await asyncio.sleep(0.1)  # within the frame rate (FINESTRETA_FRAMES_PER_SECOND)
    return rtts


async def _flooder(
    ws_base: str, origin: str, token: str, frames: int, size: int, answers: Counter[str]
) -> float:
    """Send ``frames`` frames of ``size`` bytes; reconnect when the server closes. Returns the
    seconds the sending took (then it lingers ``LINGER_S`` while the server reads the rest)."""
    text = json.dumps({"type": "ping", "pad": "x" * max(0, size - 30)})
    sent = 0
    started = time.perf_counter()
    sending = 0.0
    while sent < frames:
        try:
            async with connect(
                f"{ws_base}/ws/kiosk",
                additional_headers={"Cookie": f"fs_kiosk={token}", "Origin": origin},
                max_size=None,
                max_queue=None,
            ) as ws:
                await ws.recv()  # hello

                async def read() -> None:
                    async for raw in ws:
                        frame = json.loads(raw)
                        kind = frame.get("type")
                        answers[f"error:{frame.get('code')}" if kind == "error" else kind] += 1

                reader = asyncio.create_task(read())
                try:
                    while sent < frames:
                        await ws.send(text)
                        sent += 1
                        # send() returns once the frame is buffered: without this, the 500 MiB
                        # pile up in this process and the server sees a trickle
                        while ws.transport.get_write_buffer_size() > BUFFERED_MAX:
                            await asyncio.sleep(0.001)
                    sending = time.perf_counter() - started
                    # the sends fill socket buffers faster than the server reads them: stay
                    # connected while it works through them (the victim keeps measuring)
                    await asyncio.sleep(LINGER_S)
                finally:
                    reader.cancel()
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            answers[f"close:{code}"] += 1
            sent += 1  # the frame that closed it counts as sent
            sending = time.perf_counter() - started
    return sending


def _flood_process(
    ws_base: str, origin: str, token: str, frames: int, size: int
) -> tuple[float, dict[str, int]]:
    answers: Counter[str] = Counter()
    seconds = asyncio.run(_flooder(ws_base, origin, token, frames, size, answers))
    return seconds, dict(answers)


async def _phase(
    ws_base: str, origin: str, victim: str, flooder: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    stop = asyncio.Event()
    answers: Counter[str] = Counter()
    victim_task = asyncio.create_task(_victim(ws_base, origin, victim, stop))
    await asyncio.sleep(0.5)
    seconds = None
    if flooder is None:
        await asyncio.sleep(args.baseline_seconds)
    else:
        # in a process of its own: a tight send loop would starve the victim in this one
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            seconds, sent_answers = await asyncio.get_running_loop().run_in_executor(
                pool, _flood_process, ws_base, origin, flooder, args.frames, args.kib * 1024
            )
        answers.update(sent_answers)
    stop.set()
    rtts = await victim_task
    return {"rtts": rtts, "seconds": seconds, "answers": dict(answers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--kib", type=int, default=256, help="size of each flood frame")
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    args = parser.parse_args()
    h.exit_on_sigterm()

    ws = h.Workspace.create("finestreta-flood-")
    db_url = f"sqlite:///{ws.dir / 'bench.db'}"
    seeded = h.seed(db_url, booths=2, clerks=1, prefix="flood", sites=1)
    port = h.free_port()
    server = h.start_finestreta(ws, port, db_url)
    base = f"http://{h.LOOPBACK}:{port}"
    ws_base = f"ws://{h.LOOPBACK}:{port}"
    victim, flooder = seeded.booths[0].token, seeded.booths[1].token
    try:
        rss_before = h.rss_kib(server.pid)
        baseline = asyncio.run(_phase(ws_base, base, victim, None, args))
        flood = asyncio.run(_phase(ws_base, base, victim, flooder, args))
        rss_after = h.rss_kib(server.pid)
    finally:
        ws.close()

    print(f"baseline round trip: {h.describe_ms(baseline['rtts'])}")
    print(f"under flood:         {h.describe_ms(flood['rtts'])}")
    seconds = flood["seconds"] or 1.0
    print(
        f"flood: {args.frames} frames of {args.kib} KiB in {seconds:.1f} s; "
        f"the server answered {flood['answers']}"
    )
    figures = {
        "baseline_p50_ms": h.ms(h.percentile(baseline["rtts"], 50), 3),
        "baseline_p99_ms": h.ms(h.percentile(baseline["rtts"], 99), 3),
        "baseline_max_ms": h.ms(max(baseline["rtts"]), 3),
        "flood_p50_ms": h.ms(h.percentile(flood["rtts"], 50), 3),
        "flood_p99_ms": h.ms(h.percentile(flood["rtts"], 99), 3),
        "flood_max_ms": h.ms(max(flood["rtts"]), 3),
        "samples": {"baseline": len(baseline["rtts"]), "flood": len(flood["rtts"])},
        "flood_frames": args.frames,
        "flood_kib": args.kib,
        "flood_seconds": round(seconds, 2),
        "flood_mib_per_s": round(args.frames * args.kib / 1024 / seconds, 1),
        "answers_to_flooder": flood["answers"],
        "server_rss_kib": {"before": rss_before, "after": rss_after},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
