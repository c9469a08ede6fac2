"""The pilot report's figures, assembled from the attentions: pure, no database, no rendering.

:func:`assemble` takes what :mod:`.source` reads (or a test hand-makes) and returns a
:class:`~.cells.Report` in one language: sections of tables whose cells keep their numbers,
units and bases, so that the PDF, the supervisors' page and the CSV show the same figures and
suppress the same cells. Every KPI comes from :mod:`finestreta.supervision.kpis`, every staffing
figure from :mod:`finestreta.supervision.planning`; ``docs/report.md`` defines the rest.

No personal data: booths by number and site, clerks as "Clerk A, B…" lettered by how many
calls they answered (not by account), no citizen's anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from babel.dates import format_date

from finestreta.i18n import plural_translator, translator
from finestreta.supervision import kpis, planning
from finestreta.supervision.labels import outcome_names
from finestreta.supervision.report.cells import (
    Report,
)
from finestreta.supervision.report.economics import (
    booth_utilisation,
    impact_of,
    incident_booths,
    period_costs,
    rollout_of,
)
from finestreta.supervision.report.inputs import Incident, Inputs
from finestreta.supervision.report.model import ReportModel
from finestreta.supervision.report.sections import (
    abandon_section,
    attentions_section,
    costs_section,
    definitions_section,
    heat_section,
    impact_section,
    incidents_section,
    rollout_section,
    satisfaction_section,
    summary,
    utilisation_section,
    waits_section,
)
from finestreta.supervision.staffed import staffed_time

__all__ = ["Incident", "Inputs", "assemble"]


def assemble(
    inputs: Inputs,
    model: ReportModel,
    lang: str = "ca",
    thresholds: kpis.Thresholds | None = None,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> Report:
    """The report of ``inputs`` under ``model``, in ``lang`` (ca, es or en). ``names`` are the
    topics', procedures' and outcomes' names in ``lang`` (``supervision.labels.names``); the
    outcomes' are the platform's when not given, any other code is shown as it is."""
    names = {"outcome": outcome_names(lang), **(names or {})}
    _ = translator(lang)
    ngettext = plural_translator(lang)
    limits = thresholds or kpis.Thresholds(answer_within=model.answer_within_s)
    chosen = list(inputs.attentions)
    total = kpis.figures(chosen, limits)
    by = kpis.breakdowns(chosen, inputs.sites, limits, inputs.tz)
    # staffed time as the log saw it (clerks logged in), else the configured opening hours
    staffed = staffed_time(
        inputs.clerk_states,
        inputs.hours,
        inputs.tz,
        inputs.start,
        inputs.end,
        model.cost("staffed_clerks"),
    )
    opened = staffed.opened
    demand = planning.observed_demand(
        chosen, inputs.hours, inputs.tz, inputs.start, inputs.end, limits, opened
    )
    answered = [a for a in chosen if a.answered]
    resolved = [a for a in answered if a.outcome in model.resolved_outcomes]
    booths = sorted({a.kiosk_id for a in chosen} | set(incident_booths(inputs)))
    open_hours = opened.seconds / 3600
    days = (inputs.end - inputs.start).total_seconds() / 86400

    costs = period_costs(model, staffed.clerk_hours, days, len(booths), total.answered)
    impact = impact_of(model, resolved)
    rollout = rollout_of(model, demand, total)
    utilisation = booth_utilisation(chosen, opened, booths)
    in_call = sum(seconds for seconds, _hours in utilisation.values())
    fleet_share = in_call / (open_hours * 3600 * len(booths)) if booths and open_hours else None

    first_page = summary(
        _, lang, model, total, resolved, fleet_share, costs, impact, rollout, len(booths)
    )
    sections = (
        first_page,
        attentions_section(_, by, total, resolved, model, names),
        waits_section(_, chosen, total),
        abandon_section(_, total),
        satisfaction_section(_, total),
        utilisation_section(_, utilisation, inputs.sites, open_hours, staffed, lang),
        incidents_section(_, inputs),
        heat_section(_, lang, demand),
        costs_section(_, lang, model, costs, len(booths), staffed),
        impact_section(_, lang, model, impact),
        rollout_section(_, lang, model, rollout, demand),
        definitions_section(_, model, limits),
    )
    last = inputs.end.astimezone(inputs.tz) - timedelta(days=1)
    return Report(
        title=_("Virtual citizen office: pilot report"),
        subtitle=ngettext(
            "From {first} to {last}; {booths} booth",
            "From {first} to {last}; {booths} booths",
            len(booths),
        ).format(
            # "7 de setembre de 2026": a council reads dates, not ISO codes
            first=format_date(inputs.start.astimezone(inputs.tz).date(), "long", locale=lang),
            last=format_date(last.date(), "long", locale=lang),
            booths=len(booths),
        ),
        lang=lang,
        suppress_below=model.suppress_below,
        sections=sections,
    )


# ---------------------------------------------------------------------- computations
