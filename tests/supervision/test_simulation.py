"""The simulation drives the real switchboard: a seed gives one history, that history reads back
through ``read_log`` and the KPIs as the model says it should, the switchboard's rules hold in
it, the printer runs out of paper in the device history, and the command refuses bad input."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from finestreta import demo
from finestreta.accounts.models import StaffUser
from finestreta.attention.events import ClerkStateChanged
from finestreta.attention.records import AttentionEventRow
from finestreta.cli import main
from finestreta.config import DEFAULT_OUTCOMES
from finestreta.db import Database
from finestreta.devices.incidents import printer_state, read_incidents
from finestreta.devices.records import DeviceHealthEventRow, DeviceHealthRow
from finestreta.migrate import upgrade
from finestreta.procedures.records import ProcedureStepRow
from finestreta.supervision import kpis
from finestreta.supervision.event_log import read_log
from finestreta.supervision.simulation import (
    BadParameters,
    Booth,
    Clerk,
    Day,
    ForeignData,
    HistoryExists,
    Parameters,
    Simulation,
    simulate,
)
from finestreta.supervision.simulation.command import seed_demo
from finestreta.supervision.simulation.engine import _InLine

TZ = ZoneInfo("Europe/Madrid")
UNTIL = date(2026, 11, 28)  # a Saturday: the ten days before hold eight working days


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 still, with cheap parameters (staff and booths are hashed when added)."""
    monkeypatch.setattr(
        "finestreta.accounts.secrets._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


def _demo_seeded(db: Database) -> None:
    with db.session() as session:
        demo.seed(session)


def _local(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=TZ)


# ---------------------------------------------------------------------- the engine alone

BOOTHS = [Booth(1), Booth(2), Booth(3)]
CLERKS = [
    Clerk(10, frozenset({"ca", "es"}), frozenset({"general", "census", "complaints"})),
    Clerk(11, frozenset({"ca", "es", "en"}), frozenset({"general", "taxes", "works"})),
    Clerk(12, frozenset({"es", "en"}), frozenset({"general", "census", "taxes", "works"})),
]


def _run(seed: int, days: int = 5, parameters: Parameters | None = None) -> list[Day]:
    simulation = Simulation(
        parameters or Parameters(), BOOTHS, CLERKS, date(2026, 10, 5), days, seed
    )
    out: list[Day] = []
    simulation.run(out.append)
    return out


def test_a_seed_gives_the_same_history_and_another_seed_another() -> None:
    first, again, other = _run(7), _run(7), _run(8)
    assert [d.writes for d in first] == [d.writes for d in again]
    assert sum(len(d.writes) for d in first) > 100
    assert [d.writes for d in first] != [d.writes for d in other]


def test_each_day_is_written_in_time_order_and_closed_days_write_nothing() -> None:
    days = _run(3, days=7)  # Monday 5 October to Sunday 11 October
    for day in days:
        moments = [_moment(item) for item in day.writes]
        assert moments == sorted(moments)
        assert all(datetime.fromtimestamp(m, TZ).date() == day.day for m in moments)
    weekend = [d for d in days if d.day.weekday() >= 5]
    assert len(weekend) == 2 and all(not d.writes for d in weekend)


def _moment(item: Any) -> float:
    return float(item[0].at if isinstance(item, list) else item.at)


class _Watched(Simulation):
    """Notes when each citizen arrived and when they asked."""

    asked: list[tuple[int, _InLine, float]]

    def _ask(self, now: float, kiosk_id: int, waiting: _InLine) -> None:
        self.asked.append((kiosk_id, waiting, now))
        super()._ask(now, kiosk_id, waiting)


def test_arrivals_follow_the_model_by_hour_and_weekday() -> None:
    """Over many weeks the requests per (weekday, hour) come near the model's rates: Monday
    busier than Tuesday, Friday afternoon quieter than Friday morning; citizens arrive only
    while open, and ask after closing only if they arrived before it and were waiting in front
    of a busy booth, within the overtime."""
    parameters = Parameters()
    simulation = _Watched(parameters, BOOTHS, CLERKS, date(2026, 1, 12), 8 * 7, 11)
    simulation.asked = []
    days: list[Day] = []
    simulation.run(days.append)
    queued = Counter(
        (moment.weekday(), moment.hour)
        for day in days
        for item in day.writes
        if isinstance(item, list)
        for event in item
        if event.kind == "request_queued"
        for moment in [datetime.fromtimestamp(event.at, TZ)]
    )
    total = sum(queued.values())
    expected = simulation.expected_requests()
    assert abs(total - expected) < 4 * math.sqrt(expected)
    by_day = Counter({d: sum(n for (wd, _), n in queued.items() if wd == d) for d in range(7)})
    assert by_day[0] > by_day[1] * 1.1  # Monday
    assert by_day[5] == by_day[6] == 0
    friday_morning = sum(n for (wd, h), n in queued.items() if wd == 4 and h < 14)
    friday_afternoon = sum(n for (wd, h), n in queued.items() if wd == 4 and h >= 16)
    assert friday_afternoon < friday_morning / 2
    by_hour = Counter(
        {h: sum(n for (_, hour), n in queued.items() if hour == h) for h in range(24)}
    )
    assert by_hour[11] > by_hour[9] * 1.4  # the late-morning peak
    # closed, but for a citizen already in front of a booth at closing time
    assert by_hour[8] == by_hour[15] == by_hour[20] == 0
    assert by_hour[14] + by_hour[19] < total / 100
    assert len(simulation.asked) == total
    late = 0
    for _kiosk_id, citizen, asked in simulation.asked:
        day = datetime.fromtimestamp(citizen.arrived, TZ).date()
        periods = simulation.open_periods(day)
        assert (opens_closes := [(o, c) for o, c in periods if o <= citizen.arrived < c])
        assert opens_closes[0][1] == citizen.closes  # arrived while open
        if not any(o <= asked < c for o, c in periods):
            late += 1
            assert citizen.arrived < citizen.closes <= asked  # was waiting at closing time
            assert asked < citizen.closes + parameters.overtime
    assert 0 < late == by_hour[14] + by_hour[19]


def test_a_call_that_runs_into_the_afternoon_does_not_end_the_afternoon_shift() -> None:
    """Three-hour calls: a clerk still in the morning's call at the afternoon opening works
    the afternoon, and logs out at its close, not when that call ends; and however long the
    queue, nobody is answered after closing and overtime."""
    from finestreta.supervision.simulation.parameters import INFORMATION, Lognormal

    long_calls = replace(INFORMATION, talk=Lognormal(3 * 3600.0, 0.01, 3 * 3600.0, 4 * 3600.0))
    parameters = Parameters(topics={"general": 1.0}, scripts={"general": long_calls}, absence=0)
    (day,) = _run(3, days=1, parameters=parameters)  # Monday 5 October
    events = [e for item in day.writes if isinstance(item, list) for e in item]
    late_calls = [
        e for e in events if e.kind == "call_ended" and datetime.fromtimestamp(e.at, TZ).hour >= 16
    ]
    assert late_calls  # the case this is about happened
    assert all(datetime.fromtimestamp(e.at, TZ).date() == day.day for e in events)
    started = [datetime.fromtimestamp(e.at, TZ) for e in events if e.kind == "call_started"]
    assert max(started).time() < time(19, 30)  # no new call after closing and overtime
    for event in events:
        if isinstance(event, ClerkStateChanged) and event.state == "offline":
            local = datetime.fromtimestamp(event.at, TZ).time()
            assert not time(16) <= local < time(19), (event, local)


def test_a_few_weeks_have_a_lost_booth_that_folds_as_abandoned(db: Database) -> None:
    """The booth's connection drops while its citizen waits and stays down past the grace
    period: the switchboard abandons the request, and the KPIs count it as lost (not as the
    citizen's cancel). ``booth_lost`` makes a handful in 90 days, about two in four weeks."""
    _demo_seeded(db)
    run = simulate(db, days=28, booths=4, clerks=3, seed=3, until=UNTIL)
    start, end = _local(run.start), _local(run.end)
    log = read_log(db, start, end)
    attentions = kpis.in_period(kpis.attentions(log.events, log.steps), start, end)
    lost = [a for a in attentions if a.left_how == "abandoned"]
    abandoned_events = {e.request_id for e in log.events if e.kind == "request_abandoned"}
    assert len(lost) >= 1
    assert {a.request_id for a in lost} == abandoned_events
    assert all(not a.answered and a.abandoned for a in lost)
    figures = kpis.figures(attentions)
    assert figures.lost == len(lost) == run.totals.abandoned
    assert figures.cancelled == run.totals.cancelled


def test_without_lost_booths_there_are_none() -> None:
    """The lost booths come from ``booth_lost``, not from elsewhere."""
    days = _run(3, days=28, parameters=Parameters(booth_lost=0.0))
    kinds = Counter(
        e.kind for d in days for item in d.writes if isinstance(item, list) for e in item
    )
    assert kinds["request_abandoned"] == 0 and kinds["request_cancelled"] > 0
    days = _run(3, days=28)
    kinds = Counter(
        e.kind for d in days for item in d.writes if isinstance(item, list) for e in item
    )
    assert kinds["request_abandoned"] >= 1


def test_parameters_out_of_range_are_refused() -> None:
    with pytest.raises(BadParameters, match="rating_rate"):
        _run(1, parameters=Parameters(rating_rate=1.5))
    with pytest.raises(BadParameters, match="no script"):
        _run(1, parameters=Parameters(topics={"parking": 1.0}))


# ---------------------------------------------------------------------- through the database


def _rows(db: Database) -> tuple[list[tuple[Any, ...]], ...]:
    with db.session() as session:
        events = [
            (r.kind, r.at, r.request_id, r.call_id, r.clerk_id, r.kiosk_id, r.data)
            for r in session.scalars(select(AttentionEventRow).order_by(AttentionEventRow.id))
        ]
        steps = [
            (r.at, r.call_id, r.procedure, r.step, r.outcome, r.detail)
            for r in session.scalars(select(ProcedureStepRow).order_by(ProcedureStepRow.id))
        ]
        health = [
            (r.kiosk_id, r.device, r.state, r.at)
            for r in session.scalars(select(DeviceHealthEventRow).order_by(DeviceHealthEventRow.id))
        ]
    return events, steps, health


def test_the_same_seed_writes_the_same_rows(tmp_path: Path) -> None:
    histories = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        upgrade(url)
        db = Database(url)
        _demo_seeded(db)
        simulate(db, days=3, booths=3, clerks=3, seed=5, until=UNTIL)
        histories.append(_rows(db))
        db.dispose()
    assert histories[0] == histories[1]
    assert all(len(part) > 0 for part in histories[0])


def test_the_history_reads_back_as_the_model_says(db: Database) -> None:
    """Ten days of four booths: the KPIs over what ``read_log`` reads are those of the model,
    within what chance allows, and every attention is complete."""
    _demo_seeded(db)
    run = simulate(db, days=10, booths=4, clerks=3, seed=2, until=UNTIL)
    parameters = Parameters()
    start, end = _local(run.start), _local(run.end)
    log = read_log(db, start, end)
    attentions = kpis.in_period(kpis.attentions(log.events, log.steps), start, end)
    figures = kpis.figures(attentions)

    simulation = Simulation(parameters, run.booths, run.clerks, run.start, 10, 2)
    expected = simulation.expected_requests()
    assert figures.offered == run.totals.requests
    assert abs(figures.offered - expected) < 4 * math.sqrt(expected)
    assert figures.waiting == 0 and figures.unwrapped == 0
    assert figures.abandoned > 0 and figures.cancelled > 0
    assert figures.answered + figures.abandoned == figures.offered
    assert figures.service_level is not None and 0 < figures.service_level < 1
    assert figures.rings.expired > 0 and figures.rings.offers > figures.answered
    for attention in attentions:
        if attention.answered:
            assert attention.call_id and attention.ended_at and attention.wrapped_at
            assert attention.outcome in DEFAULT_OUTCOMES
            script = parameters.scripts[attention.topic]
            assert attention.procedures == [script.procedure]  # each call ran its procedure
    satisfaction = figures.satisfaction
    assert set(satisfaction.distribution) == {1, 2, 3, 4, 5} and satisfaction.rated > 0
    assert satisfaction.response_rate is not None
    assert abs(satisfaction.response_rate - parameters.rating_rate) < 0.1
    # talk times: each procedure's median near its lognormal's
    for topic, script in parameters.scripts.items():
        talks = [a.talk for a in attentions if a.topic == topic and a.talk is not None]
        if len(talks) >= 30:
            assert abs(statistics.median(talks) / script.talk.median - 1) < 0.3, topic
    # the booths are the database's, the demo's first; the clerks the demo's
    with db.session() as session:
        demo_clerks = list(
            session.scalars(
                select(StaffUser.id).where(StaffUser.role == "clerk").order_by(StaffUser.id)
            )
        )
    assert [c.id for c in run.clerks] == demo_clerks
    assert set(log.sites.values()) >= {k.site for k in demo.KIOSKS}


def test_the_switchboards_rules_hold_in_the_history(db: Database) -> None:
    """From the log alone: no clerk in two calls (or rung twice) at once, no request rung at
    two clerks at once, and a clerk's next call only after the last one's wrap-up."""
    _demo_seeded(db)
    run = simulate(db, days=4, booths=4, clerks=3, seed=9, until=UNTIL)
    log = read_log(db, _local(run.start), _local(run.end))
    ringing_clerk: dict[int, str] = {}
    ringing_request: dict[str, str] = {}
    busy_until: dict[int, datetime | None] = {}  # clerk -> end of wrap-up (None: in a call)
    order = {"offer_ended": 0, "call_wrapped_up": 0, "call_started": 1, "offer_made": 2}
    events = sorted(log.events, key=lambda e: (e.at, order.get(e.kind, 0)))
    for event in events:
        offer_id = str(event.data.get("offer_id", ""))
        match event.kind:
            case "offer_made":
                assert event.clerk_id not in ringing_clerk, "a clerk rung twice at once"
                assert event.request_id not in ringing_request, "a request rung twice at once"
                assert event.clerk_id is not None and event.request_id is not None
                ringing_clerk[event.clerk_id] = offer_id
                ringing_request[event.request_id] = offer_id
            case "offer_ended" | "call_started":
                assert event.clerk_id is not None and event.request_id is not None
                assert ringing_clerk.pop(event.clerk_id) == offer_id
                assert ringing_request.pop(event.request_id) == offer_id
                if event.kind == "call_started":
                    previous = busy_until.get(event.clerk_id, event.at)
                    assert previous is not None and previous <= event.at, "two calls at once"
                    busy_until[event.clerk_id] = None
            case "call_wrapped_up":
                busy_until[event.clerk_id or 0] = event.at
    assert not ringing_clerk and not ringing_request
    assert len(busy_until) == 3


def test_the_printer_runs_out_of_paper_for_an_afternoon_and_the_booths_end_healthy(
    db: Database,
) -> None:
    _demo_seeded(db)
    run = simulate(db, days=10, booths=4, clerks=3, seed=4, until=UNTIL)
    start, end = _local(run.start), _local(run.end)
    found = read_incidents(db, start, end)
    paper = [i for i in found if i.reason == "media_empty"]
    assert len(paper) == 1
    (incident,) = paper
    assert incident.kiosk_id == run.booths[0].id and incident.device == "printer"
    assert incident.ended is not None
    local = incident.started.astimezone(TZ)
    assert local.hour >= 15 and 2 * 3600 <= incident.seconds(end) <= 4 * 3600
    assert {i.reason for i in found} >= {"media_empty", "agent_offline", "scanner_missing"}
    assert all(i.ended is not None for i in found)
    with db.session() as session:
        current = list(session.scalars(select(DeviceHealthRow)))
    assert len(current) == 4 and all(printer_state(row.agent) == "ok" for row in current)
    # an information sheet is printed unless its booth could not print then (no paper, or
    # its agent offline)
    log = read_log(db, start, end)
    kiosk_of = {e.call_id: e.kiosk_id for e in log.events if e.kind == "call_started"}
    with db.session() as session:
        sheets = list(
            session.scalars(select(ProcedureStepRow).where(ProcedureStepRow.step == "sheet"))
        )
    assert len(sheets) > 10
    for sheet in sheets:
        cannot_print = any(
            i.kiosk_id == kiosk_of[sheet.call_id]
            and i.device in ("printer", "agent")
            and i.started <= sheet.at < (i.ended or end)
            for i in found
        )
        assert sheet.detail["printed"] is not cannot_print


def test_a_period_with_history_is_refused(db: Database) -> None:
    _demo_seeded(db)
    simulate(db, days=2, booths=2, clerks=2, seed=1, until=UNTIL)
    with pytest.raises(HistoryExists, match="attention history"):
        simulate(db, days=3, booths=2, clerks=2, seed=2, until=UNTIL + timedelta(days=1))
    # the days before are free, and get ids of their own
    simulate(db, days=2, booths=2, clerks=2, seed=1, until=UNTIL - timedelta(days=7))


def test_a_database_with_its_own_booths_or_staff_is_refused_unless_forced(
    db: Database, tmp_path: Path
) -> None:
    from finestreta.accounts import service as accounts

    _demo_seeded(db)
    with db.session() as session:
        accounts.add_kiosk(session, "sants-oac", "Cabina OAC Sants", "OAC Sants")
    with pytest.raises(ForeignData, match=r"booth 'sants-oac'.*--force"):
        simulate(db, days=1, booths=2, clerks=2, seed=1, until=UNTIL)
    with db.session() as session:
        assert session.scalar(select(AttentionEventRow.id).limit(1)) is None  # nothing written
    run = simulate(db, days=1, booths=2, clerks=2, seed=1, until=UNTIL, force=True)
    assert run.totals.requests > 0


def test_every_procedures_demo_data_is_the_demos(tmp_path: Path) -> None:
    """A demo database, every procedure's demo data in it, is not refused."""
    from finestreta.procedures import registry

    url = f"sqlite:///{tmp_path}/demo.db"
    procedures = registry.load()
    upgrade(url, procedures=procedures)
    db = Database(url)
    try:
        with db.session() as session:
            assert demo.seed_all(session, procedures)
        run = simulate(db, days=1, booths=4, clerks=3, seed=1, until=UNTIL)
        assert len(run.booths) == 4
    finally:
        db.dispose()


def test_booths_and_clerks_are_added_when_missing(db: Database) -> None:
    run = simulate(db, days=1, booths=2, clerks=2, seed=1, until=UNTIL)
    with db.session() as session:
        names = set(session.scalars(select(StaffUser.username)))
    assert names == {"sim-clerk-1", "sim-clerk-2"}
    assert len(run.booths) == 2 and len(run.clerks) == 2


def test_the_demo_history_ends_yesterday(db: Database) -> None:
    from finestreta.config import Settings

    _demo_seeded(db)
    line = seed_demo(db, Settings(_env_file=None, database_url=db.url), days=3)
    today = datetime.now(TZ).date()
    assert line.startswith("Simulated 3 days (")
    assert f"to {today - timedelta(days=1)}" in line
    with db.session() as session:
        last = session.scalar(
            select(AttentionEventRow.at).order_by(AttentionEventRow.at.desc()).limit(1)
        )
    assert last is None or last.astimezone(TZ).date() < today


# ---------------------------------------------------------------------- the command


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    main(["db", "upgrade"])
    return url


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "0"], "--days takes 1 to 730, got 0"),
        (["--booths", "-1"], "--booths takes 1 to 200, got -1"),
        (["--clerks", "1000000"], "--clerks takes 1 to 500"),
        (["--days", "99999999999999999999"], "--days takes 1 to 730"),
        (["--days", "ten"], "--days takes a whole number, got 'ten'"),
        (["--seed", "-3"], "--seed takes 0 to"),
        (["--days", "730", "--booths", "200"], "at most 20000 booth-days"),
        (["--until", "2026-13-01"], "--until takes a date as YYYY-MM-DD"),
        (["--until", "2999-01-01"], "is in the future"),
    ],
)
def test_bad_arguments_get_one_line_and_status_2(
    db_url: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["simulate", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("finestreta")]
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err


def test_the_command_writes_a_history_and_refuses_to_write_it_twice(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["simulate", "--days", "2", "--booths", "2", "--clerks", "2", "--until", "2026-11-26"])
    out = capsys.readouterr().out
    assert out.startswith("Simulated 2 days (2026-11-24 to 2026-11-25, 2 open): ")
    db = Database(db_url)
    try:
        log = read_log(db, datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
    finally:
        db.dispose()
    queued = sum(1 for e in log.events if e.kind == "request_queued")
    assert f": {queued} attentions" in out and queued > 0
    with pytest.raises(SystemExit) as info:
        main(["simulate", "--days", "2", "--until", "2026-11-26"])
    assert info.value.code == 2
    assert "attention history" in capsys.readouterr().err


def test_the_command_refuses_a_real_offices_database_unless_forced(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from finestreta.accounts import service as accounts

    db = Database(db_url)
    try:
        with db.session() as session:
            accounts.add_user(session, "nuria", "a long password 1", "clerk", "Núria", ["ca"], [])
    finally:
        db.dispose()
    argv = ["simulate", "--days", "1", "--booths", "1", "--clerks", "1", "--until", "2026-11-26"]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("finestreta")]
    assert len(lines) == 1 and "user 'nuria'" in lines[0] and "--force" in lines[0], err
    main([*argv, "--force"])
    assert capsys.readouterr().out.startswith("Simulated 1 days (2026-11-25 to 2026-11-25, 1 open)")


def test_the_command_names_a_missing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    with pytest.raises(SystemExit):
        main(["simulate", "--days", "1", "--database-url", missing])
    assert "no database at" in capsys.readouterr().err
