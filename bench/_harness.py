"""Shared pieces of the benchmarks: a throw-away server, database seeding, /proc readings,
percentiles, CPU pinning, a bare WebSocket forwarder to compare against, and clean-up.

Everything here talks to 127.0.0.1 only. Run as a script it is the bare forwarder:

    python bench/_harness.py forwarder --port 9001

(a ``websockets`` server that passes every text frame received on ``/pair/<key>/a`` to the
socket on ``/pair/<key>/b`` and back, untouched: a relay with no application in it).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LOOPBACK = "127.0.0.1"
ALWAYS_OPEN = "mon-sun 00:00-24:00"


# ---------------------------------------------------------------------- figures
def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float | None, digits: int = 2) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, digits)


def describe_ms(values: Sequence[float]) -> str:
    """'p50 1.23 ms, p90 …, p99 …, max … (n=…)' for a list of durations in seconds."""
    if not values:
        return "no samples"
    parts = [f"p{p} {ms(percentile(values, p))}" for p in (50, 90, 99)]
    return f"{', '.join(parts)}, max {ms(max(values))} ms (n={len(values)})"


# ---------------------------------------------------------------------- /proc
def rss_kib(pid: int) -> int | None:
    """Resident set size of a process (VmRSS), KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU share of a process (100 = one core busy) between start() and stop()."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self._cpu0: float | None = None
        self._wall0 = 0.0

    def start(self) -> None:
        self._cpu0 = cpu_seconds(self.pid) if self.pid else None
        self._wall0 = time.monotonic()

    def stop(self) -> float | None:
        if self.pid is None or self._cpu0 is None:
            return None
        cpu = cpu_seconds(self.pid)
        wall = time.monotonic() - self._wall0
        if cpu is None or wall <= 0:
            return None
        return round(100.0 * (cpu - self._cpu0) / wall, 1)


def system_busy_seconds() -> float:
    """CPU time all CPUs spent busy since boot (/proc/stat: everything but idle and iowait)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields[:8]]
    busy = sum(values) - values[3] - values[4]
    return busy / os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """CPU used by processes other than ours (other users' tests, builds...) meanwhile, in
    % of one core: if it is large the machine was shared and the figures are pessimistic."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self._busy0 = 0.0
        self._ours0 = 0.0
        self._wall0 = 0.0

    def _ours(self) -> float:
        return sum(cpu_seconds(pid) or 0.0 for pid in self.pids())

    def start(self) -> None:
        self._busy0, self._ours0, self._wall0 = (
            system_busy_seconds(),
            self._ours(),
            time.monotonic(),
        )

    def stop(self) -> float:
        wall = time.monotonic() - self._wall0
        busy = system_busy_seconds() - self._busy0
        ours = self._ours() - self._ours0
        return round(max(0.0, 100.0 * (busy - ours) / wall), 1) if wall > 0 else 0.0


def pid_listening_on(port: int) -> int | None:
    """The process with a TCP socket listening on 127.0.0.1/0.0.0.0:port (same user, Linux)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(cols[9])
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc.name)
    return None


# ---------------------------------------------------------------------- CPUs
def cpu_plan(pin: bool) -> tuple[set[int] | None, set[int] | None, str]:
    """(server CPUs, client CPUs, a sentence saying so). Servers get the first CPU, the load
    generator the others, so the two do not steal each other's time slices."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin:
        return None, None, f"{len(cpus)} CPUs, no pinning: servers and load generator share them"
    if len(cpus) < 2:
        return None, None, "1 CPU: servers and load generator share it (figures are pessimistic)"
    server, client = {cpus[0]}, set(cpus[1:])
    return (
        server,
        client,
        f"{len(cpus)} CPUs: servers pinned to CPU {cpus[0]}, "
        f"load generator to CPU {','.join(map(str, sorted(client)))}",
    )


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, cpus)


# ---------------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with status {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port} after {timeout:.0f} s")


