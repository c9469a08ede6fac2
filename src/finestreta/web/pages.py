"""HTML pages: landing, staff login, the clerk console, booth pairing and the booth itself."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import from_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finestreta.accounts import service
from finestreta.procedures import registry
from finestreta.procedures.texts import procedure_translator
from finestreta.web import csp, security
from finestreta.web.i18n import (
    CITIZEN_LANGUAGES,
    LANGUAGE_NAMES,
    STAFF_LANGUAGES,
    pick_language,
    translator,
)
from finestreta.web.security import CALL_ROLES, ctx_of

router = APIRouter()

Text = Annotated[str, Form(max_length=200)]


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request,
        template,
        {
            "_": translator(lang),
            "lang": lang,
            "demo": ctx_of(request).settings.demo,
            "language_names": LANGUAGE_NAMES,
            **context,
        },
        status_code=status,
    )
    return response


def _staff_lang(request: Request, preferred: str | None = None) -> str:
    return pick_language(
        [request.query_params.get("lang"), preferred, request.headers.get("accept-language")],
        STAFF_LANGUAGES,
    )


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    lang = pick_language(
        [request.query_params.get("lang"), request.headers.get("accept-language")],
        CITIZEN_LANGUAGES,
    )
    return _page(request, "landing.html", lang)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _page(request, "login.html", _staff_lang(request), error=None, username="")


@router.post("/login", dependencies=[Depends(security.require_same_origin)])
def login(request: Request, username: Text, password: Text) -> Response:
    ctx = ctx_of(request)
    lang = _staff_lang(request)
    _ = translator(lang)
    client = security.client_address(request)
    if ctx.login_throttle.refused(client, username):
        return _page(
            request,
            "login.html",
            lang,
            status=429,
            error=_("Too many attempts. Wait a minute and try again."),
            username=username,
        )
    with ctx.db.session() as session:
        user = service.authenticate(session, username, password)
        if user is None:
            ctx.login_throttle.failed(client, username)
            service.audit(session, f"ip:{client}", "login_failed", username.strip().lower()[:64])
            error = _("Wrong user name or password.")
            return _page(request, "login.html", lang, status=401, error=error, username=username)
        token = service.open_staff_session(session, user, ctx.settings.session_hours)
        service.audit(session, user.username, "login", user.username, f"ip={client}")
        role = user.role
    ctx.login_throttle.succeeded(client, username)
    target = "/console" if role in CALL_ROLES else "/"
    response = RedirectResponse(target, status_code=303)
    security.set_cookie(
        response, request, security.STAFF_COOKIE, token, int(ctx.settings.session_hours * 3600)
    )
    return response


@router.post("/logout", dependencies=[Depends(security.require_same_origin)])
def logout(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = security.staff_of(request)
    with ctx.db.session() as session:
        service.close_staff_session(session, request.cookies.get(security.STAFF_COOKIE))
    if staff is not None:
        # on the hub's event loop (this endpoint runs in a worker thread): a call the clerk
        # was in ends now, and its citizen may ask again first in the queue
        from_thread.run_sync(ctx.hub.clerk_logged_out, staff.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.STAFF_COOKIE, path="/")
    return response


@router.get("/console", response_class=HTMLResponse)
def console(request: Request) -> Response:
    staff = security.staff_of(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    lang = _staff_lang(request, staff.locale)
    _ = translator(lang)
    if staff.role not in CALL_ROLES:
        return _page(
            request,
            "error.html",
            lang,
            status=403,
            code="forbidden",
            message=_("Only clerks and supervisors answer calls."),
        )
    procedures = ctx_of(request).procedures.values()
    csp.extend(request, frame_src=[s for p in procedures for s in p.frame_sources])
    page = _page(
        request,
        "console.html",
        lang,
        staff=staff,
        # the console shows every time in the city's zone, as the server's texts do
        timezone=ctx_of(request).settings.city_timezone,
        panels=_panels(request, lang),
        # what the clerk reads for the procedures' topics and kinds of document, translated
        topic_labels={
            code: procedure_translator(procedure, lang)(topic.for_clerk)
            for code, (topic, procedure) in registry.topics(procedures).items()
        },
        document_kinds={
            kind: procedure_translator(procedure, lang)(label)
            for procedure in procedures
            for kind, label in procedure.document_kinds.items()
        },
    )
    return csp.private(page)


@router.get("/supervisor/fleet", response_class=HTMLResponse)
def supervisor(request: Request) -> Response:
    """The fleet of booths: online, in call, printer and scanner state (supervisors, admins);
    linked from the wallboard (``/supervisor``, web/wallboard_api.py)."""
    staff = security.staff_of(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    lang = _staff_lang(request, staff.locale)
    _ = translator(lang)
    if staff.role not in ("supervisor", "admin"):
        return _page(
            request,
            "error.html",
            lang,
            status=403,
            code="forbidden",
            message=_("Only supervisors and administrators see the booths."),
        )
    return csp.private(_page(request, "supervisor.html", lang, staff=staff))


@router.get("/kiosk", response_class=HTMLResponse)
def kiosk(request: Request) -> Response:
    """The booth page (the pairing form for a browser that is not a booth yet), with the
    procedures' booth modules and their markup for the call screen, in name order. The markup
    is rendered with the procedure's translator in Catalan; the module writes the citizen's
    language's texts into it (the booth switches language on the spot)."""
    booth = security.booth_of(request)
    if booth is None:
        return _page(
            request,
            "pair.html",
            _staff_lang(request),
            error=None,
            demo_kiosks=_demo_kiosks(request),
        )
    procedures = sorted(ctx_of(request).procedures.values(), key=lambda p: p.name)
    # the booth frames the PDFs the clerk shows, from memory (blob:), what procedures frame, and,
    # when one takes card payments, our pay page and the gateway's page that replaces it
    payments = (
        ctx_of(request).payments.frame_sources if any(p.takes_payments for p in procedures) else ()
    )
    csp.extend(
        request,
        frame_src=["blob:", *(s for p in procedures for s in p.frame_sources), *payments],
    )
    page = _page(
        request,
        "kiosk.html",
        "ca",
        booth=booth,
        languages=CITIZEN_LANGUAGES,
        booth_modules=[
            f"/static/procedures/{p.name}/{p.booth_module}" for p in procedures if p.booth_module
        ],
        booth_stylesheets=[
            f"/static/procedures/{p.name}/{p.booth_stylesheet}"
            for p in procedures
            if p.booth_stylesheet
        ],
        booth_fragments=[
            {
                "name": p.name,
                "template": f"{p.name}/{p.booth_template}",
                "translate": procedure_translator(p, "ca"),
            }
            for p in procedures
            if p.booth_template
        ],
        # The topics the office serves, from its procedures: the booth translates their texts
        # (English ids, in the procedures' domains) in the citizen's language.
        topics=[
            {
                "code": code,
                "label": topic.label,
                "description": topic.description,
                "icon": topic.icon,
            }
            for code, (topic, _procedure) in registry.topics(procedures).items()
        ],
    )
    return csp.private(page)


