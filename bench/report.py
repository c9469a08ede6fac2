#!/usr/bin/env python3
"""Pilot report benchmark: the report (figures + PDF + CSV) over 90 days of 4 booths and over one
year of 50 booths, on SQLite and on PostgreSQL, against reading the same log alone.

Each case runs in a process of its own (so that its peak RSS is its own): it makes a database
(a migrated SQLite file in a temp dir, or a schema of its own in the PostgreSQL of
``FINESTRETA_TEST_DATABASE_URL``), bulk-inserts a realistic history (:func:`history`: weekday
opening hours, arrivals by hour of day, 15 % abandons, wrap-ups, ratings, procedure steps,
printer incidents) and measures, in this order:

* ``baseline``: ``read_log`` of the period alone (what any figure needs first);
* ``report``: ``read_inputs`` (log, hours, incidents) + ``assemble`` + ``to_pdf`` + ``to_csv``,
  with the seconds of each stage;
* the same two again under ``tracemalloc`` for their peak Python allocation, and the process's
  ``ru_maxrss`` at the end.

    .venv/bin/python bench/report.py [--quick] [--profile out.prof]

``--quick`` runs only the 90-day case. PostgreSQL is skipped with a message when unreachable
(not under ``CI=true``, where it fails). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text

from finestreta.accounts.models import Kiosk, OfficeHours, Site
from finestreta.attention.records import AttentionEventRow
from finestreta.db import Database
from finestreta.devices.records import DeviceHealthEventRow
from finestreta.migrate import upgrade
from finestreta.procedures.records import ProcedureStepRow
from finestreta.supervision.event_log import read_log
from finestreta.supervision.report import ReportModel, assemble, to_csv, to_pdf
from finestreta.supervision.report.source import read_inputs

MADRID = ZoneInfo("Europe/Madrid")
HOURS = "mon-fri 09:00-14:00; mon-thu 16:00-19:00"
FIRST = date(2025, 1, 6)  # a Monday
CASES = {"pilot": (90, 4), "city": (365, 50)}
# arrivals per booth per hour, by local hour (a morning peak, a quieter afternoon)
PROFILE = {9: 1.2, 10: 2.0, 11: 2.2, 12: 1.8, 13: 1.2, 16: 0.9, 17: 1.1, 18: 0.7}
OUTCOMES = ("information_given", "procedure_completed", "referred_to_office", "appointment_booked")
PROCEDURES = ("census", "information", "taxes", "works", "complaints")
CHUNK = 20_000


# ---------------------------------------------------------------------- the history


def _open(day: date, hour: int) -> bool:
    weekday = day.weekday()
    return weekday < 5 and (9 <= hour < 14 or (weekday < 4 and 16 <= hour < 19))


def history(days: int, booths: int, seed: int = 12) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(table, row)`` pairs of a plausible history, in time order per booth."""
    rng = random.Random(seed)
    clerks = max(2, math.ceil(booths / 2))
    n = 0
    for offset in range(days):
        day = FIRST + timedelta(days=offset)
        for booth in range(1, booths + 1):
            for hour, rate in PROFILE.items():
                if not _open(day, hour):
                    continue
                start = datetime(day.year, day.month, day.day, hour, tzinfo=MADRID)
                t = 0.0
                while True:
                    t += rng.expovariate(rate / 3600)
                    if t >= 3600:
                        break
                    n += 1
                    yield from _attention(rng, n, booth, clerks, start + timedelta(seconds=t))
            if rng.random() < 0.02:  # a printer out of paper for an afternoon
                at = datetime(day.year, day.month, day.day, 15, tzinfo=MADRID).astimezone(UTC)
                for state, later in (("media_empty", 0), ("ok", 3 * 3600 + rng.random() * 3600)):
                    yield (
                        "health",
                        {
                            "kiosk_id": booth,
                            "device": "printer",
                            "state": state,
                            "at": at + timedelta(seconds=later),
                        },
                    )


def _event(kind: str, at: datetime, **columns: Any) -> tuple[str, dict[str, Any]]:
    data = columns.pop("data", {})
    row = {
        "at": at.astimezone(UTC),
        "kind": kind,
        "request_id": None,
        "call_id": None,
        "clerk_id": None,
        "kiosk_id": None,
        "data": data,
        "note": "",
        **columns,
    }
    return ("event", row)