def wait_for_http(url: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before answering")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    stop_signal: int = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@dataclass
class Workspace:
    """A temp directory and the child processes started in it; ``close()`` (also run at exit
    and on SIGTERM) stops the children and removes the directory."""

    dir: Path
    children: list[Child] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    def create(cls, prefix: str) -> Workspace:
        tmp = tempfile.TemporaryDirectory(prefix=prefix)
        ws = cls(Path(tmp.name), _tmp=tmp)
        atexit.register(ws.close)
        return ws

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        log = self.dir / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                cwd=self.dir,  # no developer .env is picked up
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the children
            )
        child = Child(name, proc, log)
        self.children.append(child)
        return child

    def stop(self, child: Child, timeout: float = 5.0) -> None:
        if child.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(child.stop_signal)
            try:
                child.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    child.proc.kill()
                child.proc.wait(timeout)

    def close(self) -> None:
        while self.children:
            self.stop(self.children.pop(), timeout=30)
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.cleanup()
            self._tmp = None


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks and atexit clean up."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def raise_fd_limit(needed: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def start_finestreta(
    ws: Workspace,
    port: int,
    db_url: str,
    extra_env: dict[str, str] | None = None,
    stall_file: Path | None = None,
    name: str = "server",
) -> Child:
    """``finestreta serve`` on 127.0.0.1:port against db_url; returns once /api/health is 200.
    With ``stall_file``, the same command runs under the stall watchdog (``_stallwatch_serve``)."""
    env = {
        "FINESTRETA_DATABASE_URL": db_url,
        "FINESTRETA_LOG_LEVEL": "warning",
        # a benchmark's server stops when told: no rolling-upgrade drain of its sockets
        "FINESTRETA_DRAIN_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    serve = ["serve", "--host", LOOPBACK, "--port", str(port)]
    if stall_file is not None:
        env[STALL_ENV] = str(stall_file)
        argv = [str(VENV_BIN / "python"), str(Path(__file__)), "stallwatch-serve", *serve]
    else:
        argv = [str(VENV_BIN / "finestreta"), *serve]
    child = ws.spawn(name, argv, env)  # its log: <name>.log in the workspace
    try:
        wait_for_http(f"http://{LOOPBACK}:{port}/api/health", child.proc, 60)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n--- server log ---\n{child.tail()}") from None
    return child


def start_forwarder(ws: Workspace, port: int) -> Child:
    child = ws.spawn(
        "forwarder", [sys.executable, str(Path(__file__)), "forwarder", "--port", str(port)]
    )
    try:
        wait_for_port(port, child.proc, 30)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n--- forwarder log ---\n{child.tail()}") from None
    return child


def start_py_spy(ws: Workspace, pid: int, out: str, rate: int = 250) -> Child:
    """Sample ``pid`` with py-spy (``pip install py-spy`` into .venv) until stop_py_spy()."""
    exe = VENV_BIN / "py-spy"
    if not exe.exists():
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(Path(out).suffix, "raw")
    child = ws.spawn(
        "py-spy",
        [str(exe), "record", "--pid", str(pid), "--rate", str(rate), "--format", fmt,
         "--output", str(Path(out).resolve()), "--nonblocking"],
    )  # fmt: skip
    child.stop_signal = signal.SIGINT  # py-spy writes its file on SIGINT, also at clean-up
    time.sleep(0.5)  # attached
    return child


def stop_py_spy(ws: Workspace, child: Child, out: str) -> None:
    child.proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    try:
        child.proc.wait(30)
    except subprocess.TimeoutExpired:
        child.proc.kill()
        child.proc.wait(5)
    ws.children.remove(child)
    if not Path(out).exists():
        raise RuntimeError(f"py-spy wrote no profile:\n{child.tail()}")


# ---------------------------------------------------------------------- database
@dataclass(frozen=True)
class Party:
    id: int
    name: str
    token: str  # cookie value


@dataclass(frozen=True)
class Seeded:
    booths: list[Party]
    clerks: list[Party]


def seed(
    db_url: str,
    booths: int,
    clerks: int,
    prefix: str,
    sites: int = 20,
    migrate: bool = True,
    hours: str = ALWAYS_OPEN,
) -> Seeded:
    """Add ``booths`` paired booths and ``clerks`` logged-in clerks (every language and topic)
    and make the office open all week. Returns the cookie tokens.

    Rows are written directly: ``service.add_kiosk``/``add_user``/``pair_kiosk`` cost one argon2
    hash (~0.3 s) each, 5 minutes for 1,000 booths, so one hash is computed and shared; the
    session and pairing tokens are real (``open_staff_session``, ``KioskSession`` rows as
    ``pair_kiosk`` writes them)."""
    from finestreta.accounts import service
    from finestreta.accounts.models import Kiosk, KioskSession, OfficeHours, StaffUser
    from finestreta.accounts.secrets import hash_secret, new_device_secret, new_token, token_hash
    from finestreta.attention.states import LANGUAGES
    from finestreta.db import Database
    from finestreta.migrate import upgrade
    from finestreta.procedures import registry

    # the topics the server offers, gathered as build_context does: those of its procedures (the
    # server inherits this environment, and reads no .env)
    chosen = registry.load(os.environ.get("FINESTRETA_PROCEDURES", "").split(","))
    topics = tuple(registry.topics(chosen)) or ("general",)

    if migrate:
        upgrade(db_url)
    db = Database(db_url)
    shared_hash = hash_secret(new_device_secret())
    try:
        with db.session() as session:
            site_ids = [
                service.add_site(session, f"Bench site {prefix}-{i:02d}").id
                for i in range(max(1, sites))
            ]
            kiosks = [
                Kiosk(
                    code=f"{prefix}-{i:04d}",
                    name=f"Bench booth {prefix}-{i:04d}",
                    site_id=site_ids[i % len(site_ids)],
                    secret_hash=shared_hash,
                )
                for i in range(booths)
            ]
            users = [
                StaffUser(
                    username=f"{prefix}-clerk-{i:03d}",
                    display_name=f"Clerk {prefix}-{i:03d}",
                    password_hash=shared_hash,
                    role="clerk",
                    languages=",".join(LANGUAGES),
                    topics=",".join(topics),
                    locale="ca",
                )
                for i in range(clerks)
            ]
            session.add_all([*kiosks, *users])
            session.flush()
            booth_parties = []
            for kiosk in kiosks:
                token = new_token()
                session.add(KioskSession(token_hash=token_hash(token), kiosk_id=kiosk.id))
                booth_parties.append(Party(kiosk.id, kiosk.name, token))
            clerk_parties = [
                Party(user.id, user.display_name, service.open_staff_session(session, user, 12))
                for user in users
            ]
            row = session.get(OfficeHours, 1) or OfficeHours(id=1, timezone="Europe/Madrid")
            row.spec, row.closed_days = hours, ""
            session.add(row)
            service.audit(
                session, "bench", "bench_seeded", prefix, f"{booths} booths {clerks} clerks"
            )
    finally:
        db.dispose()
    return Seeded(booth_parties, clerk_parties)


# ---------------------------------------------------------------------- asyncio helpers
def new_event_loop_policy() -> str:
    """Use uvloop when installed (uvicorn does too); returns its name."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


class LoopLag:
    """How late the load generator's own event loop wakes up: if this is large, client-side
    delays are inflating the measured latencies."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.lags = []
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(self.period)
            self.lags.append(max(0.0, time.perf_counter() - t0 - self.period))

    async def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.lags


@contextlib.contextmanager
def timed(label: str, out: Callable[[str], None] = print) -> Iterator[None]:
    t0 = time.monotonic()
    yield
    out(f"  {label}: {time.monotonic() - t0:.1f} s")


# ---------------------------------------------------------------------- bare forwarder
async def _forwarder(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    peers: dict[str, ServerConnection] = {}

    async def handler(conn: ServerConnection) -> None:
        path = conn.request.path if conn.request else ""
        if not (path.startswith("/pair/") and path[-2:] in ("/a", "/b")):
            await conn.close(4404, "use /pair/<key>/a or /b")
            return
        other = path[:-1] + ("b" if path.endswith("a") else "a")
        peers[path] = conn
        try:
            async for message in conn:
                peer = peers.get(other)
                if peer is not None:
                    await peer.send(message)
        finally:
            if peers.get(path) is conn:
                del peers[path]

    # Same compression settings as uvicorn's (permessage-deflate, 12-bit windows, memLevel 5).
    async with serve(handler, LOOPBACK, port, ping_interval=None, max_size=1024 * 1024):
        await asyncio.Future()


# ---------------------------------------------------------------------- stall watch
STALL_ENV = "FINESTRETA_BENCH_STALLS"


def _stallwatch_serve(argv: list[str], threshold: float = 0.05) -> None:
    """Run ``finestreta <argv>`` unchanged, plus a watchdog that reports event-loop stalls.

    A task on the server's loop (started with the hub) notes the time every 5 ms; a thread
    checks it. When the loop has not come round for ``threshold`` seconds, the thread takes the
    main thread's stack, and when the loop is back it writes one JSON line to $STALL_ENV: the
    stall's length, the main thread's CPU time meanwhile (CPU << wall: the process was waiting
    for a CPU or for I/O; CPU ~ wall: the stack shows the work) and the stack. Garbage
    collections longer than 10 ms are written too."""
    import gc
    import json
    import threading
    import traceback

    from finestreta.realtime import hub as hub_module

    out = open(os.environ[STALL_ENV], "a", buffering=1)  # noqa: SIM115 (lives as the process)
    beat = [time.monotonic()]
    main_clock = time.pthread_getcpuclockid(threading.main_thread().ident or 0)

    def short(fs: traceback.FrameSummary) -> str:
        path = fs.filename
        for marker in ("site-packages/", "src/", "lib/python3"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        return f"{fs.name} ({path}:{fs.lineno})"

    gc_started = [0.0, 0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_started[:] = [time.perf_counter(), time.thread_time()]
            return
        took = time.perf_counter() - gc_started[0]
        if took > 0.01:
            cpu = time.thread_time() - gc_started[1]
            row = {"t": time.time(), "gc_ms": round(took * 1000, 1), "gc_cpu_ms": cpu * 1000}
            out.write(json.dumps({**row, **info}) + "\n")

    gc.callbacks.append(on_gc)
    # Experiment knob (no change to the server's code): FINESTRETA_BENCH_GC_THRESHOLD=a,b,c
    threshold_env = os.environ.get("FINESTRETA_BENCH_GC_THRESHOLD")
    if threshold_env:
        gc.set_threshold(*(int(x) for x in threshold_env.split(",")))
    original_start = hub_module.Hub.start

    async def start(self: Any) -> None:
        await original_start(self)

        async def tick() -> None:
            while True:
                beat[0] = time.monotonic()
                await asyncio.sleep(0.005)

        self._bench_stall_tick = asyncio.get_running_loop().create_task(tick())

    hub_module.Hub.start = start  # type: ignore[method-assign]

    def watchdog() -> None:
        while True:
            time.sleep(0.005)
            seen = beat[0]
            if time.monotonic() - seen < threshold:
                continue
            cpu0 = time.clock_gettime(main_clock)
            wall0 = time.monotonic()
            frame = sys._current_frames().get(threading.main_thread().ident or 0)
            stack = [short(fs) for fs in traceback.extract_stack(frame)][-60:] if frame else []
            sql = ""
            probe = frame
            while probe is not None and not sql:  # the statement SQLite is running, if any
                if probe.f_code.co_name in ("do_execute", "do_executemany"):
                    sql = " ".join(str(probe.f_locals.get("statement", "")).split())[:100]
                probe = probe.f_back
            while beat[0] == seen:
                time.sleep(0.002)
            stalled = time.monotonic() - seen
            cpu = time.clock_gettime(main_clock) - cpu0 + (wall0 - seen)  # first part: assume busy
            row = {
                "t": time.time(),
                "stalled_ms": round(stalled * 1000, 1),
                "cpu_ms_at_most": round(min(cpu, stalled) * 1000, 1),
                "stack": stack,
                "sql": sql,
            }
            out.write(json.dumps(row) + "\n")

    threading.Thread(target=watchdog, name="bench-stall-watch", daemon=True).start()
    from finestreta.cli import main as finestreta_main

    finestreta_main(argv)


def stall_report(
    path: Path, since: float = 0.0, until: float = math.inf, top: int = 6
) -> tuple[list[str], dict[str, Any]]:
    """Readable lines and figures from a stall-watch file (rows ending in [since, until])."""
    import json
    from collections import defaultdict

    stalls: list[dict[str, Any]] = []
    gcs: list[dict[str, Any]] = []
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if since <= row["t"] <= until:
                (stalls if "stalled_ms" in row else gcs).append(row)
    by_place: dict[str, list[float]] = defaultdict(list)
    busy_at: dict[str, float] = defaultdict(float)
    for row in stalls:
        frames = row["stack"]
        ours = [f for f in frames if "finestreta/" in f and "cli.py" not in f]
        place = " <- ".join(reversed(ours[-3:])) if ours else (frames[-1] if frames else "?")
        leaf = frames[-1] if frames else "?"
        if row.get("sql"):
            leaf = f"{leaf} {row['sql'][:60]!r}"
        by_place[f"{place} | in {leaf}"].append(row["stalled_ms"])
        busy_at[f"{place} | in {leaf}"] += row["cpu_ms_at_most"]
    lines = [
        f"server event-loop stalls >= 50 ms: {len(stalls)}, "
        f"{sum(r['stalled_ms'] for r in stalls) / 1000:.1f} s in all; "
        f"main thread busy for {sum(r['cpu_ms_at_most'] for r in stalls) / 1000:.1f} s of it "
        "(the rest waiting for a CPU or I/O)"
    ]
    for gen in sorted({g["generation"] for g in gcs}):
        these = [g for g in gcs if g["generation"] == gen]
        lines.append(
            f"    GC generation {gen} pauses >= 10 ms: {len(these)}, "
            f"{sum(g['gc_ms'] for g in these):.0f} ms in all (CPU "
            f"{sum(g['gc_cpu_ms'] for g in these):.0f} ms), longest "
            f"{max(g['gc_ms'] for g in these):.0f} ms"
        )
    ranked = sorted(by_place.items(), key=lambda kv: -sum(kv[1]))[:top]
    for place, durations in ranked:
        lines.append(
            f"    {len(durations)}x, {sum(durations):.0f} ms in all (busy <= "
            f"{busy_at[place]:.0f}), longest {max(durations):.0f} ms: {place}"
        )
    figures = {
        "count": len(stalls),
        "total_ms": round(sum(r["stalled_ms"] for r in stalls), 1),
        "busy_ms": round(sum(r["cpu_ms_at_most"] for r in stalls), 1),
        "gc_pauses": len(gcs),
    }
    return lines, figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="bench helpers")
    sub = parser.add_subparsers(dest="command", required=True)
    fwd = sub.add_parser("forwarder", help="bare WebSocket forwarder /pair/<key>/a <-> /b")
    fwd.add_argument("--port", type=int, required=True)
    watch = sub.add_parser(
        "stallwatch-serve", help=f"finestreta ARGS with an event-loop stall watchdog (${STALL_ENV})"
    )
    watch.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "stallwatch-serve":
        _stallwatch_serve(args.args)
        return
    exit_on_sigterm()
    new_event_loop_policy()
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        asyncio.run(_forwarder(args.port))


if __name__ == "__main__":
    main()
