"""The wallboard's HTTP side (supervisors and admins; docs/wallboard.md):

* ``GET /supervisor``: the wallboard page (live over ``/ws/supervisor``);
* ``GET /api/supervision/figures?from=DATE&to=DATE``: the KPIs of the city's days from ``from``
  to ``to`` (both included; today by default), with their breakdowns, as the wallboard shows
  today's. Read from the event log (``event_log.read_log``), off the event loop.

A clerk gets 403; dates that are not ``YYYY-MM-DD``, ``to`` before ``from`` or a range longer
than :data:`MAX_DAYS` get 422, each with a clear error.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from finestreta.errors import INVALID
from finestreta.supervision.event_log import read_log
from finestreta.supervision.kpis import attentions as fold_attentions
from finestreta.supervision.kpis import in_period
from finestreta.supervision.labels import names
from finestreta.supervision.report.source import EARLIEST, LATEST
from finestreta.web import csp, security
from finestreta.web.contract import STAFF, refusals
from finestreta.web.errors import NOT_FOUND
from finestreta.web.i18n import STAFF_LANGUAGES, pick_language, translator
from finestreta.web.security import SUPERVISOR_ROLES, Staff, ctx_of, require_supervisor

router = APIRouter()

MAX_DAYS = 366


class GroupFigures(BaseModel):
    """One group of a breakdown: a site, booth, topic, procedure, clerk or hour of the day."""

    key: str
    label: str
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    average_speed_of_answer: float | None
    average_handle_time: float | None
    ring_no_answer: int
    satisfaction: float | None
    rated: int


class Breakdowns(BaseModel):
    site: list[GroupFigures]
    booth: list[GroupFigures]
    topic: list[GroupFigures]
    procedure: list[GroupFigures]
    clerk: list[GroupFigures]
    hour: list[GroupFigures]


class PeriodFigures(BaseModel):
    """The KPIs of a period ([from, to) in UTC), as the wallboard shows today's."""

    model_config = ConfigDict(populate_by_name=True)

    ok: bool
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    answer_within_s: float
    total: dict[str, Any] = Field(description="every field of kpis.Figures (docs/kpis.md)")
    by: Breakdowns


@router.get("/supervisor", response_class=HTMLResponse)
def wallboard_page(request: Request) -> Response:
    staff = security.staff_of(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    lang = pick_language(
        [request.query_params.get("lang"), staff.locale, request.headers.get("accept-language")],
        STAFF_LANGUAGES,
    )
    _ = translator(lang)
    templates = request.app.state.templates
    common = {"_": _, "lang": lang, "demo": ctx_of(request).settings.demo}
    if staff.role not in SUPERVISOR_ROLES:
        message = _("Only supervisors and administrators see the wallboard.")
        context = {**common, "code": "forbidden", "message": message}
        refused: Response = templates.TemplateResponse(
            request, "error.html", context, status_code=403
        )
        return refused
    settings = ctx_of(request).settings
    context = {
        **common,
        "staff": staff,
        "timezone": settings.city_timezone,
        "answer_within": settings.service_level_seconds,
        "names": names(ctx_of(request).procedures.values(), lang),
    }
    page: Response = templates.TemplateResponse(request, "wallboard.html", context)
    return csp.private(page)


@router.get("/api/supervision/figures", responses=refusals(*STAFF, 404, 422))
def figures(
    request: Request,
    _staff: Annotated[Staff, Depends(require_supervisor)],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> PeriodFigures:
    ctx = ctx_of(request)
    board = ctx.wallboard
    if board is None:
        raise NOT_FOUND("The wallboard is not running")
    first = start or board.today()
    last = end or (first if start else board.today())
    for name, day in (("from", first), ("to", last)):
        if not EARLIEST <= day <= LATEST:  # beyond, the UTC conversion overflows
            raise INVALID(f"'{name}' must be between {EARLIEST} and {LATEST}, got {day}")
    if last < first:
        raise INVALID(f"'to' ({last}) is before 'from' ({first})")
    if (last - first).days + 1 > MAX_DAYS:
        raise INVALID(f"At most {MAX_DAYS} days at a time")
    begin, _ = board.day_bounds(first)
    _, finish = board.day_bounds(last)
    log = read_log(ctx.db, begin, finish)
    chosen = in_period(fold_attentions(log.events, log.steps), begin, finish)
    return PeriodFigures.model_validate(
        {"ok": True, **board.figures_json(chosen, begin, finish, log.sites)}
    )
