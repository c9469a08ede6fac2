"""The pilot report: its figures against the KPI functions, suppression, the PDF, no personal
data, the cost model's arithmetic and its TOML errors, and the command."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from finestreta import cli
from finestreta.attention.opening_hours import OpeningHours, parse_hours
from finestreta.db import Database
from finestreta.errors import InvalidInput
from finestreta.supervision import kpis
from finestreta.supervision.report import Inputs, ReportModel, assemble, load_model, to_csv, to_pdf
from finestreta.supervision.report.model import parse_model
from finestreta.supervision.report.source import parse_period
from tests.conftest import MakeBooth, MakeStaff
from tests.supervision.pilot_data import MADRID, START, pilot, store

END = START + timedelta(days=21)
SITES = {1: "Casa del Mig", 2: "Sants", 3: "Gràcia"}
WEEKDAYS = OpeningHours(parse_hours("mon-fri 09:00-14:00"))


def inputs(log_days: int = 21, **kw: object) -> tuple[Inputs, list[kpis.Attention]]:
    log = pilot(days=log_days, **kw)  # type: ignore[arg-type]
    start, end = START.astimezone(UTC), END.astimezone(UTC)
    chosen = kpis.in_period(kpis.attentions(log.events, log.steps), start, end)
    return Inputs(start, end, chosen, SITES, WEEKDAYS, MADRID), chosen


def figures_of(text: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    table = {}
    for row in csv.DictReader(io.StringIO(text)):
        table[(row["section"], row["figure"], row["breakdown"])] = (row["value"], row["unit"])
    return table


def number(text: str) -> float:
    return float(text)


def test_the_csv_figures_are_the_kpi_functions() -> None:
    data, chosen = inputs()
    report = assemble(data, ReportModel(), "en")
    got = figures_of(to_csv(report))
    total = kpis.figures(chosen)
    by = kpis.breakdowns(chosen, SITES, tz=MADRID)
    key = ("summary", "key_figures.{}", "")

    def summary(name: str) -> float:
        return number(got[(key[0], key[1].format(name), "")][0])

    assert summary("offered") == total.offered > 100
    assert summary("answered") == total.answered
    assert summary("abandoned") == total.abandoned
    assert summary("abandon_rate") == total.abandon_rate
    assert summary("service_level") == total.service_level
    assert summary("wait_p50") == total.speed_of_answer.p50
    assert summary("wait_p90") == total.speed_of_answer.p90
    assert summary("handle_mean") == total.handle.mean
    assert summary("satisfaction_mean") == total.satisfaction.mean
    for spread in ("speed_of_answer", "time_to_abandon", "talk", "wrap_up", "handle"):
        expected = getattr(total, spread)
        for column in ("mean", "p50", "p90"):
            value = got[("waits", f"durations.{column}", spread)][0]
            assert number(value) == getattr(expected, column), (spread, column)
    for topic, f in by.topic.items():
        assert number(got[("attentions", "by_topic.offered", topic)][0]) == f.offered
        assert number(got[("attentions", "by_topic.abandon_rate", topic)][0]) == f.abandon_rate
    for procedure, f in by.procedure.items():
        assert number(got[("attentions", "by_procedure.answered", procedure)][0]) == f.answered
    for outcome, n in total.outcomes.items():
        assert number(got[("attentions", "by_outcome.answered", outcome)][0]) == n
    for rating, n in total.satisfaction.distribution.items():
        assert number(got[("satisfaction", "distribution.ratings", str(rating))][0]) == n
    assert got[("satisfaction", "satisfaction.response_rate", "")] == (
        repr(total.satisfaction.response_rate),
        "share",
    )
    for bucket in total.abandon_histogram:
        row = f"{bucket.lower:g}-{'' if bucket.upper is None else f'{bucket.upper:g}'}"
        value = got[("abandonment", "abandon_histogram.attentions", row)][0]
        assert value == (str(bucket.count) if not 0 < bucket.count < 5 else "<5")
    # no per-clerk figures unless the model asks for them (a few clerks are known by letter)
    assert not any(figure.startswith("by_clerk.") for _section, figure, _key in got)
    # asked for: the clerks, anonymised, in order of calls answered
    per_clerk = figures_of(to_csv(assemble(data, ReportModel(per_clerk=True), "en")))
    answered = sorted((f.answered for f in by.clerk.values()), reverse=True)
    assert [
        number(per_clerk[("attentions", "by_clerk.answered", letter)][0]) for letter in "AB"
    ] == answered


def test_the_per_clerk_table_is_off_by_default_in_the_pdf_and_set_by_the_model() -> None:
    data, _chosen = inputs()
    assert "Clerk A" not in pdf_text(to_pdf(assemble(data, ReportModel(), "en")))
    model = parse_model({"report": {"per_clerk": True}})
    assert "Clerk A" in pdf_text(to_pdf(assemble(data, model, "en")))
    with pytest.raises(InvalidInput) as refused:
        parse_model({"report": {"per_clerk": "yes"}})
    assert "report.per_clerk" in refused.value.message


def test_the_heat_map_counts_requests_by_weekday_and_local_hour() -> None:
    data, chosen = inputs()
    got = figures_of(to_csv(assemble(data, ReportModel(), "en")))
    monday_nine = [
        a
        for a in chosen
        if a.queued_at.astimezone(MADRID).weekday() == 0
        and a.queued_at.astimezone(MADRID).hour == 9
    ]
    assert number(got[("heat_map", "heat_map.09", "0")][0]) == len(monday_nine) >= 5


def test_a_cell_of_four_attentions_shows_less_than_five() -> None:
    data, chosen = inputs()
    rare = []
    for n in range(4):
        a = kpis.Attention(f"x{n}", 1, "rare", "ca", chosen[n].queued_at)
        a.left_at, a.left_how = a.queued_at + timedelta(seconds=30), "cancelled"
        rare.append(a)
    data = Inputs(data.start, data.end, [*chosen, *rare], SITES, WEEKDAYS, MADRID)
    report = assemble(data, ReportModel(), "en")
    got = figures_of(to_csv(report))
    assert got[("attentions", "by_topic.offered", "rare")] == ("<5", "count")
    assert got[("attentions", "by_topic.abandon_rate", "rare")] == ("<5", "share")
    # the same in print
    text = pdf_text(to_pdf(report))
    assert "<5" in text
    # a configurable threshold: at 3, four attentions are shown
    model = parse_model({"report": {"suppress_below": 3}})
    got = figures_of(to_csv(assemble(data, model, "en")))
    assert got[("attentions", "by_topic.offered", "rare")] == ("4", "count")


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return " ".join(result.stdout.decode().split())  # a wrapped line reads as one


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_the_pdf_renders_in_each_language(lang: str, tmp_path: Path) -> None:
    data, _chosen = inputs()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(to_pdf(assemble(data, ReportModel(), lang)))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4
    for page in pages:
        with Image.open(page) as image:
            extrema = ImageStat.Stat(image.convert("L")).extrema[0]
            assert extrema[0] < 128 < extrema[1], f"{page.name} is blank"
    summary = {"ca": "Resum", "es": "Resumen", "en": "Summary"}[lang]
    assert summary in pdf_text(pdf.read_bytes())


def test_cost_model_arithmetic_by_hand() -> None:
    model = parse_model(
        {
            "costs": {
                "clerk_cost_per_hour": 20,
                "staffed_clerks": 1,
                "booth_purchase": 3652.5,
                "booth_life_years": 1,
                "connectivity_per_month": 0,
                "maintenance_per_year": 0,
                "printing_per_page": 0.5,
                "pages_per_attention": 1,
                "counter_cost_per_attention": 9,
                "counter_cost_per_attention_source": "the city's 2025 accounts",
            },
            "impact": {
                "distance_km": 3,
                "co2_g_per_km": 100,
                "travel_speed_kmh": 12,
                "office_wait_minutes": 30,
            },
            "report": {"suppress_below": 1, "resolved_outcomes": ["procedure_completed"]},
        }
    )
    start = datetime(2026, 3, 2, tzinfo=MADRID)  # a Monday, open 09:00–11:00 only
    chosen = []
    for n, outcome in enumerate(("procedure_completed", "referred_to_office")):
        a = kpis.Attention(
            f"r{n}", 1, "general", "ca", (start + timedelta(hours=9)).astimezone(UTC)
        )
        a.answered_at = a.queued_at + timedelta(seconds=60)
        a.ended_at = a.answered_at + timedelta(seconds=300)
        a.wrapped_at, a.outcome = a.ended_at + timedelta(seconds=60), outcome
        chosen.append(a)
    data = Inputs(
        start.astimezone(UTC),
        (start + timedelta(days=7)).astimezone(UTC),
        chosen,
        {1: "Casa del Mig"},
        OpeningHours(parse_hours("mon 09:00-11:00")),
        MADRID,
    )
    got = figures_of(to_csv(assemble(data, model, "en")))

    def cost(name: str) -> float:
        return number(got[("costs", f"costs.{name}", "")][0])

    assert cost("clerks") == pytest.approx(20 * 1 * 2)  # 2 opening hours
    assert cost("amortisation") == pytest.approx(3652.5 / 1 * 7 / 365.25)  # = 70
    assert cost("printing") == pytest.approx(2 * 1 * 0.5)
    assert cost("total") == pytest.approx(40 + 70 + 1)
    assert cost("per_attention") == pytest.approx(111 / 2)
    assert cost("counter_per_attention") == 9
    # one resolved attention: one round trip of 3 km, 100 g/km; 6 km at 12 km/h = 0.5 h,
    # + 30 min at the office, − the 60 s waited at the booth
    impact = {k[1]: number(v[0]) for k, v in got.items() if k[0] == "impact" and k[2] == ""}
    assert impact["impact.trips_avoided"] == 1
    assert impact["impact.km_avoided"] == pytest.approx(6)
    assert impact["impact.co2_avoided"] == pytest.approx(0.6)
    assert impact["impact.hours_saved"] == pytest.approx(0.5 + 0.5 - 60 / 3600)
    # the assumption and its source are printed
    text = pdf_text(to_pdf(assemble(data, model, "en")))
    assert "the city's 2025 accounts" in text


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ("[costs\nclerk_cost_per_hour = 3", "is not TOML"),
        ("[costs]\nclerk_cost_per_hour = 'a lot'", "costs.clerk_cost_per_hour"),
        ("[costs]\nbooth_life_years = 0", "costs.booth_life_years"),
        ("[costs]\nclerk_wage = 3", "costs.clerk_wage"),
        ("[impact]\nco2_g_per_km = -1", "impact.co2_g_per_km"),
        ("[impact.booth_distance_km]\nfirst = 2", "impact.booth_distance_km.first"),
        ("[report]\nsuppress_below = 0", "report.suppress_below"),
        ("[travel]\nx = 1", "[travel]"),
    ],
)
def test_a_bad_model_is_refused_naming_the_key(toml: str, names: str, tmp_path: Path) -> None:
    path = tmp_path / "costs.toml"
    path.write_text(toml)
    with pytest.raises(InvalidInput) as refused:
        load_model(path)
    assert refused.value.code == "report_bad_model"
    assert names in refused.value.message


def test_a_missing_model_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        load_model(tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-13-01", "2026-12-01", "'from' must be a date"),
        ("2026-03-01", "soon", "'to' must be a date"),
        ("2026-03-10", "2026-03-01", "is before"),
        ("2024-01-01", "2026-03-01", "at most 731 days"),
        (None, "2026-03-01", "'from' is missing"),
        ("9999-12-30", "9999-12-31", "'from' must be between 2000-01-01 and 2099-12-31"),
        ("2026-03-01", "2100-01-01", "'to' must be between 2000-01-01 and 2099-12-31"),
        ("0001-01-01", "0001-01-02", "'from' must be between 2000-01-01 and 2099-12-31"),
    ],
)
def test_bad_periods_are_refused(first: str | None, last: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(first, last, MADRID)
    assert refused.value.code == "report_bad_period"
    assert says in refused.value.message


# ---------------------------------------------------------------------- from the database

NAMES = ("Xiomara", "Bartomeu", "Jordi Ferrer Soler")


def test_from_the_database_no_personal_data_and_the_same_figures(
    db: Database,
    make_booth: MakeBooth,
    make_staff: MakeStaff,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for code, site in (("b1", "Casa del Mig"), ("b2", "Sants"), ("b3", "Gràcia")):
        make_booth(code, site)
    assert make_staff("xiomara") == 1 and make_staff("bartomeu") == 2  # the clerks of the log
    log = pilot(days=14)
    store(db, log, note=f"{NAMES[2]}, DNI 12345678Z, asked about her padró")
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", db.engine.url.render_as_string(False))
    out, figures_csv = tmp_path / "report.pdf", tmp_path / "figures.csv"
    cli.main(
        [
            "report",
            "pilot",
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-15",
            "--out",
            str(out),
            "--csv",
            str(figures_csv),
            "--lang",
            "es",
        ]
    )
    assert "report.pdf" in capsys.readouterr().out
    text, table = pdf_text(out.read_bytes()), figures_csv.read_text()
    for name in (*NAMES, "12345678Z"):
        assert name not in text and name not in table
    assert "Informe" in text or "informe" in text
    start, end = START.astimezone(UTC), (START + timedelta(days=14)).astimezone(UTC)
    expected = kpis.figures(kpis.in_period(kpis.attentions(log.events, log.steps), start, end))
    got = figures_of(table)
    assert number(got[("summary", "key_figures.offered", "")][0]) == expected.offered
    assert number(got[("summary", "key_figures.handle_mean", "")][0]) == pytest.approx(
        expected.handle.mean, rel=1e-9
    )


def test_the_command_refuses_bad_input_in_one_line(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", db.engine.url.render_as_string(False))
    model = tmp_path / "costs.toml"
    model.write_text("[costs]\nclerk_cost_per_hour = -4\n")
    runs = [
        ["--from", "2026-03-02", "--to", "2026-03-01"],
        ["--from", "2026-03-02", "--to", "2026-03-05", "--model", str(model)],
        ["--from", "2026-03-02", "--to", "2026-03-05", "--lang", "fr"],
        ["--from", "9999-12-30", "--to", "9999-12-31"],
    ]
    says = [
        "is before",
        "costs.clerk_cost_per_hour",
        "--lang takes ca, es or en",
        "'from' must be between 2000-01-01 and 2099-12-31",
    ]
    for args, said in zip(runs, says, strict=True):
        with pytest.raises(SystemExit) as stopped:
            cli.main(["report", "pilot", "--out", str(tmp_path / "r.pdf"), *args])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err and err.count("\n") == 1


def test_plan_staffing_from_observed_data_prints_the_week(
    db: Database,
    make_booth: MakeBooth,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_booth("b1")
    store(db, pilot(days=7, booths=1))
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", db.engine.url.render_as_string(False))
    cli.main(["plan", "staffing", "--from", "2026-03-02", "--to", "2026-03-08", "--json"])
    import json

    week = json.loads(capsys.readouterr().out)
    busy = [s for s in week["slots"] if s["offered"]]
    assert busy and all(s["clerks"] >= 1 for s in busy)
    assert {(s["weekday"], s["hour"]) for s in busy} <= {
        (d, h) for d in range(5) for h in range(9, 14)
    }
    cli.main(
        ["plan", "staffing", "--from", "2026-03-02", "--to", "2026-03-08", "--model", "erlang-a"]
    )
    printed = capsys.readouterr().out
    assert "Erlang A" in printed and "total waiting time of all calls / abandons" in printed
    # the typed-in mode still works
    cli.main(["plan", "staffing", "--calls-per-hour", "200", "--aht-seconds", "180"])
    assert "agents needed: 14" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["plan", "staffing", "--target-sl", "0.8"])
    assert "--from and --to" in capsys.readouterr().err


def test_device_incidents_by_device_and_reason_with_their_durations(
    db: Database, make_booth: MakeBooth
) -> None:
    from finestreta.devices.records import DeviceHealthEventRow

    booth = make_booth("b1")
    start = START.astimezone(UTC)
    rows = [  # paper out 2 h, then 30 min; the agent offline from day 20 to the end
        ("printer", "media_empty", 24),
        ("printer", "ok", 26),
        ("printer", "media_empty", 48),
        ("printer", "ok", 48.5),
        ("agent", "agent_offline", 20 * 24),
    ]
    with db.session() as session:
        session.add_all(
            DeviceHealthEventRow(
                kiosk_id=booth.id, device=device, state=state, at=start + timedelta(hours=h)
            )
            for device, state, h in rows
        )
    from finestreta.supervision.report.source import read_inputs

    data = read_inputs(db, START.date(), (END - timedelta(days=1)).date(), MADRID)
    got = figures_of(to_csv(assemble(data, ReportModel(), "en")))

    def cell(figure: str, key: str) -> float:
        return number(got[("incidents", f"by_device_reason.{figure}", key)][0])

    assert cell("incidents", "printer:media_empty") == 2
    assert cell("total_hours", "printer:media_empty") == pytest.approx(2.5)
    assert cell("median_minutes", "printer:media_empty") == pytest.approx(75)
    assert cell("longest_minutes", "printer:media_empty") == pytest.approx(120)
    assert cell("open", "printer:media_empty") == 0
    assert cell("open", "agent:agent_offline") == 1
    assert cell("total_hours", "agent:agent_offline") == pytest.approx(24)  # to the period's end

    def labels(lang: str) -> dict[str, str]:
        report = assemble(data, ReportModel(), lang)
        section = next(s for s in report.sections if s.key == "incidents")
        return {row.key: row.label for table in section.tables for row in table.rows}

    # the reader's words, not the codes
    assert labels("ca") == {
        "agent:agent_offline": "Servei de dispositius: no connectat",
        "printer:media_empty": "Impressora: sense paper",
    }
    assert labels("es")["printer:media_empty"] == "Impresora: sin papel"
    assert labels("en")["agent:agent_offline"] == "Device agent: not connected"


def test_plan_staffing_refuses_mixed_modes(capsys: pytest.CaptureFixture[str]) -> None:
    runs = [
        (["--from", "2026-03-02", "--to", "2026-03-08", "--calls-per-hour", "3"], "either"),
        (["--from", "2026-03-02", "--to", "2026-03-08", "--booths", "4"], "--booths"),
        (["--calls-per-hour", "3", "--aht-seconds", "60", "--model", "erlang-a"], "Erlang A"),
        (
            [
                "--calls-per-hour",
                "3",
                "--aht-seconds",
                "60",
                "--patience-seconds",
                "9",
                "--model",
                "erlang-c",
            ],
            "not with --model erlang-c",
        ),
    ]
    for args, said in runs:
        with pytest.raises(SystemExit) as stopped:
            cli.main(["plan", "staffing", *args])
        assert stopped.value.code == 2
        assert said in capsys.readouterr().err


def test_plan_staffing_refuses_bad_periods_naming_its_own_arguments(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", db.engine.url.render_as_string(False))
    runs = [
        (["--from", "bad", "--to", "2026-03-08"], "--from must be a date YYYY-MM-DD"),
        (["--from", "9999-12-30", "--to", "9999-12-31"], "--from must be between 2000-01-01"),
        (["--from", "2026-03-08", "--to", "2026-03-01"], "--to (2026-03-01) is before --from"),
    ]
    for args, said in runs:
        with pytest.raises(SystemExit) as stopped:
            cli.main(["plan", "staffing", *args])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert said in err and "report" not in err and "Traceback" not in err, err
        assert "OverflowError" not in err and err.count("\n") == 1


def test_the_service_level_threshold_is_the_wallboards_unless_the_model_sets_one(
    tmp_path: Path,
) -> None:
    assert load_model(None, 30.0).answer_within_s == 30.0
    toml = tmp_path / "costs.toml"
    toml.write_text("[report]\nanswer_within_seconds = 45\n")
    assert load_model(toml, 30.0).answer_within_s == 45.0
    toml.write_text("[costs]\nclerk_cost_per_hour = 30\n")
    model = load_model(toml, 30.0)
    assert model.answer_within_s == 30.0
    data, _chosen = inputs()
    text = pdf_text(to_pdf(assemble(data, model, "en")))
    assert "answered within 30 s" in text and "answered within 20 s" not in text


def test_clerk_cost_and_utilisation_count_the_hours_clerks_were_logged_in() -> None:
    from finestreta.supervision.kpis import LoggedEvent

    monday = datetime(2026, 3, 2, tzinfo=MADRID)

    def state(clerk: int, hour: float, to: str) -> LoggedEvent:
        at = (monday + timedelta(hours=hour)).astimezone(UTC)
        return LoggedEvent("clerk_state_changed", at, clerk_id=clerk, data={"state": to})

    # clerk 1 09:00–14:00, clerk 2 10:00–12:00: 7 clerk-hours, 5 staffed hours; the configured
    # hours (always open, as the demo's) would have said 168 and 168
    states = [
        state(1, 9, "available"),
        state(2, 10, "available"),
        state(2, 12, "offline"),
        state(1, 14, "offline"),
    ]
    a = kpis.Attention("r1", 1, "general", "ca", (monday + timedelta(hours=10)).astimezone(UTC))
    a.answered_at = a.queued_at + timedelta(seconds=30)
    a.ended_at = a.answered_at + timedelta(minutes=30)
    a.wrapped_at, a.outcome = a.ended_at, "information_given"
    always = OpeningHours(parse_hours("mon-sun 00:00-24:00"))
    end = (monday + timedelta(days=7)).astimezone(UTC)
    model = parse_model({"costs": {"clerk_cost_per_hour": 20, "staffed_clerks": 3}})
    data = Inputs(monday.astimezone(UTC), end, [a], SITES, always, MADRID, clerk_states=states)
    report = assemble(data, model, "en")
    got = figures_of(to_csv(report))
    assert number(got[("costs", "costs.clerks", "")][0]) == pytest.approx(20 * 7)
    assert number(got[("costs", "costs.clerk_hours", "")][0]) == pytest.approx(7)
    assert number(got[("costs", "costs.staffed_hours", "")][0]) == pytest.approx(5)
    assert got[("costs", "costs.staffed_from_log", "")][0] == "1"
    assert number(got[("utilisation", "by_booth.open_hours", "1")][0]) == pytest.approx(5)
    assert number(got[("utilisation", "by_booth.utilisation", "1")][0]) == pytest.approx(0.5 / 5)
    assert "Basis: what the event log observed" in " ".join(report.section("costs").text)
    # the heat map holds only the staffed slots: Monday 09–13
    heat = {k[2] for k in got if k[1].startswith("heat_map.")}
    assert heat == {"0"} and {k[1] for k in got if k[1].startswith("heat_map.")} == {
        f"heat_map.{h:02d}" for h in range(9, 14)
    }
    # without clerk states: the configured hours × staffed_clerks, and said so
    fallback = assemble(
        Inputs(monday.astimezone(UTC), end, [a], SITES, always, MADRID), model, "en"
    )
    got = figures_of(to_csv(fallback))
    assert number(got[("costs", "costs.clerks", "")][0]) == pytest.approx(20 * 3 * 168)
    assert got[("costs", "costs.staffed_from_log", "")][0] == "0"
    assert "Basis: the configured opening hours" in " ".join(fallback.section("costs").text)


def test_the_clerk_states_read_include_each_clerks_state_when_the_period_began(
    db: Database,
) -> None:
    from sqlalchemy import insert

    from finestreta.attention.records import AttentionEventRow
    from finestreta.supervision.event_log import read_clerk_states
    from finestreta.supervision.staffed import staffed_time

    start, end = START.astimezone(UTC), END.astimezone(UTC)

    def row(clerk: int, at: datetime, to: str) -> dict[str, object]:
        data = {"clerk_id": clerk, "state": to, "previous": "", "reason": ""}
        return {"at": at, "kind": "clerk_state_changed", "clerk_id": clerk, "data": data}

    with db.session() as session:
        session.execute(
            insert(AttentionEventRow),
            [
                row(1, start - timedelta(days=3), "available"),
                row(1, start - timedelta(hours=1), "away"),  # the state when the period began
                row(2, start - timedelta(days=1), "offline"),
                row(2, start + timedelta(hours=10), "available"),
                row(1, start + timedelta(hours=2), "offline"),
                row(2, start + timedelta(hours=11), "offline"),
                row(3, end + timedelta(hours=1), "available"),  # after: not read
            ],
        )
    states = read_clerk_states(db, start, end)
    assert sorted((e.clerk_id, e.data["state"]) for e in states) == [
        (1, "away"),
        (1, "offline"),
        (2, "available"),
        (2, "offline"),
        (2, "offline"),
    ]
    staffed = staffed_time(states, WEEKDAYS, MADRID, start, end)
    assert staffed.basis == "logged_in" and staffed.clerk_hours == pytest.approx(3)


def test_the_catalan_report_names_codes_and_writes_decimal_commas() -> None:
    import re

    from finestreta.procedures import registry
    from finestreta.supervision.labels import names

    data, _chosen = inputs()
    procedures = registry.load(["census", "information", "taxes"])
    report = assemble(data, ReportModel(), "ca", names=names(procedures, "ca"))
    text = pdf_text(to_pdf(report))
    for code in ("information_given", "procedure_completed", "referred_to_office", "census"):
        assert code not in text, code
    assert "Informació donada" in text or "Informació facilitada" in text
    # the assumptions and the CO₂ source in Catalan, numbers with decimal commas
    assert "Agència Europea" in text and "Medi Ambient" in text and "tòner i paper" in text
    assert "European Environment Agency" not in text and "assumption" not in text
    assert re.search(r"\d,\d h\b", text) and not re.search(r"\d\.\d h\b", text)


@pytest.mark.parametrize(
    ("lang", "one", "many"),
    [("ca", "1 cabina", "cabines"), ("es", "1 cabina", "cabinas"), ("en", "1 booth", "booths")],
)
def test_one_booth_is_singular_and_numbers_follow_the_language(
    lang: str, one: str, many: str
) -> None:
    start = datetime(2026, 3, 2, tzinfo=MADRID)
    data = Inputs(
        start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC), [], {}, WEEKDAYS, MADRID
    )
    model = ReportModel(rollout_booths=(1, 5))
    single = assemble(data, model, lang)
    assert single.subtitle.endswith(f"; 0 {many}")
    # dates as a reader writes them, the period's last day included
    assert {
        "ca": "2 de març del 2026 al 8 de març del 2026",
        "es": "2 de marzo de 2026 al 8 de marzo de 2026",
        "en": "March 2, 2026 to March 8, 2026",
    }[lang] in single.subtitle
    a = kpis.Attention("r1", 1, "general", "ca", (start + timedelta(hours=9)).astimezone(UTC))
    one_booth = assemble(Inputs(data.start, data.end, [a], {}, WEEKDAYS, MADRID), model, lang)
    assert one_booth.subtitle.endswith(f"; {one}")
    assert one_booth.section("costs").text[-1].startswith(one + " ")
    # 25 opening hours: "25,0 h" in ca and es, "25.0 h" in en
    decimal = "." if lang == "en" else ","
    assert f"(25{decimal}0 h)" in one_booth.section("costs").text[0]
