"""The pilot report on a page for supervisors (``/supervisor/report``), with its PDF and the CSV
of every figure to download.

Supervisors and administrators only (anyone else gets 403, nobody logged in 401 or the login
page); a bad period (not a date, outside 2000–2099, ``to`` before ``from``, longer than a year
on the web) gets 400 with the reason, on the page or as the JSON envelope, never a 500. One
report is made at a time per process (:data:`BUILDING`): a request that finds one being made
waits :data:`WAIT_SECONDS`, then gets 503 ``report_busy``. Every report made is audited
(who, when, which period, which format). The report holds no personal data (docs/report.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from finestreta.accounts import service
from finestreta.errors import CODES, N_, FinestretaError, Unavailable, declare
from finestreta.i18n import translator as base_translator
from finestreta.supervision.labels import names
from finestreta.supervision.report import Report, assemble, load_model, source, to_csv, to_pdf
from finestreta.supervision.report.cells import bar_share, heat_level, shown
from finestreta.web import csp, security
from finestreta.web.errors import status_of
from finestreta.web.i18n import STAFF_LANGUAGES, pick_language, translator
from finestreta.web.security import Staff, ctx_of

router = APIRouter()
REPORT_LANGUAGES = ("ca", "es", "en")
BUSY = declare(
    "report_busy",
    Unavailable,
    N_("A report is being made: try again in a minute."),
)
# a report reads and folds a whole period and draws a PDF: one at a time keeps a worker's
# threads and memory for the others (the command line has no such limit)
BUILDING = threading.BoundedSemaphore(1)
WAIT_SECONDS = 5.0
T = TypeVar("T")


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    if not BUILDING.acquire(timeout=WAIT_SECONDS):
        raise BUSY("a report is being made, try again in a minute")
    try:
        yield
    finally:
        BUILDING.release()


def _built(make: Callable[[], T]) -> T:
    """``make()`` under the gate (run in a worker thread: the wait blocks no event loop)."""
    with _one_at_a_time():
        return make()


def _lang(request: Request, staff: Staff) -> str:
    return pick_language(
        [request.query_params.get("lang"), staff.locale, request.headers.get("accept-language")],
        STAFF_LANGUAGES,
    )


def _report(request: Request, staff: Staff, lang: str, what: str) -> tuple[Report, source.Period]:
    """The report of the period in the query (``from``, ``to``), audited as ``what``."""
    ctx = ctx_of(request)
    db = ctx.db
    period = source.parse_period(
        request.query_params.get("from"),
        request.query_params.get("to"),
        source.office_zone(db),
        max_days=source.WEB_MAX_DAYS,
    )
    model = load_model(ctx.settings.report_model or None, ctx.settings.service_level_seconds)
    inputs = source.read_inputs(db, period.first, period.last, period.tz)
    with db.session() as session:
        service.audit(
            session, staff.username, "report_pilot", f"{period.first}..{period.last}", what
        )
    return assemble(inputs, model, lang, names=names(ctx.procedures.values(), lang)), period


def _problem(exc: FinestretaError, lang: str) -> str:
    """The refusal in the page's language (its reason, from the code that found it, as is)."""
    entry = CODES.get(exc.code)
    if entry is None:
        return exc.message
    text: str = base_translator(lang, "errors")(entry.clerk)
    return text.format(problem=exc.details["problem"]) if "problem" in exc.details else text


def _report_lang(request: Request, fallback: str) -> str:
    asked = request.query_params.get("lang")
    return asked if asked in REPORT_LANGUAGES else fallback


@router.get("/supervisor/report", response_class=HTMLResponse)
async def report_page(request: Request) -> Response:
    staff = security.staff_of(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    lang = _lang(request, staff)
    _ = translator(lang)
    templates = request.app.state.templates
    context: dict[str, object] = {
        "_": translator(lang),
        "lang": lang,
        "demo": ctx_of(request).settings.demo,
        "staff": staff,
        "first": request.query_params.get("from", ""),
        "last": request.query_params.get("to", ""),
        "report": None,
        "report_lang": _report_lang(request, lang),
        "problem": None,
        "shown": shown,
        "heat_level": heat_level,
        "bar_share": bar_share,
    }
    if staff.role not in ("supervisor", "admin"):
        return csp.private(
            templates.TemplateResponse(
                request,
                "error.html",
                {
                    **context,
                    "code": "forbidden",
                    "message": _("Only supervisors and administrators see the reports."),
                },
                status_code=403,
            )
        )
    status = 200
    if "from" in request.query_params or "to" in request.query_params:
        try:
            report_lang = _report_lang(request, lang)
            report, period = await run_in_threadpool(
                _built, lambda: _report(request, staff, report_lang, "page")
            )
            context["report"] = report
            context["report_lang"] = report_lang
            context["query"] = f"from={period.first}&to={period.last}&lang={report_lang}"
        except FinestretaError as exc:
            status = status_of(type(exc))
            context["problem"] = _problem(exc, lang)
    else:
        today = date.today()
        context["first"] = today.replace(day=1).isoformat()
        context["last"] = today.isoformat()
    return csp.private(
        templates.TemplateResponse(request, "supervisor_report.html", context, status_code=status)
    )


@router.get("/supervisor/report.pdf")
async def report_pdf(request: Request) -> Response:
    return await _download(request, "pdf", to_pdf, "application/pdf", "pilot-report")


@router.get("/supervisor/report.csv")
async def report_csv(request: Request) -> Response:
    return await _download(request, "csv", to_csv, "text/csv; charset=utf-8", "pilot-figures")


async def _download(
    request: Request,
    kind: str,
    render: Callable[[Report], bytes | str],
    media_type: str,
    stem: str,
) -> Response:
    """The report of the asked period rendered as ``kind``, as an attachment."""
    staff = security.require_supervisor(request)
    lang = _report_lang(request, ctx_of(request).settings.report_language)

    def make() -> tuple[bytes | str, source.Period]:
        report, period = _report(request, staff, lang, kind)
        return render(report), period

    body, period = await run_in_threadpool(_built, make)
    name = f"{stem}-{period.first}-{period.last}.{kind}"
    return csp.private(
        Response(
            body,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )
