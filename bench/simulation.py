"""How long the simulated history takes to write (the demo's first start waits for it).

    .venv/bin/python bench/simulation.py                      # 90 days, 4 booths, 3 clerks, SQLite
    .venv/bin/python bench/simulation.py --days 30 --postgres postgresql+psycopg://postgres@127.0.0.1/test

Baseline, measured in the same run: the simulation alone (the same days and seed, its writes
collected and dropped), so ``write_share`` is what the database costs. Figures: wall and CPU
seconds, SQL statements, rows written per second. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text

from finestreta import demo
from finestreta.attention.records import AttentionEventRow
from finestreta.db import Database
from finestreta.migrate import upgrade
from finestreta.procedures.records import ProcedureStepRow
from finestreta.supervision.simulation import Parameters, Simulation, simulate
from finestreta.supervision.simulation.history import cast, period


def _database(postgres: str | None, folder: Path) -> tuple[str, Any]:
    if not postgres:
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        return url, None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres else "?"
    url = f"{postgres}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--booths", type=int, default=4)
    parser.add_argument("--clerks", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", default="2026-12-05")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own is made)")
    args = parser.parse_args()
    until = date.fromisoformat(args.until)
    with tempfile.TemporaryDirectory() as folder:
        url, drop = _database(args.postgres, Path(folder))
        db = Database(url)
        try:
            with db.session() as session:
                demo.seed(session)  # the demo's clerks and booths, as on the demo's first start
            parameters = Parameters()
            start, _ = period(args.days, until, parameters.timezone)
            booths, clerks = cast(db, args.booths, args.clerks, list(parameters.topics))

            # baseline: the simulation alone
            began, cpu = time.perf_counter(), time.process_time()
            alone = Simulation(parameters, booths, clerks, start, args.days, args.seed)
            alone.run(lambda day: None)
            engine_wall, engine_cpu = time.perf_counter() - began, time.process_time() - cpu

            statements = [0]
            event.listen(
                db.engine,
                "before_cursor_execute",
                lambda *_: statements.__setitem__(0, statements[0] + 1),
            )
            began, cpu = time.perf_counter(), time.process_time()
            run = simulate(
                db,
                days=args.days,
                booths=args.booths,
                clerks=args.clerks,
                seed=args.seed,
                until=until,
            )
            wall, cpu_s = time.perf_counter() - began, time.process_time() - cpu
            with db.session() as session:
                rows = (session.scalar(select(func.count(AttentionEventRow.id))) or 0) + (
                    session.scalar(select(func.count(ProcedureStepRow.id))) or 0
                )
        finally:
            db.dispose()
            if drop is not None:
                drop()
    backend = "postgresql" if args.postgres else "sqlite"
    figures = {
        "backend": backend,
        "days": args.days,
        "booths": args.booths,
        "clerks": args.clerks,
        "attentions": run.totals.requests,
        "event_and_step_rows": rows,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu_s, 2),
        "sql_statements": statements[0],
        "rows_per_s": round(rows / wall),
        "baseline_engine_wall_s": round(engine_wall, 2),
        "baseline_engine_cpu_s": round(engine_cpu, 2),
        "write_share": round(1 - engine_wall / wall, 3),
    }
    print(f"{backend}: {args.days} days, {run.totals.requests} attentions, {rows} event+step rows")
    print(f"  simulate and write: {wall:.2f} s wall, {cpu_s:.2f} s CPU, {statements[0]} SQL")
    print(f"  baseline, the simulation alone: {engine_wall:.2f} s wall, {engine_cpu:.2f} s CPU")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
