"""The pilot report's assumptions: the cost model, the impact factors and the report's rules.

Every figure has a default in code with where it comes from (``source``: a published figure, or
"assumption"), and the report prints them all. A TOML file overrides any of them (the path by
``--model`` or ``FINESTRETA_REPORT_MODEL``); ``docs/report.md`` lists the keys. A file that is
not TOML, an unknown key, or a value of the wrong kind or range is refused with
``report_bad_model`` naming the key, never a traceback.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from finestreta.errors import N_, InvalidInput, declare

BAD_MODEL = declare(
    "report_bad_model",
    InvalidInput,
    N_("The report's cost model is not valid: {problem}"),
)


def _(text: str) -> str:
    """Marks a text for the pages' catalogue (``scripts/i18n`` extracts ``_()``): the report
    translates the units and sources when it prints them (``sections._assumptions_table``)."""
    return text


ASSUMPTION = _("assumption")
SET_BY_CITY = _("set by the city")


@dataclass(frozen=True)
class Parameter:
    """One number of the model, its unit and where it comes from."""

    value: float
    unit: str
    source: str


def _p(value: float, unit: str, source: str = ASSUMPTION) -> Parameter:
    return Parameter(value, unit, source)


# key → (default, lower bound, upper bound): a value outside is refused. The defaults are round
# figures for a Spanish city in the mid-2020s; a city sets its own.
COSTS: dict[str, Parameter] = {
    "clerk_cost_per_hour": _p(
        28.0,
        "EUR/h",
        _(
            "assumption: gross salary and employer's social security of a municipal "
            "administrative clerk (C1), about 1,600 worked hours a year"
        ),
    ),
    "staffed_clerks": _p(
        1.0,
        _("clerks"),
        _(
            "assumption: clerks on duty every opening hour (used only when the event log has "
            "no clerk states for the period)"
        ),
    ),
    "booth_purchase": _p(15000.0, "EUR", _("assumption: booth, screen, camera, printer, scanner")),
    "booth_life_years": _p(5.0, _("years"), _("assumption: straight-line amortisation")),
    "connectivity_per_month": _p(60.0, _("EUR/month per booth"), ASSUMPTION),
    "maintenance_per_year": _p(1200.0, _("EUR/year per booth"), ASSUMPTION),
    "printing_per_page": _p(0.04, _("EUR/page"), _("assumption: toner and paper")),
    "pages_per_attention": _p(
        1.0, _("pages"), _("assumption: pages printed per answered attention")
    ),
    "counter_cost_per_attention": _p(
        12.0,
        "EUR",
        _(
            "assumption: the in-person counter's full cost (clerk, premises, queue system) "
            "divided by its attentions; replace with the city's own figure"
        ),
    ),
}
IMPACT: dict[str, Parameter] = {
    "distance_km": _p(2.5, "km", _("assumption: one way, booth to the nearest citizen office")),
    "co2_g_per_km": _p(
        110.0,
        "g CO2/km",
        _(
            "European Environment Agency, average CO2 of new passenger cars registered in the "
            "EU in 2022, about 110 g/km (WLTP): an upper bound when many would walk or take "
            "transit"
        ),
    ),
    "travel_speed_kmh": _p(15.0, "km/h", _("assumption: urban door to door, any mode")),
    "office_wait_minutes": _p(20.0, "min", _("assumption: waiting at the citizen office")),
}
BOUNDS: dict[str, tuple[float, float]] = {
    "clerk_cost_per_hour": (0, 10_000),
    "staffed_clerks": (0, 10_000),
    "booth_purchase": (0, 10_000_000),
    "booth_life_years": (0.1, 100),
    "connectivity_per_month": (0, 1_000_000),
    "maintenance_per_year": (0, 10_000_000),
    "printing_per_page": (0, 100),
    "pages_per_attention": (0, 1000),
    "counter_cost_per_attention": (0, 100_000),
    "distance_km": (0, 1000),
    "co2_g_per_km": (0, 10_000),
    "travel_speed_kmh": (0.1, 1000),
    "office_wait_minutes": (0, 1440),
}
RESOLVED_OUTCOMES = ("information_given", "procedure_completed", "appointment_booked")
SUPPRESS_BELOW = 5
ROLLOUT_BOOTHS = (1, 5, 20)


@dataclass(frozen=True)
class ReportModel:
    """The assumptions of one report."""

    costs: dict[str, Parameter] = field(default_factory=lambda: dict(COSTS))
    impact: dict[str, Parameter] = field(default_factory=lambda: dict(IMPACT))
    distance_by_booth: dict[int, float] = field(default_factory=dict)  # kiosk id -> km
    resolved_outcomes: tuple[str, ...] = RESOLVED_OUTCOMES
    suppress_below: int = SUPPRESS_BELOW
    rollout_booths: tuple[int, ...] = ROLLOUT_BOOTHS
    target_sl: float = 0.8
    answer_within_s: float = 20.0
    # a few clerks are known by name even lettered: the per-clerk table only when asked for
    per_clerk: bool = False
    answer_within_set: bool = False  # by the file (else the wallboard's setting applies)

    def cost(self, key: str) -> float:
        return self.costs[key].value

    def factor(self, key: str) -> float:
        return self.impact[key].value

    def distance(self, kiosk_id: int) -> float:
        return self.distance_by_booth.get(kiosk_id, self.factor("distance_km"))


def _fail(problem: str) -> InvalidInput:
    error: InvalidInput = BAD_MODEL(
        f"the report's cost model is not valid: {problem}", {"problem": problem}
    )
    return error


def _number(key: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(f"{key} must be a number, got {value!r}")
    if not low <= value <= high:
        raise _fail(f"{key} must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def _parameters(
    table: Any, section: str, defaults: dict[str, Parameter], extra: tuple[str, ...] = ()
) -> dict[str, Parameter]:
    if not isinstance(table, Mapping):
        raise _fail(f"[{section}] must be a table")
    result = dict(defaults)
    for key, value in table.items():
        if key in extra:
            continue
        name = f"{section}.{key}"
        if key not in defaults:
            raise _fail(f"unknown key {name} (known: {', '.join(sorted(defaults))})")
        low, high = BOUNDS[key]
        given = _number(name, value, low, high)
        source = str(table.get(f"{key}_source", "")) if f"{key}_source" in table else ""
        result[key] = Parameter(given, defaults[key].unit, source or SET_BY_CITY)
    return result


def parse_model(data: Mapping[str, Any]) -> ReportModel:
    """A model from a parsed TOML document (``_source`` keys beside a figure name its source)."""
    model = ReportModel()
    known = {"costs", "impact", "report"}
    for section in data:
        if section not in known:
            raise _fail(f"unknown section [{section}] (known: costs, impact, report)")
    costs, impact = dict(COSTS), dict(IMPACT)
    if "costs" in data:
        sources = tuple(k for k in data["costs"] if str(k).endswith("_source"))
        costs = _parameters(data["costs"], "costs", COSTS, sources)
    distances: dict[int, float] = {}
    if "impact" in data:
        table = data["impact"]
        sources = tuple(k for k in table if str(k).endswith("_source"))
        impact = _parameters(table, "impact", IMPACT, (*sources, "booth_distance_km"))
        by_booth = table.get("booth_distance_km", {})
        if not isinstance(by_booth, Mapping):
            raise _fail("impact.booth_distance_km must be a table of booth id = km")
        for booth, km in by_booth.items():
            name = f"impact.booth_distance_km.{booth}"
            if not str(booth).isdigit():
                raise _fail(f"{name}: a booth is named by its number, got {booth!r}")
            distances[int(booth)] = _number(name, km, 0, 1000)
    model = replace(model, costs=costs, impact=impact, distance_by_booth=distances)
    report = data.get("report", {})
    if not isinstance(report, Mapping):
        raise _fail("[report] must be a table")
    for key, value in report.items():
        name = f"report.{key}"
        if key == "suppress_below":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
                raise _fail(f"{name} must be a whole number from 1 to 1000, got {value!r}")
            model = replace(model, suppress_below=value)
        elif key == "resolved_outcomes":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _fail(f"{name} must be a list of outcome codes, got {value!r}")
            model = replace(model, resolved_outcomes=tuple(value))
        elif key == "rollout_booths":
            if (
                not isinstance(value, list)
                or not value
                or not all(
                    isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5000 for v in value
                )
            ):
                raise _fail(f"{name} must be a list of booth counts from 1 to 5000, got {value!r}")
            model = replace(model, rollout_booths=tuple(value))
        elif key == "per_clerk":
            if not isinstance(value, bool):
                raise _fail(f"{name} must be true or false, got {value!r}")
            model = replace(model, per_clerk=value)
        elif key == "target_sl":
            model = replace(model, target_sl=_number(name, value, 0.01, 0.999))
        elif key == "answer_within_seconds":
            model = replace(
                model, answer_within_s=_number(name, value, 0, 3600), answer_within_set=True
            )
        else:
            raise _fail(
                f"unknown key {name} (known: answer_within_seconds, per_clerk, "
                "resolved_outcomes, rollout_booths, suppress_below, target_sl)"
            )
    return model


def load_model(path: str | Path | None, answer_within_s: float | None = None) -> ReportModel:
    """The defaults, overridden by the TOML file at ``path`` when one is given.
    ``answer_within_s`` is the service level's threshold when the file sets none: the
    wallboard's (``FINESTRETA_SERVICE_LEVEL_SECONDS``), so that both say the same."""
    model = _read_model(path)
    if answer_within_s is not None and not model.answer_within_set:
        model = replace(model, answer_within_s=answer_within_s)
    return model


def _read_model(path: str | Path | None) -> ReportModel:
    if not path:
        return ReportModel()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(f"{path} is not TOML: {exc}") from None
    return parse_model(data)