def _attention(
    rng: random.Random, n: int, booth: int, clerks: int, queued: datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    request, call, offer = f"r{n:010d}", f"c{n:010d}", f"o{n:010d}"
    clerk = 1 + rng.randrange(clerks)
    topic = rng.choice(("general", "census", "taxes"))
    yield _event(
        "request_queued",
        queued,
        request_id=request,
        kiosk_id=booth,
        data={"topic": topic, "language": rng.choice(("ca", "es")), "priority": 0, "seq": n},
    )
    wait = rng.lognormvariate(3.0, 0.8)  # median 20 s
    if rng.random() < 0.15:
        yield _event("request_cancelled", queued + timedelta(seconds=wait), request_id=request)
        return
    answered = queued + timedelta(seconds=wait)
    yield _event(
        "offer_made",
        answered - timedelta(seconds=3),
        request_id=request,
        clerk_id=clerk,
        kiosk_id=booth,
        data={"offer_id": offer, "request_id": request},
    )
    yield _event(
        "call_started",
        answered,
        request_id=request,
        call_id=call,
        clerk_id=clerk,
        kiosk_id=booth,
        data={"offer_id": offer},
    )
    ended = answered + timedelta(seconds=rng.lognormvariate(5.5, 0.5))  # median ~4 min
    yield _event("call_ended", ended, request_id=request, call_id=call, kiosk_id=booth)
    yield _event(
        "call_wrapped_up",
        ended + timedelta(seconds=rng.uniform(10, 90)),
        call_id=call,
        clerk_id=clerk,
        data={"outcome": rng.choice(OUTCOMES)},
    )
    yield (
        "step",
        {
            "at": answered.astimezone(UTC) + timedelta(seconds=30),
            "call_id": call,
            "clerk_id": clerk,
            "procedure": rng.choice(PROCEDURES),
            "step": "shown",
            "outcome": "ok",
            "detail": {},
        },
    )
    if rng.random() < 0.55:
        yield _event(
            "request_rated",
            ended + timedelta(seconds=15),
            request_id=request,
            data={"rating": rng.choices((1, 2, 3, 4, 5), (1, 1, 3, 6, 9))[0]},
        )


def fill(db: Database, days: int, booths: int) -> dict[str, int]:
    """Sites, booths, hours and the history, bulk-inserted in chunks."""
    with db.session() as session:
        session.add(OfficeHours(id=1, spec=HOURS, closed_days="", timezone="Europe/Madrid"))
        for site in range(1, (booths + 1) // 2 + 1):
            session.add(Site(id=site, name=f"Civic centre {site}"))
        session.flush()
        for booth in range(1, booths + 1):
            session.add(
                Kiosk(
                    id=booth,
                    code=f"b{booth}",
                    name=f"Booth {booth}",
                    site_id=(booth + 1) // 2,
                    secret_hash="x",
                )
            )
    tables = {
        "event": AttentionEventRow,
        "step": ProcedureStepRow,
        "health": DeviceHealthEventRow,
    }
    pending: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    counts = dict.fromkeys(tables, 0)
    with db.engine.begin() as conn:
        for table, row in history(days, booths):
            rows = pending[table]
            rows.append(row)
            counts[table] += 1
            if len(rows) >= CHUNK:
                conn.execute(insert(tables[table]), rows)
                rows.clear()
        for table, rows in pending.items():
            if rows:
                conn.execute(insert(tables[table]), rows)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return counts


# ---------------------------------------------------------------------- one case


def measure(url: str, days: int, booths: int, profile: str | None) -> dict[str, Any]:
    db = Database(url)
    began = time.perf_counter()
    counts = fill(db, days, booths)
    filled = time.perf_counter() - began
    first, last = FIRST, FIRST + timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=MADRID).astimezone(UTC)
    end = (datetime(last.year, last.month, last.day, tzinfo=MADRID) + timedelta(days=1)).astimezone(
        UTC
    )

    def baseline() -> int:
        return len(read_log(db, start, end).events)

    stages: dict[str, float] = {}

    def report() -> tuple[int, int]:
        t = time.perf_counter()
        inputs = read_inputs(db, first, last, MADRID)
        stages["read"] = time.perf_counter() - t
        t = time.perf_counter()
        made = assemble(inputs, ReportModel(), "ca")
        stages["assemble"] = time.perf_counter() - t
        t = time.perf_counter()
        pdf = to_pdf(made)
        stages["pdf"] = time.perf_counter() - t
        t = time.perf_counter()
        table = to_csv(made)
        stages["csv"] = time.perf_counter() - t
        return len(pdf), len(table)

    baseline()  # warm: imports, fonts, the database's cache
    t = time.perf_counter()
    events = baseline()
    baseline_s = time.perf_counter() - t
    t = time.perf_counter()
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    pdf_bytes, csv_bytes = report()
    report_s = time.perf_counter() - t
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    timed = dict(stages)
    tracemalloc.start()
    baseline()
    baseline_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    report()
    report_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    db.dispose()
    return {
        "days": days,
        "booths": booths,
        "rows": counts,
        "events_read": events,
        "fill_s": round(filled, 1),
        "baseline_read_log_s": round(baseline_s, 3),
        "report_s": round(report_s, 3),
        "report_stages_s": {k: round(v, 3) for k, v in timed.items()},
        "report_vs_baseline": round(report_s / baseline_s, 2) if baseline_s else None,
        "baseline_peak_mib": round(baseline_peak / 2**20, 1),
        "report_peak_mib": round(report_peak / 2**20, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pdf_kib": round(pdf_bytes / 1024, 1),
        "csv_kib": round(csv_bytes / 1024, 1),
    }


def run_case(backend: str, days: int, booths: int, profile: str | None) -> dict[str, Any]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            return measure(url, days, booths, profile)
    base = os.environ["FINESTRETA_TEST_DATABASE_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        return measure(url, days, booths, profile)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# ---------------------------------------------------------------------- the whole run


def postgres_reachable() -> str | None:
    """None when reachable, else why not."""
    url = os.environ.get("FINESTRETA_TEST_DATABASE_URL")
    if not url:
        return "FINESTRETA_TEST_DATABASE_URL is not set"
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any reason not to reach it is a reason to skip
        return f"{type(exc).__name__}: {exc}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only 90 days of 4 booths")
    parser.add_argument("--profile", help="cProfile the report of the largest case to this file")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # backend:days:booths, in a child
    args = parser.parse_args()
    if args.case:
        backend, days, booths = args.case.split(":")
        print(json.dumps(run_case(backend, int(days), int(booths), args.profile)))
        return
    backends = ["sqlite"]
    why = postgres_reachable()
    if why is None:
        backends.append("postgresql")
    elif os.environ.get("CI") == "true":
        raise SystemExit(f"PostgreSQL unreachable under CI: {why}")
    else:
        print(f"PostgreSQL skipped: {why}")
    cases = {"pilot": CASES["pilot"]} if args.quick else CASES
    results: dict[str, Any] = {}
    for backend in backends:
        for name, (days, booths) in cases.items():
            command = [sys.executable, __file__, "--case", f"{backend}:{days}:{booths}"]
            if args.profile and name == "city":
                command += ["--profile", f"{args.profile}.{backend}"]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{backend} {name} failed")
            lines = done.stdout.strip().splitlines()
            if len(lines) > 1:
                print("\n".join(lines[:-1]))
            result = json.loads(lines[-1])
            results[f"{backend}_{name}"] = result
            print(
                f"{backend:<10} {days:>3} days × {booths:>2} booths: "
                f"{result['events_read']:>9,} events; report {result['report_s']:.2f} s "
                f"({', '.join(f'{k} {v:.2f}' for k, v in result['report_stages_s'].items())}) "
                f"vs read_log {result['baseline_read_log_s']:.2f} s; peak "
                f"{result['report_peak_mib']} MiB vs {result['baseline_peak_mib']} MiB "
                f"(tracemalloc), max RSS {result['max_rss_mib']} MiB"
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
