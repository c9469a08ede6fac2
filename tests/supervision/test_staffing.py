"""The staffing planner: Erlang C against published figures, Erlang A against a birth–death chain
solved here independently, their limits and monotonicity, and the ``plan staffing`` command."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finestreta.cli import main
from finestreta.errors import InvalidInput
from finestreta.supervision import staffing
from finestreta.supervision.staffing import (
    MAX_AGENTS,
    agents_needed,
    erlang_a_staffing,
    erlang_b,
    erlang_c,
    erlang_c_staffing,
    finite_source_staffing,
)

# ---------------------------------------------------------------------------- Erlang B and C


@pytest.mark.parametrize(
    ("agents", "traffic"),
    # The widely reproduced Erlang B table at 1 % blocking (the traffic each number of
    # circuits carries, to the table's three decimals).
    [(10, 4.461), (20, 12.031), (50, 37.901), (100, 84.064)],
)
def test_erlang_b_matches_the_one_percent_table(agents: int, traffic: float) -> None:
    assert erlang_b(agents, traffic) == pytest.approx(0.01, abs=5e-5)


def test_the_classic_ten_erlang_example() -> None:
    """100 calls in half an hour, 3 minutes each, 80 % within 20 s: 14 agents, P(wait)
    0.1741, service level 0.8884, occupancy 0.714 — the worked example published with
    pyworkforce (https://pypi.org/project/pyworkforce/0.1.0/), the same figures Erlang C
    calculators print for this problem (13 agents give 0.796, just short)."""
    result = erlang_c_staffing(200, 180, 14, 20)
    assert result.traffic == pytest.approx(10.0)
    assert result.p_wait == pytest.approx(0.1741319335950498, rel=1e-9)
    assert result.service_level == pytest.approx(0.8883500191794669, rel=1e-9)
    assert result.occupancy == pytest.approx(0.7142857142857143)
    assert result.asa_seconds == pytest.approx(0.1741319335950498 * 180 / 4)
    assert erlang_c(12, 10.0) == pytest.approx(0.449388, abs=1e-6)
    assert erlang_c_staffing(200, 180, 13, 20).service_level == pytest.approx(0.7956, abs=1e-4)
    assert agents_needed(200, 180, 0.8, 20) == 14
    # a cap on occupancy can ask for more than the service level does
    assert agents_needed(200, 180, 0.8, 20, max_occupancy=0.65) == 16


def naive_erlang_c(agents: int, traffic: float) -> float:
    """The textbook formula with factorials, fine for small numbers only."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents))
    return top / (bottom + top)


@given(agents=st.integers(1, 60), load=st.floats(0.01, 0.99))
def test_the_recursion_equals_the_textbook_formula(agents: int, load: float) -> None:
    traffic = agents * load
    assert erlang_c(agents, traffic) == pytest.approx(naive_erlang_c(agents, traffic), rel=1e-9)


def test_large_centres_neither_overflow_nor_hang() -> None:
    """10,000 calls an hour of 3 minutes is 500 erlangs: the factorials would overflow at 171."""
    needed = agents_needed(10_000, 180, 0.8, 20)
    result = erlang_c_staffing(10_000, 180, needed, 20)
    assert 500 < needed < 540
    assert 0.8 <= result.service_level < 1
    assert erlang_c_staffing(10_000, 180, needed - 1, 20).service_level < 0.8
    # economies of scale: far fewer spare clerks per erlang than the small example's 4 in 10
    assert result.occupancy > 0.95
    assert 0 < erlang_c(4000, 3900.0) < 1


@given(
    calls=st.floats(1, 5000),
    aht=st.floats(10, 1800),
    within=st.floats(0, 120),
    agents=st.integers(1, 800),
)
def test_more_clerks_never_make_it_worse(
    calls: float, aht: float, within: float, agents: int
) -> None:
    fewer = erlang_c_staffing(calls, aht, agents, within)
    more = erlang_c_staffing(calls, aht, agents + 1, within)
    assert 0 <= fewer.p_wait <= 1 and 0 <= fewer.service_level <= 1
    assert more.p_wait <= fewer.p_wait + 1e-12
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.asa_seconds <= fewer.asa_seconds
    assert more.occupancy <= fewer.occupancy


@settings(max_examples=60)
@given(
    calls=st.floats(1, 3000),
    aht=st.floats(30, 900),
    target=st.floats(0.05, 0.98),
    within=st.floats(1, 60),
)
def test_agents_needed_is_the_fewest_that_reach_the_target(
    calls: float, aht: float, target: float, within: float
) -> None:
    needed = agents_needed(calls, aht, target, within)
    assert erlang_c_staffing(calls, aht, needed, within).service_level >= target
    assert erlang_c_staffing(calls, aht, needed - 1, within).service_level < target
    # more calls, or longer ones, never need fewer clerks
    assert agents_needed(calls * 1.2, aht, target, within) >= needed
    assert agents_needed(calls, aht * 1.2, target, within) >= needed


# ---------------------------------------------------------------------------- Erlang A


def chain(
    calls_per_hour: float, aht: float, agents: int, patience: float, states: int = 4000
) -> tuple[list[float], float, float]:
    """The M/M/N+M birth–death chain truncated at ``states``, solved in logs:
    P(an arrival waits) = P(N or more in the system) and P(abandon) = θ·E[queue]/λ."""
    arrival, service, abandon = calls_per_hour / 3600, 1 / aht, 1 / patience
    logs = [0.0]
    for k in range(1, states):
        death = min(k, agents) * service + max(k - agents, 0) * abandon
        logs.append(logs[-1] + math.log(arrival / death))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    p = [w / total for w in weights]
    p_wait = sum(p[agents:])
    queue = sum((k - agents) * p[k] for k in range(agents, states))
    return p, p_wait, abandon * queue / arrival


def served_within(
    aht: float, agents: int, patience: float, within: float, ahead: int
) -> list[float]:
    """P(served by ``within``) for an arrival with j = 0..ahead−1 calls ahead of it in the
    queue: the tagged call's own chain (j → j−1 at Nμ + jθ, lost at θ), integrated by RK4."""
    service, abandon = agents / aht, 1 / patience
    rates = [service + j * abandon for j in range(ahead)]

    def slope(u: list[float]) -> list[float]:
        before = [1.0, *u[:-1]]  # one fewer ahead; from j = 0 the next step is being served
        return [r * (b - x) - abandon * x for r, b, x in zip(rates, before, u, strict=True)]

    u, steps = [0.0] * ahead, 4000
    h = within / steps
    for _ in range(steps):
        k1 = slope(u)
        k2 = slope([x + h / 2 * k for x, k in zip(u, k1, strict=True)])
        k3 = slope([x + h / 2 * k for x, k in zip(u, k2, strict=True)])
        k4 = slope([x + h * k for x, k in zip(u, k3, strict=True)])
        u = [
            x + h / 6 * (a + 2 * b + 2 * c + d)
            for x, a, b, c, d in zip(u, k1, k2, k3, k4, strict=True)
        ]
    return u


@pytest.mark.parametrize(
    ("calls", "aht", "agents", "patience"),
    [
        (200, 180, 12, 120),  # the ten-erlang example, patient citizens
        (100, 180, 5, 60),  # as many erlangs as clerks: Erlang C has no answer
        (60, 300, 3, 30),  # overloaded: impatient citizens keep the queue short
        (3000, 240, 190, 300),  # a big centre
        (30, 300, 1, 600),  # one clerk
    ],
)
def test_erlang_a_agrees_with_the_birth_death_chain(
    calls: float, aht: float, agents: int, patience: float
) -> None:
    p, p_wait, p_abandon = chain(calls, aht, agents, patience)
    result = erlang_a_staffing(calls, aht, agents, 20, patience)
    assert result.p_wait == pytest.approx(p_wait, rel=1e-6)
    assert result.p_abandon == pytest.approx(p_abandon, rel=1e-6)
    assert result.occupancy == pytest.approx(result.traffic * (1 - p_abandon) / agents, rel=1e-6)
    # the service level: those who find a free clerk, plus the waiting ones served in time
    ahead = 200
    tagged = served_within(aht, agents, patience, 20, ahead)
    expected = sum(p[:agents]) + sum(p[agents + j] * tagged[j] for j in range(ahead))
    assert result.service_level == pytest.approx(expected, rel=1e-5)


@given(
    calls=st.floats(1, 2000),
    aht=st.floats(30, 600),
    within=st.floats(0, 60),
    slack=st.integers(1, 30),
)
@settings(max_examples=40)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(
    calls: float, aht: float, within: float, slack: int
) -> None:
    agents = math.floor(calls * aht / 3600) + slack  # Erlang C needs more clerks than erlangs
    c = erlang_c_staffing(calls, aht, agents, within)
    # a patience 1e9 times the mean wait: the few who give up change the figures by ~1e-9,
    # even close to saturation
    patience = 1e9 * max(c.asa_seconds, aht)
    a = erlang_a_staffing(calls, aht, agents, within, patience)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5, abs=1e-12)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5, abs=1e-6)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-4, abs=1e-9)
    assert a.p_abandon < 1e-8


