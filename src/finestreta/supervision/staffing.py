"""How many clerks an hour needs: Erlang C, Erlang A when citizens give up waiting, and the
finite-source model when a few booths send the calls (a waiting citizen occupies the booth).

Pure arithmetic, no web and no database: the wallboard, the pilot report and the
``finestreta plan staffing`` command all call it. ``docs/staffing.md`` gives the formulas, their
sources and where they mislead (few booths: a waiting citizen occupies the booth).

Units: arrivals in calls per hour, times in seconds. The offered traffic (in erlangs) is
``A = calls_per_hour / 3600 · aht_seconds``.

Written here rather than taken from a library: the maintained one (pyworkforce) needs Python
3.12 and brings OR-Tools and pandas for scheduling we do not do, and the formulas are a page.
The naive Erlang C (``A**N / N!``) overflows past about 170 agents; the Erlang B recursion
below stays in floats between 0 and 1 for any size.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from finestreta.errors import N_, InvalidInput, declare

BAD_FIGURES = declare(
    "staffing_bad_figures",
    InvalidInput,
    N_(
        "The staffing figures are not valid: calls and patience cannot be negative, the handle "
        "time must be longer than zero and the target service level between 0 and 1."
    ),
)
UNREACHABLE = declare(
    "staffing_unreachable",
    InvalidInput,
    N_(
        "The target cannot be reached with up to {limit} clerks: check the figures or lower "
        "the target."
    ),
)

MAX_AGENTS = 5000
"""Beyond this a plan is refused, not searched for: no booth network needs more, and the
figures are surely mistyped (a handle time in minutes given as seconds, say)."""

Model = Literal["erlang_c", "erlang_a", "finite_source"]


@dataclass(frozen=True)
class Staffing:
    """What ``agents`` clerks give for one demand.

    ``service_level`` is the share of *all* offered calls answered within the threshold (an
    abandoned call counts as not answered); ``asa_seconds`` the mean wait of the answered calls,
    those answered at once included (``math.inf`` when the queue grows without end);
    ``occupancy`` the share of a clerk's time in calls.
    """

    model: Model
    agents: int
    traffic: float
    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float
    p_abandon: float = 0.0


# ---------------------------------------------------------------------------- validation


def _check(
    calls_per_hour: float,
    aht_seconds: float,
    answer_within_s: float = 0.0,
    patience_seconds: float | None = None,
    agents: int | None = None,
) -> None:
    problems = []
    if not (math.isfinite(calls_per_hour) and calls_per_hour >= 0):
        problems.append(f"calls per hour must be 0 or more, got {calls_per_hour!r}")
    if not (math.isfinite(aht_seconds) and aht_seconds > 0):
        problems.append(f"the handle time must be more than 0 s, got {aht_seconds!r}")
    if not (math.isfinite(answer_within_s) and answer_within_s >= 0):
        problems.append(f"the answer threshold must be 0 s or more, got {answer_within_s!r}")
    if patience_seconds is not None and not (
        math.isfinite(patience_seconds) and patience_seconds > 0
    ):
        problems.append(f"the patience must be more than 0 s, got {patience_seconds!r}")
    if agents is not None and not 0 <= agents <= MAX_AGENTS:
        problems.append(f"agents must be between 0 and {MAX_AGENTS}, got {agents!r}")
    if problems:
        raise BAD_FIGURES("; ".join(problems), {"problems": problems})


def traffic_erlangs(calls_per_hour: float, aht_seconds: float) -> float:
    """The offered load: how many clerks would be busy on average if none were ever idle."""
    _check(calls_per_hour, aht_seconds)
    return calls_per_hour / 3600.0 * aht_seconds


# ---------------------------------------------------------------------------- Erlang B and C


def erlang_b(agents: int, traffic: float) -> float:
    """The Erlang B blocking probability, by the recursion B(0)=1,
    B(n) = A·B(n−1) / (n + A·B(n−1)): every step stays in [0, 1], so it neither overflows
    nor loses precision for thousands of agents."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic are not negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """The probability that a call waits (C = N·B / (N − A·(1 − B))); 1 when ``agents`` do not
    exceed the traffic (the queue then grows without end)."""
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c_staffing(
    calls_per_hour: float, aht_seconds: float, agents: int, answer_within_s: float
) -> Staffing:
    """Erlang C (M/M/N, nobody gives up): P(wait), the service level
    1 − C·e^(−(N−A)·t/AHT), the average speed of answer C·AHT/(N−A) and the occupancy A/N."""
    _check(calls_per_hour, aht_seconds, answer_within_s, agents=agents)
    traffic = calls_per_hour / 3600.0 * aht_seconds
    if traffic == 0:
        return Staffing("erlang_c", agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents <= traffic:
        return Staffing("erlang_c", agents, traffic, 1.0, 0.0, math.inf, 1.0)
    wait = erlang_c(agents, traffic)
    spare = agents - traffic
    return Staffing(
        "erlang_c",
        agents,
        traffic,
        wait,
        1.0 - wait * math.exp(-spare * answer_within_s / aht_seconds),
        wait * aht_seconds / spare,
        traffic / agents,
    )


# ---------------------------------------------------------------------------- Erlang A
#
# M/M/N+M: Poisson arrivals (λ), exponential service (μ = 1/AHT) and exponential patience
# (θ = 1/mean patience). The offered wait V (how long a call would wait if it never gave up)
# has, besides its atom at 0, the density v(x) = λ·π(N−1)·exp(φ(x)) with
# φ(x) = λ·H(x) − Nμx and H(x) = (1 − e^(−θx))/θ (Baccelli & Hébuterne 1981; Mandelbaum &
# Zeltyn, "The M/M/n+G queue: summary of performance measures"). Below N the states are those of
# Erlang B, so the atom is π(N−1)/B(N−1, A) and normalising gives π(N−1). A call is answered
# if V < its patience τ, so every measure is a one-dimensional integral of exp(φ) against
# e^(−θx) (answered) or 1 − e^(−θx) (abandoned). φ is concave: the integrals are taken around
# its peak, scaled by exp(−max φ), so that nothing overflows for thousands of calls an hour.


@dataclass(frozen=True)
class _Integrals:
    total: float  # ∫ w
    abandoned: float  # ∫ w·(1 − e^(−θx))
    answered_within: float  # ∫_0^t w·e^(−θx)
    answered_wait: float  # ∫ w·x·e^(−θx)


_NODES = 64  # Simpson intervals per piece
_NEGLIGIBLE = 40.0  # e^−40 of the peak: the integrand's tail beyond is below 1e-17


def _simpson(f: Callable[[float], tuple[float, ...]], a: float, b: float) -> list[float]:
    """Composite Simpson of the vector function ``f`` on [a, b]."""
    h = (b - a) / _NODES
    sums = [0.0] * len(f(a))
    for i in range(_NODES + 1):
        weight = 1 if i in (0, _NODES) else (4 if i % 2 else 2)
        for k, value in enumerate(f(a + i * h)):
            sums[k] += weight * value
    return [s * h / 3 for s in sums]


def _erlang_a_integrals(
    arrival: float, service: float, abandon: float, agents: int, within: float
) -> tuple[float, _Integrals]:
    """``max φ`` and the integrals of w = exp(φ − max φ) (rates per second)."""
    capacity = agents * service

    def phi(x: float) -> float:
        return arrival / abandon * -math.expm1(-abandon * x) - capacity * x

    peak = math.log(arrival / capacity) / abandon if arrival > capacity else 0.0
    top = phi(peak)
    # The pieces start at the finest scale in play (the peak's width from the curvature
    # λθe^(−θx), the decay from the slope at 0, the patience 1/θ) and double in length away
    # from the peak, where the integrands only decay: a few hundred points, relative error
    # around 1e-9, whatever the load.
    scales = [1.0 / math.sqrt(arrival * abandon * math.exp(-abandon * peak)), 1.0 / abandon]
    if peak == 0.0 and capacity > arrival:
        scales.append(1.0 / (capacity - arrival))
    if within >= 1e-3:  # a threshold below a millisecond is as good as 0
        scales.append(within)
    first = max(min(scales) / 4, 1e-6)  # a floor, so that the doubling ends
    bounds = {peak, within} if within > 0 else {peak}
    step = first
    while phi(peak + step) - top > -_NEGLIGIBLE:
        bounds.add(peak + step)
        step *= 2
    right = peak + step
    bounds.add(right)
    step = first
    while step < peak and phi(peak - step) - top > -_NEGLIGIBLE:
        bounds.add(peak - step)
        step *= 2
    bounds.add(max(0.0, peak - step))

    def point(x: float) -> tuple[float, ...]:
        weight = math.exp(phi(x) - top)
        kept = math.exp(-abandon * x)
        return weight, weight * -math.expm1(-abandon * x), weight * kept, weight * x * kept

    total = abandoned = answered_within = answered_wait = 0.0
    for a, b in itertools.pairwise(sorted(x for x in bounds if x <= right)):
        w, ab, kept, wait = _simpson(point, a, b)
        total, abandoned, answered_wait = total + w, abandoned + ab, answered_wait + wait
        if b <= within:
            answered_within += kept
    return top, _Integrals(total, abandoned, answered_within, answered_wait)


def erlang_a_staffing(
    calls_per_hour: float,
    aht_seconds: float,
    agents: int,
    answer_within_s: float,
    patience_seconds: float,
) -> Staffing:
    """Erlang A (M/M/N+M): as :func:`erlang_c_staffing`, with citizens who give up after an
    exponential patience of mean ``patience_seconds``. Defined for any load (abandonment keeps
    the queue finite); as the patience grows it tends to Erlang C."""
    _check(calls_per_hour, aht_seconds, answer_within_s, patience_seconds, agents)
    traffic = calls_per_hour / 3600.0 * aht_seconds
    if traffic == 0:
        return Staffing("erlang_a", agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents == 0:  # nobody answers: everyone waits and gives up
        return Staffing("erlang_a", 0, traffic, 1.0, 0.0, math.inf, 1.0, 1.0)
    arrival, service = calls_per_hour / 3600.0, 1.0 / aht_seconds
    abandon = 1.0 / patience_seconds
    below = erlang_b(agents - 1, traffic)  # B(N−1, A): the atom at V = 0 is π(N−1)/B
    if below == 0.0:  # so many clerks that waiting is below floating point
        return Staffing("erlang_a", agents, traffic, 0.0, 1.0, 0.0, traffic / agents)
    top, integral = _erlang_a_integrals(arrival, service, abandon, agents, answer_within_s)
    # P(wait) = λJ·B / (1 + λJ·B) with J = e^top·∫w; in logs, as λJ can be e^800
    odds = math.log(below) + math.log(arrival) + top + math.log(integral.total)
    p_wait = 1.0 / (1.0 + math.exp(-odds)) if odds > -700 else math.exp(odds)
    scale = p_wait / integral.total  # λ·π(N−1)·e^top: turns an integral of w into a share
    p_abandon = min(1.0, scale * integral.abandoned)
    answered = 1.0 - p_abandon
    return Staffing(
        "erlang_a",
        agents,
        traffic,
        p_wait,
        min(1.0, 1.0 - p_wait + scale * integral.answered_within),
        scale * integral.answered_wait / answered if answered > 0 else math.inf,
        min(1.0, traffic * answered / agents),
        p_abandon,
    )


# ---------------------------------------------------------------------------- few booths
#
# A booth is a finite source: a citizen waiting or talking in it occupies it, so with K booths
# there are never more than K calls in the system and the arrivals slow as the queue grows.
# ``calls_per_hour`` is then what the K booths would send if none were ever occupied (each free
# booth calls at λ/K). The chain has K+1 states; an arriving call sees it as the other K−1
# booths leave it (the arrival theorem), and waits, when it finds k ≥ N calls, for k−N+1
# completions at rate Nμ (an Erlang distribution).


def _finite_source_chain(
    sources: int, per_source: float, service: float, agents: int
) -> list[float]:
    """The stationary distribution of k calls in the system, from ``sources`` booths."""
    logs = [0.0]
    for k in range(1, sources + 1):
        birth = (sources - k + 1) * per_source
        logs.append(logs[-1] + math.log(birth / (min(k, agents) * service)))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    return [w / total for w in weights]


def finite_source_staffing(
    calls_per_hour: float, aht_seconds: float, agents: int, answer_within_s: float, booths: int
) -> Staffing:
    """As :func:`erlang_c_staffing`, for ``booths`` booths whose waiting citizens occupy them
    (M/M/N//K, Engset's delay system): never worse than Erlang C, and equal as booths grow."""
    _check(calls_per_hour, aht_seconds, answer_within_s, agents=agents)
    if not 1 <= booths <= MAX_AGENTS:
        problems = [f"booths must be between 1 and {MAX_AGENTS}, got {booths!r}"]
        raise BAD_FIGURES(problems[0], {"problems": problems})
    traffic = calls_per_hour / 3600.0 * aht_seconds
    if traffic == 0:
        return Staffing("finite_source", agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents == 0:
        return Staffing("finite_source", 0, traffic, 1.0, 0.0, math.inf, 1.0)
    per_source, service = calls_per_hour / 3600.0 / booths, 1.0 / aht_seconds
    seen = _finite_source_chain(booths - 1, per_source, service, agents)  # by an arrival
    rate = agents * service
    p_wait = math.fsum(seen[agents:])
    # P(wait > t) = Σ_k seen[k] · P(Poisson(Nμt) ≤ k−N), each Poisson term from its logarithm
    # (e^(−Nμt) alone underflows for a large centre)
    mean = rate * answer_within_s
    late = tail = 0.0
    for ahead, p in enumerate(seen[agents:]):
        if mean > 0:
            tail += math.exp(-mean + ahead * math.log(mean) - math.lgamma(ahead + 1))
        else:
            tail = 1.0
        late += p * min(1.0, tail)
    asa = sum(p * (ahead + 1) for ahead, p in enumerate(seen[agents:])) / rate
    time = _finite_source_chain(booths, per_source, service, agents)  # over time
    busy = sum(p * min(k, agents) for k, p in enumerate(time))
    return Staffing(
        "finite_source",
        agents,
        traffic,
        p_wait,
        max(0.0, 1.0 - late),
        asa,
        min(1.0, busy / agents),
    )


# ---------------------------------------------------------------------------- planning


def staffing(
    calls_per_hour: float,
    aht_seconds: float,
    agents: int,
    answer_within_s: float,
    patience_seconds: float | None = None,
    booths: int | None = None,
) -> Staffing:
    """Erlang A when a patience is given, the finite-source model when the booths are,
    Erlang C otherwise."""
    if booths is not None:
        return finite_source_staffing(calls_per_hour, aht_seconds, agents, answer_within_s, booths)
    if patience_seconds is None:
        return erlang_c_staffing(calls_per_hour, aht_seconds, agents, answer_within_s)
    return erlang_a_staffing(calls_per_hour, aht_seconds, agents, answer_within_s, patience_seconds)


def _meets(result: Staffing, target_sl: float, max_occupancy: float | None) -> bool:
    occupancy_ok = max_occupancy is None or result.occupancy <= max_occupancy
    return result.service_level >= target_sl and occupancy_ok


def agents_needed(
    calls_per_hour: float,
    aht_seconds: float,
    target_sl: float,
    answer_within_s: float,
    max_occupancy: float | None = None,
    patience_seconds: float | None = None,
    booths: int | None = None,
) -> int:
    """The fewest clerks whose service level reaches ``target_sl`` (and whose occupancy stays
    at most ``max_occupancy``, when given). Both improve as clerks are added, so the answer is
    found by doubling then halving: a few dozen evaluations, whatever the size. More than
    :data:`MAX_AGENTS` is refused with ``staffing_unreachable``."""
    _check(calls_per_hour, aht_seconds, answer_within_s, patience_seconds)
    problems = []
    if not 0 < target_sl < 1:
        problems.append(f"the target service level must be between 0 and 1, got {target_sl!r}")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        problems.append(f"the maximum occupancy must be in (0, 1], got {max_occupancy!r}")
    if patience_seconds is not None and booths is not None:
        problems.append("give either the patience (Erlang A) or the booths, not both")
    if problems:
        raise BAD_FIGURES("; ".join(problems), {"problems": problems})
    if calls_per_hour == 0:
        return 0

    def meets(agents: int) -> bool:
        result = staffing(
            calls_per_hour, aht_seconds, agents, answer_within_s, patience_seconds, booths
        )
        return _meets(result, target_sl, max_occupancy)

    traffic = calls_per_hour / 3600.0 * aht_seconds
    # Erlang C fails at ⌊A⌋; the others can meet a target below A (by abandonment, or as
    # occupied booths hold arrivals back)
    erlang_c_only = patience_seconds is None and booths is None
    low = min(MAX_AGENTS, int(traffic)) if erlang_c_only else 0  # fails (or is 0)
    high = max(1, low)
    while not meets(high):
        if high >= MAX_AGENTS:
            raise UNREACHABLE(
                f"the target is not reached with {MAX_AGENTS} agents "
                f"({traffic:.1f} erlangs offered)",
                {"limit": MAX_AGENTS},
            )
        low, high = high, min(MAX_AGENTS, high * 2)
    while high - low > 1:  # low fails (or is 0), high meets
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle, high)
    return high


@dataclass(frozen=True)
class Plan:
    """The clerks needed and what each count around it gives."""

    needed: int
    rows: tuple[Staffing, ...]


def plan(
    calls_per_hour: float,
    aht_seconds: float,
    target_sl: float,
    answer_within_s: float,
    max_occupancy: float | None = None,
    patience_seconds: float | None = None,
    around: int = 3,
    booths: int | None = None,
) -> Plan:
    """:func:`agents_needed`, and the figures of ``around`` counts either side of it."""
    needed = agents_needed(
        calls_per_hour,
        aht_seconds,
        target_sl,
        answer_within_s,
        max_occupancy,
        patience_seconds,
        booths,
    )
    counts = range(max(1, needed - around), min(MAX_AGENTS, needed + around) + 1)
    rows = tuple(
        staffing(calls_per_hour, aht_seconds, n, answer_within_s, patience_seconds, booths)
        for n in counts
    )
    return Plan(needed, rows)