def _panels(request: Request, lang: str) -> list[dict[str, Any]]:
    """The procedures' console panels in their order: the template fragment (rendered with
    the procedure's own translations) and the ES module that registers the panel."""
    procedures = [p for p in ctx_of(request).procedures.values() if p.panel is not None]
    panels = []
    for procedure in sorted(procedures, key=lambda p: (p.panel.order, p.name)):  # type: ignore[union-attr]
        panel = procedure.panel
        assert panel is not None
        panels.append(
            {
                "name": procedure.name,
                "template": f"{procedure.name}/{panel.template}",
                "module": f"/static/procedures/{procedure.name}/{panel.module}",
                "stylesheet": (
                    f"/static/procedures/{procedure.name}/{panel.stylesheet}"
                    if panel.stylesheet
                    else None
                ),
                "translate": procedure_translator(procedure, lang),
            }
        )
    return panels


def _demo_kiosks(request: Request) -> list[dict[str, str]]:
    demo: list[dict[str, str]] = ctx_of(request).extra.get("demo_kiosks", [])
    return demo


@router.post("/kiosk/pair", dependencies=[Depends(security.require_same_origin)])
def pair(request: Request, code: Text, secret: Text) -> Response:
    ctx = ctx_of(request)
    lang = _staff_lang(request)
    _ = translator(lang)
    client = security.client_address(request)
    if ctx.pair_throttle.refused(client, code):
        return _page(
            request,
            "pair.html",
            lang,
            status=429,
            error=_("Too many attempts. Wait a minute and try again."),
            demo_kiosks=_demo_kiosks(request),
        )
    with ctx.db.session() as session:
        paired = service.pair_kiosk(session, code, secret)
        if paired is None:
            ctx.pair_throttle.failed(client, code)
            service.audit(session, f"ip:{client}", "kiosk_pair_failed", code.strip().lower()[:64])
            return _page(
                request,
                "pair.html",
                lang,
                status=401,
                error=_("Unknown booth or wrong secret."),
                demo_kiosks=_demo_kiosks(request),
            )
        _kiosk, token = paired
    ctx.pair_throttle.succeeded(client, code)
    response = RedirectResponse("/kiosk", status_code=303)
    security.set_cookie(response, request, security.KIOSK_COOKIE, token, 400 * 24 * 3600)
    return response
