"""The report's economics: the period's costs, the impact of trips avoided, booth utilisation
and the roll-out's staffing and cost (docs/report.md defines each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finestreta.supervision import kpis, planning
from finestreta.supervision.report.inputs import Inputs
from finestreta.supervision.report.model import ReportModel

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Costs:
    clerks: float
    amortisation: float
    connectivity: float
    maintenance: float
    printing: float
    answered: int

    @property
    def total(self) -> float:
        return (
            self.clerks + self.amortisation + self.connectivity + self.maintenance + self.printing
        )

    @property
    def per_attention(self) -> float | None:
        return self.total / self.answered if self.answered else None


def period_costs(
    model: ReportModel, clerk_hours: float, days: float, booths: int, answered: int
) -> Costs:
    """The pilot's costs: the clerk-hours (logged in, or the fallback of :mod:`..staffed`), and
    per booth the purchase amortised over its life, connectivity and maintenance pro rata of
    the period, printing per answered attention."""
    years = days / DAYS_PER_YEAR
    return Costs(
        clerks=model.cost("clerk_cost_per_hour") * clerk_hours,
        amortisation=booths * model.cost("booth_purchase") / model.cost("booth_life_years") * years,
        connectivity=booths * model.cost("connectivity_per_month") * 12 * years,
        maintenance=booths * model.cost("maintenance_per_year") * years,
        printing=answered * model.cost("pages_per_attention") * model.cost("printing_per_page"),
        answered=answered,
    )


@dataclass(frozen=True)
class Impact:
    trips: int
    km: float
    co2_kg: float
    hours_saved: float


def impact_of(model: ReportModel, resolved: Sequence[kpis.Attention]) -> Impact:
    """A trip avoided per attention resolved on the spot (one referred to the office is not):
    the round trip to the booth's nearest office, its CO₂, and the travel and office waiting
    time, less the wait at the booth."""
    km = sum(2 * model.distance(a.kiosk_id) for a in resolved)
    waited_h = sum((a.wait or 0.0) for a in resolved) / 3600
    hours = (
        km / model.factor("travel_speed_kmh")
        + len(resolved) * model.factor("office_wait_minutes") / 60
        - waited_h
    )
    return Impact(len(resolved), km, km * model.factor("co2_g_per_km") / 1000, hours)


@dataclass(frozen=True)
class Rollout:
    booths: int
    plan: planning.WeekPlan
    attentions_per_week: float
    cost_per_week: float

    @property
    def cost_per_attention(self) -> float | None:
        return self.cost_per_week / self.attentions_per_week if self.attentions_per_week else None


def rollout_of(model: ReportModel, demand: planning.Demand, total: kpis.Figures) -> list[Rollout]:
    """For each booth count: the observed demand per booth scaled to it, planned hour by hour
    with the finite-source model at the model's target (the booths hold the calls: N booths
    never need more than N clerks, as Erlang C would say), and the weekly cost of that many booths and clerk-hours."""
    served = total.answered / total.offered if total.offered else 0.0
    weeks_per_year = DAYS_PER_YEAR / 7
    result: list[Rollout] = []
    if not demand.booths or demand.aht_seconds is None:
        return result
    for booths in model.rollout_booths:
        week = planning.plan_week(
            demand, model.target_sl, model.answer_within_s, "finite_source", booths=booths
        )
        attentions = week.calls_per_week * served
        per_booth = (
            model.cost("booth_purchase") / model.cost("booth_life_years")
            + model.cost("connectivity_per_month") * 12
            + model.cost("maintenance_per_year")
        ) / weeks_per_year
        cost = (
            week.clerk_hours_per_week * model.cost("clerk_cost_per_hour")
            + booths * per_booth
            + attentions * model.cost("pages_per_attention") * model.cost("printing_per_page")
        )
        result.append(Rollout(booths, week, attentions, cost))
    return result


def incident_booths(inputs: Inputs) -> list[int]:
    return [i.kiosk_id for i in inputs.incidents]


def booth_utilisation(
    attentions: Sequence[kpis.Attention], opened: planning.OpenTime, booths: Sequence[int]
) -> dict[int, tuple[float, float]]:
    """Booth → (seconds in a call within the staffed hours, staffed hours). A call runs from
    answer to hang-up; the part outside them does not count."""
    seconds: dict[int, float] = dict.fromkeys(booths, 0.0)
    for attention in attentions:
        if attention.answered_at is not None and attention.ended_at is not None:
            seconds[attention.kiosk_id] = seconds.get(attention.kiosk_id, 0.0) + opened.overlap(
                attention.answered_at, attention.ended_at
            )
    hours = opened.seconds / 3600
    return {booth: (seconds[booth], hours) for booth in sorted(seconds)}


# ---------------------------------------------------------------------- sections