@settings(max_examples=40)
@given(
    calls=st.floats(1, 3000),
    aht=st.floats(30, 900),
    patience=st.floats(5, 3600),
    agents=st.integers(1, 600),
)
def test_erlang_a_is_monotone_and_bounded(
    calls: float, aht: float, patience: float, agents: int
) -> None:
    fewer = erlang_a_staffing(calls, aht, agents, 20, patience)
    more = erlang_a_staffing(calls, aht, agents + 1, 20, patience)
    for result in (fewer, more):
        assert 0 <= result.p_abandon <= result.p_wait <= 1
        assert 0 <= result.service_level <= 1 and 0 <= result.occupancy <= 1
        assert result.asa_seconds >= 0
    assert more.service_level >= fewer.service_level - 1e-9
    assert more.p_abandon <= fewer.p_abandon * (1 + 1e-9) + 1e-15
    # the more patient the citizens, the longer they wait and the fewer give up
    patient = erlang_a_staffing(calls, aht, agents, 20, patience * 2)
    assert patient.p_abandon <= fewer.p_abandon * (1 + 1e-9) + 1e-15
    assert patient.p_wait >= fewer.p_wait - 1e-9


def test_erlang_a_plans_where_erlang_c_cannot() -> None:
    """With abandonment, fewer clerks reach the same target; a huge overload is finite."""
    assert agents_needed(200, 180, 0.8, 20, patience_seconds=120) < agents_needed(200, 180, 0.8, 20)
    swamped = erlang_a_staffing(10_000, 180, 400, 20, 120)  # 500 erlangs on 400 clerks
    assert swamped.p_abandon == pytest.approx(0.2, abs=0.01)  # the excess gives up
    assert swamped.occupancy > 0.99
    # the target is met below the offered load: the excess gives up (the docs warn of this)
    needed = agents_needed(10_000, 180, 0.8, 20, patience_seconds=120)
    assert 400 < needed < 500 < agents_needed(10_000, 180, 0.8, 20)
    result = erlang_a_staffing(10_000, 180, needed, 20, 120)
    assert result.service_level >= 0.8 and 0.09 < result.p_abandon < 0.15


