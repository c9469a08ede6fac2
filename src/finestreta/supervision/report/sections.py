"""The report's sections, each a function of the figures: titles, sentences and tables in one
language (``_`` is its translator). No personal data: booths by number and site, clerks as
"Clerk A, B…" lettered by calls answered, never by account."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from babel.numbers import format_decimal

from finestreta.i18n import plural_translator
from finestreta.supervision import kpis, planning
from finestreta.supervision.labels import incident_name
from finestreta.supervision.report.cells import (
    CLERKS,
    COUNT,
    EUR,
    HOURS,
    KG,
    KM,
    MINUTES,
    NUMBER,
    RATING,
    SECONDS,
    SHARE,
    Cell,
    Column,
    Row,
    Section,
    Table,
    count,
    shown,
)
from finestreta.supervision.report.economics import Costs, Impact, Rollout
from finestreta.supervision.report.inputs import Inputs
from finestreta.supervision.report.model import Parameter, ReportModel
from finestreta.supervision.staffed import Staffed

WAIT_EDGES = (10.0, 20.0, 30.0, 60.0, 120.0, 300.0)  # seconds
HANDLE_EDGES = (120.0, 240.0, 360.0, 480.0, 600.0, 900.0, 1200.0, 1800.0)  # seconds


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _spread_cells(spread: kpis.Spread) -> tuple[Cell, ...]:
    n = spread.count
    return (
        count(n),
        Cell(spread.mean, SECONDS, n),
        Cell(spread.p50, SECONDS, n),
        Cell(spread.p90, SECONDS, n),
    )


def _edge_label(lower: float, upper: float | None, unit: str = "s") -> str:
    if unit == "min":
        low = f"{lower / 60:g}"
        return f"≥ {low} min" if upper is None else f"{low}–{upper / 60:g} min"
    return f"≥ {lower:g} s" if upper is None else f"{lower:g}–{upper:g} s"


def _histogram_table(
    key: str, title: str, label: str, values: Sequence[float], edges: Sequence[float], unit: str
) -> Table:
    buckets = kpis.histogram(values, edges)
    return Table(
        key,
        title,
        (Column("attentions", label),),
        tuple(
            Row(
                f"{b.lower:g}-{'' if b.upper is None else f'{b.upper:g}'}",
                _edge_label(b.lower, b.upper, unit),
                (count(b.count),),
            )
            for b in buckets
        ),
        chart=True,
    )


Translate = Callable[[str], str]


def _one(key: str, label: str, cell: Cell) -> Row:
    return Row(key, label, (cell,))


def summary(
    _: Translate,
    lang: str,
    model: ReportModel,
    total: kpis.Figures,
    resolved: Sequence[kpis.Attention],
    fleet_share: float | None,
    costs: Costs,
    impact: Impact,
    rollout: Sequence[Rollout],
    booths: int,
) -> Section:
    below = model.suppress_below
    n = total.offered
    value = Column("value", _("Value"))
    sol = total.speed_of_answer
    rows = (
        _one("offered", _("Requests for attention (offered)"), count(total.offered)),
        _one("answered", _("Answered"), count(total.answered)),
        _one("abandoned", _("Abandoned before being answered"), count(total.abandoned)),
        _one("abandon_rate", _("Abandon rate"), Cell(total.abandon_rate, SHARE, n)),
        _one(
            "service_level",
            _("Service level (answered within {seconds} s)").format(
                seconds=f"{model.answer_within_s:g}"
            ),
            Cell(total.service_level, SHARE, n),
        ),
        _one("wait_p50", _("Wait until answered, median"), Cell(sol.p50, SECONDS, sol.count)),
        _one(
            "wait_p90", _("Wait until answered, 90th percentile"), Cell(sol.p90, SECONDS, sol.count)
        ),
        _one(
            "handle_mean",
            _("Average handle time (talk and wrap-up)"),
            Cell(total.handle.mean, SECONDS, total.handle.count),
        ),
        _one(
            "resolved_share",
            _("Resolved on the spot"),
            Cell(len(resolved) / total.answered if total.answered else None, SHARE, total.answered),
        ),
        _one(
            "satisfaction_mean",
            _("Satisfaction (1 to 5)"),
            Cell(total.satisfaction.mean, RATING, total.satisfaction.rated),
        ),
        _one(
            "utilisation",
            _("Booth utilisation (share of staffed hours in a call)"),
            Cell(fleet_share, SHARE, total.answered),
        ),
        _one(
            "cost_per_attention",
            _("Cost per attention at the booths"),
            Cell(costs.per_attention, EUR, total.answered),
        ),
        _one(
            "counter_cost_per_attention",
            _("Cost per attention at the counter"),
            Cell(model.cost("counter_cost_per_attention"), EUR),
        ),
        _one("trips_avoided", _("Trips to the citizen office avoided"), count(impact.trips)),
        _one("co2_avoided", _("CO₂ avoided"), Cell(impact.co2_kg, KG, impact.trips)),
        _one(
            "hours_saved", _("Citizens' hours saved"), Cell(impact.hours_saved, HOURS, impact.trips)
        ),
    )

    def say(cell: Cell) -> str:
        return shown(cell, below, lang)

    text = []
    if n:
        text.append(
            _(
                "Over the period the booths received {offered} requests for attention and "
                "answered {answered} of them ({share}); {abandoned} citizens left before being "
                "answered."
            ).format(
                offered=say(count(n)),
                answered=say(count(total.answered)),
                share=say(Cell(total.answered / n, SHARE, n)),
                abandoned=say(count(total.abandoned)),
            )
        )
    else:
        text.append(_("No citizen asked for attention in the period."))
    if sol.count:
        text.append(
            _(
                "Half of the citizens answered waited {p50} or less, and nine in ten {p90} or "
                "less; a call took {handle} on average, wrap-up included."
            ).format(
                p50=say(Cell(sol.p50, SECONDS, sol.count)),
                p90=say(Cell(sol.p90, SECONDS, sol.count)),
                handle=say(Cell(total.handle.mean, SECONDS, total.handle.count)),
            )
        )
    if total.answered:
        text.append(
            _("{resolved} of the answered attentions were resolved on the spot.").format(
                resolved=say(Cell(len(resolved) / total.answered, SHARE, total.answered))
            )
        )
    if costs.per_attention is not None:
        counter = model.cost("counter_cost_per_attention")
        compared = (
            _("less than")
            if costs.per_attention < counter
            else _("more than")
            if costs.per_attention > counter
            else _("the same as")
        )
        text.append(
            _(
                "Under the stated assumptions an attention at the booths cost {cost}, "
                "{compared} the {counter} of one at the counter."
            ).format(
                cost=say(Cell(costs.per_attention, EUR, total.answered)),
                compared=compared,
                counter=say(Cell(counter, EUR)),
            )
        )
    if impact.trips:
        text.append(
            _(
                "The booths avoided {trips} trips to a citizen office: {km} and {co2} of CO₂ "
                "less, and {hours} of citizens' time saved."
            ).format(
                trips=say(count(impact.trips)),
                km=say(Cell(impact.km, KM, impact.trips)),
                co2=say(Cell(impact.co2_kg, KG, impact.trips)),
                hours=say(Cell(impact.hours_saved, HOURS, impact.trips)),
            )
        )
    if rollout:
        largest = rollout[-1]
        text.append(
            _(
                "With the demand observed per booth, {booths} booths would need {clerks} "
                "clerks at the busiest hour and {clerk_hours} of clerk time a week, at "
                "{cost} an attention."
            ).format(
                booths=largest.booths,
                clerks=say(Cell(largest.plan.peak_clerks, CLERKS)),
                clerk_hours=say(Cell(largest.plan.clerk_hours_per_week, HOURS)),
                cost=say(Cell(largest.cost_per_attention, EUR)),
            )
        )
    if booths and n < model.suppress_below:
        text.append(_("Too few attentions to draw conclusions: most figures are suppressed."))
    return Section(
        "summary",
        _("Summary"),
        tuple(text),
        (Table("key_figures", _("Key figures"), (value,), rows),),
    )


def attentions_section(
    _: Translate,
    by: kpis.Breakdowns,
    total: kpis.Figures,
    resolved: Sequence[kpis.Attention],
    model: ReportModel,
    names: Mapping[str, Mapping[str, str]],
) -> Section:
    def name(kind: str, code: str) -> str:
        return names.get(kind, {}).get(code, code)

    resolved_by_procedure: Counter[str] = Counter(
        p for a in resolved for p in (a.procedures or [kpis.NO_PROCEDURE])
    )
    procedures = Table(
        "by_procedure",
        _("Attentions by procedure"),
        (
            Column("offered", _("Offered")),
            Column("answered", _("Answered")),
            Column("resolved", _("Resolved on the spot")),
            Column("resolved_share", _("Share resolved")),
        ),
        tuple(
            Row(
                key,
                name("procedure", key) if key else _("(no procedure recorded)"),
                (
                    count(f.offered),
                    count(f.answered),
                    count(resolved_by_procedure[key]),
                    Cell(
                        resolved_by_procedure[key] / f.answered if f.answered else None,
                        SHARE,
                        f.answered,
                    ),
                ),
            )
            for key, f in by.procedure.items()
        ),
    )
    outcomes = Table(
        "by_outcome",
        _("Answered attentions by outcome (the clerk's wrap-up)"),
        (Column("answered", _("Answered")), Column("share", _("Share"))),
        tuple(
            Row(
                code,
                name("outcome", code),
                (count(n), Cell(n / total.answered if total.answered else None, SHARE, n)),
            )
            for code, n in total.outcomes.items()
        ),
    )
    topics = Table(
        "by_topic",
        _("Attentions by topic"),
        (
            Column("offered", _("Offered")),
            Column("answered", _("Answered")),
            Column("abandon_rate", _("Abandon rate")),
        ),
        tuple(
            Row(
                key,
                name("topic", key),
                (count(f.offered), count(f.answered), Cell(f.abandon_rate, SHARE, f.offered)),
            )
            for key, f in by.topic.items()
        ),
    )
    # clerks lettered by calls answered, most first: neither name nor account number
    ranked = sorted(by.clerk.items(), key=lambda item: (-item[1].answered, item[0]))
    clerks = Table(
        "by_clerk",
        _("Attentions by clerk (anonymised)"),
        (
            Column("answered", _("Answered")),
            Column("handle_mean", _("Average handle time")),
            Column("satisfaction_mean", _("Satisfaction (1 to 5)")),
        ),
        tuple(
            Row(
                _letter(index),
                _("Clerk {letter}").format(letter=_letter(index)),
                (
                    count(f.answered),
                    Cell(f.handle.mean, SECONDS, f.handle.count),
                    Cell(f.satisfaction.mean, RATING, f.satisfaction.rated),
                ),
            )
            for index, (_clerk, f) in enumerate(ranked)
        ),
    )
    return Section(
        "attentions",
        _("Attentions by procedure and outcome"),
        (
            _(
                "Resolved on the spot: answered attentions whose wrap-up outcome is one of {outcomes}, "
                "divided by the answered attentions."
            ).format(outcomes=", ".join(name("outcome", o) for o in model.resolved_outcomes)),
        ),
        (procedures, outcomes, topics, clerks)
        if model.per_clerk
        else (procedures, outcomes, topics),
    )


def _letter(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def waits_section(_: Translate, chosen: Sequence[kpis.Attention], total: kpis.Figures) -> Section:
    columns = (
        Column("count", _("Attentions")),
        Column("mean", _("Mean")),
        Column("p50", _("Median (p50)")),
        Column("p90", _("90th percentile (p90)")),
    )
    spreads = Table(
        "durations",
        _("Waits and handle times"),
        columns,
        (
            Row("speed_of_answer", _("Wait until answered"), _spread_cells(total.speed_of_answer)),
            Row(
                "time_to_abandon", _("Wait until abandoning"), _spread_cells(total.time_to_abandon)
            ),
            Row("talk", _("Talk"), _spread_cells(total.talk)),
            Row("wrap_up", _("Wrap-up"), _spread_cells(total.wrap_up)),
            Row("handle", _("Handle (talk and wrap-up)"), _spread_cells(total.handle)),
        ),
    )
    waits = [w for a in chosen if a.answered and (w := a.wait) is not None]
    handles = [h for a in chosen if a.answered and (h := a.handle) is not None]
    return Section(
        "waits",
        _("Waits and handle times"),
        (
            _(
                "Distributions, not only means: the median is the time half of the citizens "
                "stayed within, the 90th percentile the time nine in ten did."
            ),
        ),
        (
            spreads,
            _histogram_table(
                "wait_histogram", _("Wait until answered"), _("Attentions"), waits, WAIT_EDGES, "s"
            ),
            _histogram_table(
                "handle_histogram",
                _("Handle time"),
                _("Attentions"),
                handles,
                HANDLE_EDGES,
                "min",
            ),
        ),
    )


def abandon_section(_: Translate, total: kpis.Figures) -> Section:
    n = total.offered
    rows = (
        _one("abandoned", _("Abandoned"), count(total.abandoned)),
        _one("abandon_rate", _("Abandon rate"), Cell(total.abandon_rate, SHARE, n)),
        _one("cancelled", _("Cancelled by the citizen"), count(total.cancelled)),
        _one("lost", _("Booth disconnected while waiting"), count(total.lost)),
        _one(
            "abandoned_short", _("Left within 5 s (likely mistakes)"), count(total.abandoned_short)
        ),
        _one(
            "ring_no_answer", _("Rings not answered by a clerk"), Cell(total.ring_no_answer, NUMBER)
        ),
    )
    histogram = Table(
        "abandon_histogram",
        _("Time until abandoning"),
        (Column("attentions", _("Attentions")),),
        tuple(
            Row(
                f"{b.lower:g}-{'' if b.upper is None else f'{b.upper:g}'}",
                _edge_label(b.lower, b.upper),
                (count(b.count),),
            )
            for b in total.abandon_histogram
        ),
        chart=True,
    )
    return Section(
        "abandonment",
        _("Abandonment"),
        (),
        (Table("abandonment", _("Abandonment"), (Column("value", _("Value")),), rows), histogram),
    )


def satisfaction_section(_: Translate, total: kpis.Figures) -> Section:
    s = total.satisfaction
    rows = (
        _one("served", _("Attentions served"), count(s.served)),
        _one("rated", _("Rated"), count(s.rated)),
        _one("response_rate", _("Response rate"), Cell(s.response_rate, SHARE, s.served)),
        _one("mean", _("Mean rating (1 to 5)"), Cell(s.mean, RATING, s.rated)),
    )
    distribution = Table(
        "distribution",
        _("Ratings"),
        (Column("ratings", _("Ratings")),),
        tuple(Row(str(r), "★" * r, (count(s.distribution.get(r, 0)),)) for r in range(1, 6)),
        chart=True,
    )
    return Section(
        "satisfaction",
        _("Satisfaction"),
        (),
        (
            Table("satisfaction", _("Satisfaction"), (Column("value", _("Value")),), rows),
            distribution,
        ),
    )


def utilisation_section(
    _: Translate,
    utilisation: Mapping[int, tuple[float, float]],
    sites: Mapping[int, str],
    open_hours: float,
    staffed: Staffed,
    lang: str,
) -> Section:
    rows = tuple(
        Row(
            str(booth),
            _("Booth {number}").format(number=booth)
            + (f" ({sites[booth]})" if sites.get(booth) else ""),
            (
                Cell(open_hours, HOURS),
                Cell(seconds / 3600, HOURS),
                Cell(seconds / (hours * 3600) if hours else None, SHARE),
            ),
        )
        for booth, (seconds, hours) in utilisation.items()
    )
    return Section(
        "utilisation",
        _("Booth utilisation"),
        (
            _(
                "The share of the staffed hours a booth was in a call (from answer to hang-up; "
                "the part of a call outside them is not counted)."
            ),
            staffed_basis(_, lang, staffed),
        ),
        (
            Table(
                "by_booth",
                _("Booth utilisation"),
                (
                    Column("open_hours", _("Staffed hours")),
                    Column("in_call_hours", _("Hours in a call")),
                    Column("utilisation", _("Utilisation")),
                ),
                rows,
            ),
        ),
    )


def incidents_section(_: Translate, inputs: Inputs) -> Section:
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    still_open: Counter[tuple[str, str]] = Counter()
    for incident in inputs.incidents:
        start = max(incident.started, inputs.start)
        end = min(incident.ended or inputs.end, inputs.end)
        if end <= start and incident.ended is not None:
            continue
        groups[(incident.device, incident.reason)].append(
            max(0.0, (end - start).total_seconds() / 60)
        )
        if incident.ended is None:
            still_open[(incident.device, incident.reason)] += 1
    rows = tuple(
        Row(
            f"{device}:{reason}",
            incident_name(_, device, reason),
            (
                Cell(len(minutes), NUMBER),
                Cell(sum(minutes) / 60, HOURS),
                Cell(statistics.median(minutes), MINUTES),
                Cell(max(minutes), MINUTES),
                Cell(still_open[(device, reason)], NUMBER),
            ),
        )
        for (device, reason), minutes in sorted(groups.items())
    )
    text = (
        _(
            "Incidents by device and reason, their durations counted within the period; an "
            "incident still open at its end counts until then."
        ),
    )
    return Section(
        "incidents",
        _("Device incidents"),
        text,
        (
            Table(
                "by_device_reason",
                _("Device incidents"),
                (
                    Column("incidents", _("Incidents")),
                    Column("total_hours", _("Total duration")),
                    Column("median_minutes", _("Median duration")),
                    Column("longest_minutes", _("Longest")),
                    Column("open", _("Still open")),
                ),
                rows,
            ),
        ),
    )


def _weekday_names(_: Translate) -> tuple[str, ...]:
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


def heat_section(_: Translate, lang: str, demand: planning.Demand) -> Section:
    ngettext = plural_translator(lang)
    slots = {(s.weekday, s.hour): s for s in demand.slots}
    hours = sorted({hour for _day, hour in slots})
    days = sorted({day for day, _hour in slots})
    names = _weekday_names(_)
    table = Table(
        "heat_map",
        _("Requests by weekday and hour (local time, staffed hours)"),
        tuple(Column(f"{hour:02d}", f"{hour:02d}") for hour in hours),
        tuple(
            Row(
                str(day),
                names[day],
                tuple(
                    count(slots[(day, hour)].offered) if (day, hour) in slots else Cell(None, COUNT)
                    for hour in hours
                ),
            )
            for day in days
        ),
        heat=True,
    )
    text = [_("Each cell counts the requests queued in that hour of the week over the period.")]
    if demand.outside_hours:
        text.append(
            ngettext(
                "{count} request was queued while the office was closed.",
                "{count} requests were queued while the office was closed.",
                demand.outside_hours,
            ).format(count=format_decimal(demand.outside_hours, locale=lang))
        )
    return Section("heat_map", _("Hourly demand"), tuple(text), (table,))


def staffed_basis(_: Translate, lang: str, staffed: Staffed) -> str:
    """Which basis the staffed hours and clerk-hours were taken from, said with its figures."""

    def hours(value: float) -> str:
        return shown(Cell(value, HOURS), 1, lang)

    if staffed.basis == "logged_in":
        return _(
            "Basis: what the event log observed. The clerks were logged in for {clerk_hours} in "
            "all (clerk-hours: the clerks' cost), and at least one of them for {staffed_hours} "
            "(staffed hours: utilisation and the hourly demand count these)."
        ).format(clerk_hours=hours(staffed.clerk_hours), staffed_hours=hours(staffed.hours))
    return _(
        "Basis: the configured opening hours. The event log has no clerk logged in during the "
        "period, so the staffed hours are the opening hours ({staffed_hours}) and the "
        "clerk-hours those × staffed_clerks: {clerk_hours}."
    ).format(clerk_hours=hours(staffed.clerk_hours), staffed_hours=hours(staffed.hours))


def costs_section(
    _: Translate, lang: str, model: ReportModel, costs: Costs, booths: int, staffed: Staffed
) -> Section:
    ngettext = plural_translator(lang)
    value = (Column("value", _("Value")),)
    rows = (
        _one("clerk_hours", _("Clerk-hours"), Cell(staffed.clerk_hours, HOURS)),
        _one("staffed_hours", _("Staffed hours"), Cell(staffed.hours, HOURS)),
        # 1: both from the clerks' states in the log; 0: the configured opening hours
        _one(
            "staffed_from_log",
            _("Staffed hours from the event log (1) or the opening hours (0)"),
            Cell(1 if staffed.basis == "logged_in" else 0, NUMBER),
        ),
        _one("clerks", _("Clerks: cost per hour × clerk-hours"), Cell(costs.clerks, EUR)),
        _one(
            "amortisation",
            _("Booths: purchase amortised over their life"),
            Cell(costs.amortisation, EUR),
        ),
        _one("connectivity", _("Connectivity"), Cell(costs.connectivity, EUR)),
        _one("maintenance", _("Maintenance"), Cell(costs.maintenance, EUR)),
        _one("printing", _("Printing"), Cell(costs.printing, EUR)),
        _one("total", _("Total"), Cell(costs.total, EUR)),
        _one("answered", _("Answered attentions"), count(costs.answered)),
        _one(
            "per_attention",
            _("Cost per attention at the booths"),
            Cell(costs.per_attention, EUR, costs.answered),
        ),
        _one(
            "counter_per_attention",
            _("Cost per attention at the counter"),
            Cell(model.cost("counter_cost_per_attention"), EUR),
        ),
    )
    return Section(
        "costs",
        _("Cost per attention"),
        (
            staffed_basis(_, lang, staffed),
            ngettext(
                "{booths} booth in the period. Every assumption is listed below with its "
                "source; a city sets its own in the cost model file.",
                "{booths} booths in the period. Every assumption is listed below with its "
                "source; a city sets its own in the cost model file.",
                booths,
            ).format(booths=booths),
        ),
        (
            Table("costs", _("Costs of the period"), value, rows),
            _assumptions_table(_, "cost_assumptions", _("Cost assumptions"), model.costs),
        ),
    )


def _assumptions_table(
    _: Translate, key: str, title: str, parameters: Mapping[str, object]
) -> Table:
    rows = []
    for name, parameter in parameters.items():
        assert isinstance(parameter, Parameter)
        rows.append(
            Row(
                name,
                # the defaults' units and sources are in the catalogue; a city's own, as written
                f"{name} ({_(parameter.unit)}) — {_(parameter.source)}",
                (Cell(parameter.value, ""),),
            )
        )
    return Table(key, title, (Column("value", _("Value")),), tuple(rows))


def impact_section(_: Translate, lang: str, model: ReportModel, impact: Impact) -> Section:
    rows = (
        _one("trips_avoided", _("Trips to the citizen office avoided"), count(impact.trips)),
        _one(
            "km_avoided", _("Kilometres avoided (round trips)"), Cell(impact.km, KM, impact.trips)
        ),
        _one("co2_avoided", _("CO₂ avoided"), Cell(impact.co2_kg, KG, impact.trips)),
        _one(
            "hours_saved", _("Citizens' hours saved"), Cell(impact.hours_saved, HOURS, impact.trips)
        ),
    )
    text = [
        _(
            "A trip is avoided by each attention resolved on the spot (one referred to the "
            "office is not): a round trip to the booth's nearest citizen office, its CO₂, and the "
            "travel and office waiting time, less the time waited at the booth."
        )
    ]
    if model.distance_by_booth:
        text.append(
            _("Distances set per booth: {distances}.").format(
                distances=", ".join(
                    f"{booth}: {format_decimal(km, locale=lang)} km"
                    for booth, km in sorted(model.distance_by_booth.items())
                )
            )
        )
    return Section(
        "impact",
        _("Impact"),
        tuple(text),
        (
            Table("impact", _("Impact"), (Column("value", _("Value")),), rows),
            _assumptions_table(_, "impact_assumptions", _("Impact assumptions"), model.impact),
        ),
    )


def rollout_section(
    _: Translate, lang: str, model: ReportModel, rollout: Sequence[Rollout], demand: planning.Demand
) -> Section:
    ngettext = plural_translator(lang)
    rows = tuple(
        Row(
            str(r.booths),
            ngettext("{booths} booth", "{booths} booths", r.booths).format(
                booths=format_decimal(r.booths, locale=lang)
            ),
            (
                Cell(r.plan.calls_per_week, NUMBER),
                Cell(r.plan.peak_clerks, CLERKS),
                Cell(r.plan.clerk_hours_per_week, HOURS),
                Cell(r.cost_per_attention, EUR),
            ),
        )
        for r in rollout
    )
    tables = [
        Table(
            "scales",
            _("Staffing at scale"),
            (
                Column("calls_per_week", _("Requests a week")),
                Column("peak_clerks", _("Clerks at the busiest hour")),
                Column("clerk_hours_per_week", _("Clerk-hours a week")),
                Column("cost_per_attention", _("Cost per attention")),
            ),
            rows,
        )
    ]
    observed = planning.plan_week(demand, model.target_sl, model.answer_within_s, "finite_source")
    names = _weekday_names(_)
    hours = sorted({s.demand.hour for s in observed.slots})
    by_slot = {(s.demand.weekday, s.demand.hour): s for s in observed.slots}
    tables.append(
        Table(
            "clerks_needed",
            _("Clerks needed per hour of the week at the observed demand"),
            tuple(Column(f"{hour:02d}", f"{hour:02d}") for hour in hours),
            tuple(
                Row(
                    str(day),
                    names[day],
                    tuple(
                        Cell(by_slot[(day, hour)].clerks, CLERKS)
                        if (day, hour) in by_slot
                        else Cell(None, CLERKS)
                        for hour in hours
                    ),
                )
                for day in sorted({s.demand.weekday for s in observed.slots})
            ),
            heat=True,
        )
    )
    return Section(
        "rollout",
        _("Roll-out"),
        (
            _(
                "The demand observed per booth and hour of the week, scaled to each number of "
                "booths, planned hour by hour with the finite-source model (M/M/N//K: a waiting "
                "citizen occupies the booth, so N booths never hold more than N calls) for "
                "{target} of calls answered within {seconds} s (the model's P(wait ≤ T))."
            ).format(target=f"{model.target_sl:.0%}", seconds=f"{model.answer_within_s:g}"),
            _("Requests a week at the observed demand: {calls}.").format(
                calls=format_decimal(
                    sum(s.offered for s in demand.slots) / demand.weeks, "#,##0.0", locale=lang
                )
                if demand.weeks
                else "–"
            ),
        ),
        tuple(tables),
    )


def definitions_section(_: Translate, model: ReportModel, limits: kpis.Thresholds) -> Section:
    return Section(
        "definitions",
        _("Definitions and method"),
        (
            _(
                "An attention is a citizen's request for a call from a booth; it counts in the "
                "period in which it was queued."
            ),
            _(
                "Service level: attentions answered within {seconds} s, divided by those answered "
                "plus those abandoned after {seconds} s (contact-centre convention: who left "
                "sooner is not counted against it)."
            ).format(seconds=f"{limits.answer_within:g}"),
            _(
                "Percentiles are nearest-rank: the median (p50) is the smallest time at or "
                "below which half of the values lie; p90 nine in ten."
            ),
            _(
                "Small numbers: a cell built from fewer than {n} attentions shows <{n}, and so "
                "does a rate, mean or duration built from them. The report holds no personal "
                "data: booths are numbered, clerks lettered."
            ).format(n=model.suppress_below),
        ),
    )
