"""The commands of supervision: ``finestreta plan staffing --from … --to …`` (the week planned
from observed data) and ``finestreta report pilot`` (the pilot report as PDF and CSV).

``cli.py`` holds only their parser lines; bad input ends as every command's does, one line on
stderr and exit status 2 (``cli._fail``), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from types import ModuleType

from finestreta.supervision import planning
from finestreta.supervision.kpis import Thresholds
from finestreta.supervision.staffed import staffed_time

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _cli() -> ModuleType:
    """``finestreta.cli``, imported when a command runs (it imports this module's parser)."""
    from finestreta import cli

    return cli


def cmd_plan_week(args: argparse.Namespace) -> None:
    """The clerks each open hour of the week needs, from the period's observed demand."""
    from finestreta.supervision.report import source

    cli = _cli()
    target = cli._figure(args.target_sl, "--target-sl")
    within = cli._figure(args.answer_within, "--answer-within")
    model = (args.model or "erlang-c").replace("-", "_")
    if model not in planning.MODELS:
        cli._fail(f"--model takes erlang-c or erlang-a, got {args.model!r}")
    patience = (
        None
        if args.patience_seconds is None
        else cli._figure(args.patience_seconds, "--patience-seconds")
    )
    if args.calls_per_hour is not None or args.aht_seconds is not None:
        cli._fail("give either --from/--to (observed data) or --calls-per-hour/--aht-seconds")
    if args.booths is not None or args.max_occupancy is not None:
        cli._fail("--booths and --max-occupancy go with typed-in figures, not with --from/--to")
    settings = cli._settings()
    db = cli._database(settings)
    try:
        period = source.parse_period(
            args.date_from,
            args.date_to,
            source.office_zone(db),
            names=("--from", "--to"),
            what="the observed period",
        )
        inputs = source.read_inputs(db, period.first, period.last, period.tz)
    finally:
        db.dispose()
    limits = Thresholds(answer_within=within)
    staffed = staffed_time(inputs.clerk_states, inputs.hours, inputs.tz, inputs.start, inputs.end)
    demand = planning.observed_demand(
        inputs.attentions, inputs.hours, inputs.tz, inputs.start, inputs.end, limits, staffed.opened
    )
    week = planning.plan_week(demand, target, within, model, patience)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(_week_json(demand, week, staffed.basis), indent=2))
        return
    name = (
        "Erlang C"
        if model == "erlang_c"
        else f"Erlang A (mean patience {week.patience_seconds:.0f} s)"
    )
    print(f"{name}, from {period.first} to {period.last} ({demand.booths} booths)")
    print(f"target: {target:.0%} answered within {within:g} s (the model's P(wait <= T))")
    print(
        f"hours counted: those with a clerk logged in (the event log), {staffed.hours:.1f} h"
        if staffed.basis == "logged_in"
        else "hours counted: the configured opening hours (no clerk logged in, in the log), "
        f"{staffed.hours:.1f} h"
    )
    if model == "erlang_a" and patience is None:
        print(
            "patience estimated from the period: total waiting time of all calls / abandons "
            f"= {week.patience_seconds:.0f} s"
        )
    print(
        f"requests outside opening hours: {demand.outside_hours}; "
        f"period AHT: {_seconds(demand.aht_seconds)}"
    )
    print()
    abandon = model == "erlang_a"
    print(
        f"  {'day':<3} {'hour':>5} {'open h':>6} {'offered':>7} {'calls/h':>7} {'AHT s':>6} "
        f"{'clerks':>6} {'SL(P)':>6} {'ASA s':>6} {'occ.':>6}"
        + (f" {'aband.':>6}" if abandon else "")
        + f" {'obs. SL':>7}"
    )
    for slot in week.slots:
        d = slot.demand
        result = slot.result
        sl = "-" if result is None else f"{result.service_level:.0%}"
        asa = (
            "-"
            if result is None or not math.isfinite(result.asa_seconds)
            else f"{result.asa_seconds:.0f}"
        )
        occupancy = "-" if result is None else f"{result.occupancy:.0%}"
        observed = "-" if d.observed_service_level is None else f"{d.observed_service_level:.0%}"
        print(
            f"  {WEEKDAYS[d.weekday]:<3} {d.hour:>02d}:00 {d.open_hours:>6.1f} {d.offered:>7} "
            f"{slot.calls_per_hour:>7.2f} {_seconds(d.aht_seconds):>6} {slot.clerks:>6} "
            f"{sl:>6} {asa:>6} {occupancy:>6}"
            + (f" {('-' if result is None else f'{result.p_abandon:.0%}'):>6}" if abandon else "")
            + f" {observed:>7}"
        )
    print()
    print(
        f"peak: {week.peak_clerks} clerks; {week.clerk_hours_per_week:.1f} clerk-hours in an "
        "average week"
    )
    print(
        "SL(P): the model's P(wait <= T) over all offered; obs. SL: the KPI's, answered "
        "within T / (answered + abandoned after T) (docs/kpis.md)"
    )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _week_json(demand: planning.Demand, week: planning.WeekPlan, basis: str) -> dict[str, object]:
    return {
        "model": week.model,
        "target_sl": week.target_sl,
        "answer_within_s": week.answer_within_s,
        "patience_seconds": week.patience_seconds,
        "hours_basis": basis,
        "booths": demand.booths,
        "outside_hours": demand.outside_hours,
        "aht_seconds": demand.aht_seconds,
        "peak_clerks": week.peak_clerks,
        "clerk_hours_per_week": week.clerk_hours_per_week,
        "slots": [
            {
                "weekday": s.demand.weekday,
                "hour": s.demand.hour,
                "open_hours": s.demand.open_hours,
                "offered": s.demand.offered,
                "calls_per_hour": s.calls_per_hour,
                "aht_seconds": s.demand.aht_seconds,
                "clerks": s.clerks,
                "planned_service_level": None if s.result is None else s.result.service_level,
                "asa_seconds": None if s.result is None else planning.finite(s.result.asa_seconds),
                "occupancy": None if s.result is None else s.result.occupancy,
                "p_abandon": None if s.result is None else s.result.p_abandon,
                "observed_service_level": s.demand.observed_service_level,
            }
            for s in week.slots
        ],
    }