# ---------------------------------------------------------------------------- few booths


def test_few_booths_need_fewer_clerks_than_erlang_c_says() -> None:
    """4 booths sending 30 five-minute calls an hour if never occupied: Erlang C asks for more
    clerks than there are booths; with as many clerks as booths nobody ever waits."""
    assert agents_needed(30, 300, 0.8, 20) == 5
    assert agents_needed(30, 300, 0.8, 20, booths=4) == 3
    everyone = finite_source_staffing(30, 300, 4, 20, 4)
    assert everyone.p_wait == 0 and everyone.service_level == 1 and everyone.asa_seconds == 0


def test_many_booths_tend_to_erlang_c() -> None:
    c = erlang_c_staffing(200, 180, 12, 20)
    many = finite_source_staffing(200, 180, 12, 20, 5000)
    assert many.p_wait == pytest.approx(c.p_wait, rel=0.02)
    assert many.service_level == pytest.approx(c.service_level, rel=0.02)
    assert many.asa_seconds == pytest.approx(c.asa_seconds, rel=0.05)


def test_one_clerk_one_booth_is_the_machine_repair_queue() -> None:
    """K=2 booths, N=1 clerk, by hand: per-booth rate γ, service μ; an arrival sees the other
    booth's one-booth chain: busy with probability γ/(γ+μ), and then waits Exp(μ)."""
    gamma, mu = 10 / 3600 / 2, 1 / 180
    result = finite_source_staffing(10, 180, 1, 20, 2)
    busy = gamma / (gamma + mu)
    assert result.p_wait == pytest.approx(busy)
    assert result.service_level == pytest.approx(1 - busy * math.exp(-mu * 20))
    assert result.asa_seconds == pytest.approx(busy * 180)


@settings(max_examples=60)
@given(
    calls=st.floats(1, 500),
    aht=st.floats(30, 900),
    booths=st.integers(1, 60),
    extra=st.integers(0, 10),
)
def test_the_finite_source_is_never_worse_than_erlang_c(
    calls: float, aht: float, booths: int, extra: int
) -> None:
    agents = math.floor(calls * aht / 3600) + 1 + extra
    c = erlang_c_staffing(calls, aht, agents, 20)
    few = finite_source_staffing(calls, aht, agents, 20, booths)
    more = finite_source_staffing(calls, aht, agents, 20, booths + 1)
    assert few.p_wait <= c.p_wait + 1e-9 and few.service_level >= c.service_level - 1e-9
    assert few.p_wait <= more.p_wait + 1e-9  # another booth is never a help
    assert 0 <= few.occupancy <= 1


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ((-1, 180, 0.8, 20), "calls per hour"),
        ((100, 0, 0.8, 20), "handle time"),
        ((100, math.nan, 0.8, 20), "handle time"),
        ((100, 180, 1.0, 20), "target service level"),
        ((100, 180, 0.0, 20), "target service level"),
        ((100, 180, 0.8, -5), "answer threshold"),
    ],
)
def test_bad_figures_are_refused(args: tuple[float, float, float, float], needle: str) -> None:
    with pytest.raises(InvalidInput, match=needle) as info:
        agents_needed(*args)
    assert info.value.code == "staffing_bad_figures"


