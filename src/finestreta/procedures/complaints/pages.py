"""The complaints' pages: the case handlers' (``/cases``) and the public tracking page
(``/track``).

* ``GET /cases``: the list (my units' / mine / overdue, a state filter), for staff with the
  ``case-handler`` role and supervisors; anyone else is refused (403), nobody logged in goes
  to the login page;
* ``GET /cases/{code}``: one case with its contact, location, description, documents and
  history — every read written down first (``complaint_case_accesses``);
* ``GET /cases/{code}/documents/{position}``: a document filed with it (read audited too);
* ``POST /cases/{code}``: an action the lifecycle allows (assign, start, answer, close,
  reopen, publish), same-origin only;
* ``GET /track`` (a form) and ``GET /track/{code}``: anyone holding a case code reads its type,
  theme, state, dates and answer (``cases.public_view``), in ca, es or en; throttled per
  client address as ``/verify`` is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finestreta.accounts.throttle import Throttle
from finestreta.errors import CODES, FinestretaError
from finestreta.i18n import translator
from finestreta.procedures.complaints import cases
from finestreta.procedures.complaints.lifecycle import MOVES, CaseState, Role
from finestreta.procedures.complaints.service import (
    STATE_LABELS,
    ComplaintDesk,
    role_of,
    texts,
)
from finestreta.procedures.complaints.types import DOMAIN, THEMES, TYPES, published
from finestreta.web import csp, security
from finestreta.web.errors import TOO_MANY_REQUESTS, status_of
from finestreta.web.i18n import (
    CITIZEN_LANGUAGES,
    LANGUAGE_NAMES,
    STAFF_LANGUAGES,
    pick_language,
)
from finestreta.web.security import client_address, ctx_of

router = APIRouter()
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
ACTIONS = ("assign", "start", "answer", "close", "reopen", "publish")
WHICH = ("units", "mine", "overdue")
LookupsPerMinute = 30
MissesPerMinute = 10


def _desk(request: Request) -> ComplaintDesk:
    desk: ComplaintDesk = ctx_of(request).procedure(DOMAIN).desk  # type: ignore[attr-defined]
    return desk


def _render(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    _ = texts(lang)
    page_texts = translator(lang)

    def gettext(message: str) -> str:
        text = _(message)
        return text if text != message else page_texts(message)

    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        f"{DOMAIN}/{template}",
        {
            "_": gettext,
            "lang": lang,
            "language_names": LANGUAGE_NAMES,
            "languages": CITIZEN_LANGUAGES,
            "types": TYPES,
            "themes": THEMES,
            "units": _desk(request).settings.known_units(),
            "state_labels": STATE_LABELS,
            **context,
        },
        status_code=status,
        headers=PRIVATE,
    )
    return response


def refusal_text(refusal: FinestretaError, lang: str) -> str:
    known = CODES.get(refusal.code)
    if known is None:
        return refusal.message
    _ = texts(lang) if known.domain == DOMAIN else translator(lang, "errors")
    text = _(known.clerk)
    try:
        return text.format(**refusal.details)
    except (KeyError, IndexError, ValueError):
        return text


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _day(day: date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


# ---------------------------------------------------------------------- the case handlers'
def _staff(request: Request) -> tuple[security.Staff | None, str]:
    staff = security.staff_of(request)
    lang = pick_language(
        [
            request.query_params.get("lang"),
            staff.locale if staff else None,
            request.headers.get("accept-language"),
        ],
        STAFF_LANGUAGES,
    )
    return staff, lang


def _refused(request: Request, lang: str) -> Response:
    _ = texts(lang)
    return csp.private(
        _render(
            request,
            "refused.html",
            lang,
            status=403,
            message=_("Only case handlers and supervisors work cases."),
        )
    )


def _allowed_actions(case: cases.Case, role: Role) -> list[str]:
    """The actions the lifecycle lets ``role`` take on ``case`` now."""
    out = []
    reopening = case.state is CaseState.ANSWERED
    for action, target in (
        ("assign", CaseState.ASSIGNED),
        ("start", CaseState.IN_PROGRESS),
        ("answer", CaseState.ANSWERED),
        ("close", CaseState.CLOSED),
        ("reopen", CaseState.IN_PROGRESS),
    ):
        if (action == "reopen") != reopening and target is CaseState.IN_PROGRESS:
            continue
        if role in MOVES.get((case.state, target), frozenset()):
            out.append(action)
    if role is Role.SUPERVISOR and published(case.case_type, case.theme):
        out.append("publish")
    return out


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, which: str = "units", state: str = "") -> Response:
    staff, lang = _staff(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    try:
        role_of(staff.role)
    except FinestretaError:
        return _refused(request, lang)
    which = which if which in WHICH else "units"
    state = state if state in {s.value for s in CaseState} else ""
    desk = _desk(request)
    found = desk.listing(
        staff_id=staff.id, username=staff.username, role=staff.role, which=which, state=state
    )
    today = desk.today()
    return csp.private(
        _render(
            request,
            "cases.html",
            lang,
            staff=staff,
            which=which,
            state=state,
            states=list(CaseState),
            cases=found,
            today=today,
            day=_day,
            my_units=desk.units_of(staff.username),
        )
    )


def _case_page(
    request: Request,
    staff: security.Staff,
    lang: str,
    code: str,
    *,
    status: int = 200,
    error: str = "",
    notice: str = "",
    text: str = "",
) -> Response:
    desk = _desk(request)
    tz = ZoneInfo(desk.city.city_timezone)
    try:
        found = desk.read(staff_id=staff.id, username=staff.username, role=staff.role, code=code)
    except FinestretaError as refusal:
        _ = texts(lang)
        return csp.private(
            _render(
                request,
                "refused.html",
                lang,
                status=status_of(type(refusal)),
                message=refusal_text(refusal, lang),
            )
        )
    role = role_of(staff.role)
    return csp.private(
        _render(
            request,
            "case.html",
            lang,
            status=status,
            staff=staff,
            found=found,
            case=found.case,
            actions=_allowed_actions(found.case, role),
            overdue=found.case.overdue(desk.today()),
            when=lambda m: _when(m, tz),
            day=_day,
            error=error,
            notice=notice,
            text=text,
            mail_configured=desk.mailer.configured,
            max_answer=cases.MAX_ANSWER,
            max_description=cases.MAX_DESCRIPTION,
        )
    )


@router.get("/cases/{code}", response_class=HTMLResponse)
def case_page(request: Request, code: str) -> Response:
    staff, lang = _staff(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    try:
        role_of(staff.role)
    except FinestretaError:
        return _refused(request, lang)
    return _case_page(request, staff, lang, code)


@router.post(
    "/cases/{code}",
    response_class=HTMLResponse,
    dependencies=[Depends(security.require_same_origin)],
)
def case_action(
    request: Request,
    code: str,
    action: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=20_000)] = "",
    unit: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    staff, lang = _staff(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    try:
        role_of(staff.role)
    except FinestretaError:
        return _refused(request, lang)
    _ = texts(lang)
    if action not in ACTIONS:
        return _case_page(
            request, staff, lang, code, status=400, error=_("There is no such action.")
        )
    try:
        case = _desk(request).act(
            staff_id=staff.id,
            username=staff.username,
            role=staff.role,
            code=code,
            action=action,
            text=text,
            unit=unit or None,
        )
    except FinestretaError as refusal:
        return _case_page(
            request,
            staff,
            lang,
            code,
            status=status_of(type(refusal)),
            error=refusal_text(refusal, lang),
            text=text[:20_000],
        )
    return RedirectResponse(f"/cases/{case.display_code}?done={action}", status_code=303)


@router.get("/cases/{code}/documents/{position}")
def case_document(request: Request, code: str, position: int) -> Response:
    staff, lang = _staff(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    try:
        attachment, content = _desk(request).attachment(
            staff_id=staff.id,
            username=staff.username,
            role=staff.role,
            code=code,
            position=position,
        )
    except FinestretaError as refusal:
        if refusal.code == "case_handlers_only":
            return _refused(request, lang)
        return csp.private(
            _render(
                request,
                "refused.html",
                lang,
                status=status_of(type(refusal)),
                message=refusal_text(refusal, lang),
            )
        )
    return Response(
        content,
        media_type=attachment.media_type,
        headers={
            **PRIVATE,
            "Content-Disposition": f'inline; filename="case-document-{position + 1}"',
        },
    )


# ---------------------------------------------------------------------- the public's
def _throttles(request: Request) -> tuple[Throttle, Throttle]:
    ctx = ctx_of(request)
    found: tuple[Throttle, Throttle] | None = ctx.extra.get("complaints_track")
    if found is None:
        settings = ctx.settings
        found = (
            Throttle(getattr(settings, "verify_misses_per_minute", MissesPerMinute)),
            Throttle(getattr(settings, "verify_lookups_per_minute", LookupsPerMinute)),
        )
        ctx.extra["complaints_track"] = found
    return found


def _public_lang(request: Request) -> str:
    return pick_language(
        [request.query_params.get("lang"), request.headers.get("accept-language")],
        CITIZEN_LANGUAGES,
    )


def _public_text(refusal: FinestretaError, lang: str) -> str:
    _ = texts(lang)
    if refusal.code == TOO_MANY_REQUESTS.code:
        return _("Too many look-ups from your connection. Wait a minute and try again.")
    known = CODES.get(refusal.code)
    if known is not None and known.citizen:
        return _(known.citizen)
    return refusal_text(refusal, lang)


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request, code: str | None = None) -> Response:
    lang = _public_lang(request)
    _ = texts(lang)
    if code is not None and not code.strip():
        message = _("Type the case code printed on your receipt.")
        return _render(request, "track.html", lang, status=400, error=message, code="")
    if code is not None:
        try:
            canonical = cases.canonical_code(code)
        except FinestretaError as refusal:
            return _render(
                request,
                "track.html",
                lang,
                status=400,
                error=_public_text(refusal, lang),
                code=code[:80],
            )
        from finestreta.documents.verification import format_code

        return RedirectResponse(f"/track/{format_code(canonical)}?lang={lang}", status_code=303)
    return _render(request, "track.html", lang, error=None, code="")


@router.get("/track/{code}", response_class=HTMLResponse)
def track_page(request: Request, code: str) -> Response:
    lang = _public_lang(request)
    misses, lookups = _throttles(request)
    client = f"ip:{client_address(request)}"
    desk = _desk(request)
    tz = ZoneInfo(desk.city.city_timezone)
    try:
        if misses.blocked(client) or lookups.blocked(client):
            raise TOO_MANY_REQUESTS("Too many look-ups from this address")
        canonical = cases.canonical_code(code)
        lookups.hit(client)
        try:
            with ctx_of(request).db.session() as session:
                view = cases.public_view(session, canonical)
        except FinestretaError:
            misses.hit(client)
            raise
    except FinestretaError as refusal:
        status = status_of(type(refusal))
        response = _render(
            request,
            "track_result.html",
            lang,
            status=status,
            view=None,
            message=_public_text(refusal, lang),
            code=code[:80],
        )
        if status == 429:
            response.headers["Retry-After"] = "60"
        return response
    return _render(
        request,
        "track_result.html",
        lang,
        view=view,
        message="",
        code=view.code,
        when=lambda m: _when(m, tz),
        day=_day,
    )
