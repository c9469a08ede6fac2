"""``finestreta simulate``: write a simulated attention history into a database
(``docs/simulation.md``). Bad arguments end with one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finestreta.attention.switchboard import RoutingRules
    from finestreta.config import Settings
    from finestreta.db import Database
    from finestreta.supervision.simulation.engine import Day
    from finestreta.supervision.simulation.history import Run

# Bounds that keep a run to minutes and a database to a sensible size; a pilot of years or a
# city of hundreds of booths is not what this is for.
MAX_DAYS = 730
MAX_BOOTHS = 200
MAX_CLERKS = 500
MAX_SEED = 2**63 - 1
# a year of 50 booths (the pilot report's large benchmark) fits; more would take hours
MAX_BOOTH_DAYS = 20_000


def add_parser(sub: Any) -> None:
    """The ``simulate`` command's arguments (``cli.build_parser`` calls this)."""
    p = sub.add_parser(
        "simulate",
        help="write a simulated attention history, made by driving the real switchboard "
        "(docs/simulation.md)",
    )
    p.add_argument("--days", default="90", help=f"days of history, 1 to {MAX_DAYS} (90)")
    p.add_argument("--booths", default="4", help=f"booths, 1 to {MAX_BOOTHS} (4)")
    p.add_argument("--clerks", default="3", help=f"clerks, 1 to {MAX_CLERKS} (3)")
    p.add_argument("--seed", default="1", help="the random seed: the same seed, the same history")
    p.add_argument("--until", help="the history ends before this day, YYYY-MM-DD (default: today)")
    p.add_argument(
        "--database-url",
        help="the database to write to (default: FINESTRETA_DATABASE_URL); it must have the "
        "schema (finestreta db upgrade)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write into a database that holds booths or staff other than the demo's and the "
        "simulation's own (a real office's?); refused without it",
    )
    p.set_defaults(func=cmd_simulate)


def _bounded(text: str, option: str, low: int, high: int) -> int:
    from finestreta.cli import _fail, _whole

    value = _whole(text, option)
    if not low <= value <= high:
        _fail(f"{option} takes {low} to {high}, got {value}")
    return value


def cmd_simulate(args: argparse.Namespace) -> None:
    from finestreta.cli import _database, _fail, _settings
    from finestreta.supervision.simulation.history import ForeignData, HistoryExists, simulate
    from finestreta.supervision.simulation.parameters import BadParameters

    days = _bounded(args.days, "--days", 1, MAX_DAYS)
    booths = _bounded(args.booths, "--booths", 1, MAX_BOOTHS)
    clerks = _bounded(args.clerks, "--clerks", 1, MAX_CLERKS)
    seed = _bounded(args.seed, "--seed", 0, MAX_SEED)
    if days * booths > MAX_BOOTH_DAYS:
        _fail(
            f"--days × --booths is at most {MAX_BOOTH_DAYS} booth-days "
            f"(a year of 50 booths), got {days * booths}"
        )
    until = None
    if args.until:
        try:
            until = date.fromisoformat(args.until)
        except ValueError:
            _fail(f"--until takes a date as YYYY-MM-DD, got {args.until!r}")
        if until > date.today():
            _fail(f"--until {until} is in the future: a history ends today at the latest")
    settings = _settings()
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    db = _database(settings)
    done = [0]

    def progress(day: Day) -> None:
        """A line on stderr every 30 simulated days of a long run."""
        done[0] += 1
        if days >= 60 and done[0] % 30 == 0 and done[0] < days:
            print(f"  … {day.day} written ({done[0]}/{days} days)", file=sys.stderr, flush=True)

    try:
        began = time.perf_counter()
        run = simulate(
            db,
            days=days,
            booths=booths,
            clerks=clerks,
            seed=seed,
            until=until,
            rules=routing_rules(settings),
            on_day=progress,
            force=args.force,
        )
    except (ForeignData, HistoryExists, BadParameters) as exc:
        _fail(str(exc))
    finally:
        db.dispose()
    print(summary(run, time.perf_counter() - began))


def seed_demo(db: Database, settings: Settings, days: int = 90) -> str:
    """The demo's pilot history: ``days`` days before today, 4 booths, 3 clerks, seed 1
    (``finestreta demo`` on a new demo database); returns the summary line."""
    from finestreta.supervision.simulation.history import simulate

    began = time.perf_counter()
    run = simulate(db, days=days, booths=4, clerks=3, seed=1, rules=routing_rules(settings))
    return summary(run, time.perf_counter() - began)


def routing_rules(settings: Settings) -> RoutingRules:
    """The live server's routing rules (``context.build_context``)."""
    from finestreta.attention.switchboard import RoutingRules

    return RoutingRules(
        ring_timeout=settings.ring_timeout_seconds,
        missed_rings_before_away=settings.missed_rings_before_away,
        kiosk_grace=settings.kiosk_grace_seconds,
        console_grace=settings.console_grace_seconds,
    )


def summary(run: Run, seconds: float) -> str:
    t = run.totals
    last = date.fromordinal(run.end.toordinal() - 1)
    return (
        f"Simulated {t.days} days ({run.start} to {last}, {t.open_days} open): "
        f"{t.requests} attentions, {t.answered} answered, {t.cancelled + t.abandoned} abandoned, "
        f"{t.ratings} ratings, {len(run.incidents)} device incidents "
        f"({len(run.booths)} booths, {len(run.clerks)} clerks) in {seconds:.1f} s"
    )