def test_bad_patience_occupancy_and_booths_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not both"):
        agents_needed(100, 180, 0.8, 20, patience_seconds=60, booths=4)
    with pytest.raises(InvalidInput, match="booths"):
        finite_source_staffing(100, 180, 2, 20, 0)
    with pytest.raises(InvalidInput, match="patience"):
        agents_needed(100, 180, 0.8, 20, patience_seconds=0)
    with pytest.raises(InvalidInput, match="occupancy"):
        agents_needed(100, 180, 0.8, 20, max_occupancy=1.5)


def test_an_unreachable_target_is_refused_quickly() -> None:
    with pytest.raises(InvalidInput) as info:
        agents_needed(1_000_000, 600, 0.8, 20)  # 166,667 erlangs
    assert info.value.code == "staffing_unreachable"
    assert info.value.details == {"limit": MAX_AGENTS}


def test_no_calls_need_no_clerks() -> None:
    assert agents_needed(0, 180, 0.8, 20) == 0
    assert staffing.plan(0, 180, 0.8, 20).rows[0].service_level == 1.0


# ---------------------------------------------------------------------------- the command


def test_the_command_prints_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    main(["plan", "staffing", "--calls-per-hour", "200", "--aht-seconds", "180"])
    out = capsys.readouterr().out
    assert "10.00 erlangs" in out
    assert "agents needed: 14" in out
    lines = out.splitlines()
    assert any(line.startswith("*") and "14" in line and "88.8%" in line for line in lines)
    assert any(" 13 " in line and "79.6%" in line for line in lines)  # the counts around it


def test_the_command_speaks_json_with_abandonment(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "plan",
            "staffing",
            "--calls-per-hour=100",
            "--aht-seconds=180",
            "--target-sl=0.8",
            "--answer-within=20",
            "--patience-seconds=60",
            "--around=2",
            "--json",
        ]
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["model"] == "erlang_a"
    needed = figures["agents_needed"]
    assert needed == agents_needed(100, 180, 0.8, 20, patience_seconds=60)
    assert [row["agents"] for row in figures["rows"]] == list(range(needed - 2, needed + 3))
    row = next(row for row in figures["rows"] if row["agents"] == needed)
    assert row["service_level"] >= 0.8 and 0 < row["p_abandon"] < 0.2


def test_the_command_writes_null_for_an_endless_wait(capsys: pytest.CaptureFixture[str]) -> None:
    main(["plan", "staffing", "--calls-per-hour", "100", "--aht-seconds", "180", "--json"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["agents"] <= 5 and rows[0]["asa_seconds"] is None  # 5 erlangs on ≤ 5 clerks


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--calls-per-hour", "lots", "--aht-seconds", "180"], "--calls-per-hour takes a number"),
        (["--calls-per-hour", "100", "--aht-seconds", "inf"], "--aht-seconds takes a finite"),
        (["--calls-per-hour", "100", "--aht-seconds", "-3"], "handle time"),
        (["--calls-per-hour", "100", "--aht-seconds", "180", "--target-sl", "80"], "target"),
        (["--calls-per-hour", "1e7", "--aht-seconds", "600"], "not reached with 5000 agents"),
        (["--calls-per-hour", "1", "--aht-seconds", "60", "--booths", "2.5"], "whole number"),
        (["--calls-per-hour", "1", "--aht-seconds", "60", "--around", "99"], "0 to 50"),
    ],
)
def test_bad_arguments_get_one_line_and_status_2(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["plan", "staffing", *extra])
    assert info.value.code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("finestreta")]
    assert len(err) == 1 and message in err[0]
    assert "Traceback" not in capsys.readouterr().err


def test_the_command_plans_for_few_booths(capsys: pytest.CaptureFixture[str]) -> None:
    main(["plan", "staffing", "--calls-per-hour=30", "--aht-seconds=300", "--booths=4", "--json"])
    figures = json.loads(capsys.readouterr().out)
    assert figures["model"] == "finite_source" and figures["booths"] == 4
    assert figures["agents_needed"] == 3