def cmd_report_pilot(args: argparse.Namespace) -> None:
    """The pilot report of a period as a PDF (and the CSV of every figure)."""
    from finestreta.supervision.report import assemble, load_model, source, to_csv, to_pdf

    cli = _cli()
    settings = cli._settings()
    lang = args.lang or settings.report_language
    if lang not in ("ca", "es", "en"):
        cli._fail(f"--lang takes ca, es or en, got {lang!r}")
    model = load_model(args.model or settings.report_model or None, settings.service_level_seconds)
    db = cli._database(settings)
    try:
        period = source.parse_period(args.date_from, args.date_to, source.office_zone(db))
        inputs = source.read_inputs(db, period.first, period.last, period.tz)
    finally:
        db.dispose()
    from finestreta.supervision.labels import names

    report = assemble(inputs, model, lang, names=names(cli._procedures(settings), lang))
    out = Path(args.out)
    try:
        out.write_bytes(to_pdf(report))
        if args.csv:
            Path(args.csv).write_text(to_csv(report), encoding="utf-8")
    except OSError as exc:
        cli._fail(f"cannot write the report: {exc}")
    print(f"{out}: {len(inputs.attentions)} attentions, {period.first} to {period.last}")
    print(f"service level: answered within {model.answer_within_s:g} s")
    if args.csv:
        print(f"{args.csv}: every figure, one a row")


def add_report_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``finestreta report pilot``."""
    report = sub.add_parser("report", help="reports").add_subparsers(
        dest="report_command", required=True
    )
    pilot = report.add_parser(
        "pilot", help="the pilot report: PDF, and CSV of every figure (docs/report.md)"
    )
    pilot.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    pilot.add_argument("--to", dest="date_to", required=True, help="last day (included)")
    pilot.add_argument("--out", required=True, help="the PDF file to write")
    pilot.add_argument("--csv", help="also write every figure to this CSV file")
    pilot.add_argument("--model", help="cost model TOML (default: FINESTRETA_REPORT_MODEL)")
    pilot.add_argument("--lang", help="ca, es or en (default: FINESTRETA_REPORT_LANGUAGE)")
    pilot.set_defaults(func=cmd_report_pilot)
