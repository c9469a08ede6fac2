"""HTTP answers for every error, in one place: the kind of a :class:`FinestretaError` decides
the status (:data:`STATUS`), the API gets one JSON envelope
(``{"ok": false, "error": {"code", "message", "details"?}}``) and people get one error page;
never a traceback. ``docs/errors.md`` lists every code with its status (a test keeps the two
in step)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from finestreta.errors import (
    INTERNAL,
    INVALID,
    N_,
    Conflict,
    FinestretaError,
    Gone,
    InvalidInput,
    Malformed,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unavailable,
    WrongMethod,
    declare,
)

log = logging.getLogger(__name__)

# The kind decides the status; a subclass takes the status of its nearest listed ancestor.
STATUS: dict[type[FinestretaError], int] = {
    InvalidInput: 400,
    Malformed: 422,
    WrongMethod: 405,
    TooLarge: 413,
    NotAuthenticated: 401,
    NotAllowed: 403,
    NotFound: 404,
    Gone: 410,
    Conflict: 409,
    TooManyRequests: 429,
    Unavailable: 503,
}
INTERNAL_STATUS = 500


def status_of(kind: type[FinestretaError]) -> int:
    for cls in kind.__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return INTERNAL_STATUS


# Codes the web shell itself answers with (each procedure and layer declares its own).
UNAUTHORIZED = declare(
    "unauthorized", NotAuthenticated, N_("Your session has ended. Log in again.")
)
FORBIDDEN = declare("forbidden", NotAllowed, N_("You may not do that with your role."))
CROSS_SITE = declare(
    "cross_site", NotAllowed, N_("The request came from another site and was refused.")
)
NOT_FOUND = declare("not_found", NotFound, N_("It is not there any more."))
METHOD_NOT_ALLOWED = declare(
    "method_not_allowed", WrongMethod, N_("The page asked for something it cannot do.")
)
TOO_MANY_REQUESTS = declare(
    "too_many_requests", TooManyRequests, N_("Too many attempts. Wait a minute and try again.")
)
HTTP_ERROR = declare("http_error", InvalidInput, N_("The page asked for something it cannot do."))


# Paths whose callers read errors in a format of their own (Open311's error list): a procedure
# names its prefix once (``render_under``) and every error under it, from any handler here and
# from the body limits, is rendered by it: (request, status, code, English message, headers).
Renderer = Callable[[Request, int, str, str, Mapping[str, str] | None], Response]
_RENDERERS: dict[str, Renderer] = {}


def render_under(prefix: str, renderer: Renderer) -> None:
    """Have ``renderer`` answer every error of a request whose path starts with ``prefix``."""
    _RENDERERS[prefix] = renderer


def _wants_json(request: Request) -> bool:
    # the API and the JSON texts the pages load answer JSON, whatever the browser accepts
    return request.url.path.startswith(
        ("/api/", "/i18n/")
    ) or "application/json" in request.headers.get("accept", "")


def _render(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: dict[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    for prefix, renderer in _RENDERERS.items():
        if request.url.path.startswith(prefix):
            return renderer(request, status, code, message, headers)
    if _wants_json(request):
        error: dict[str, object] = {"code": code, "message": message}
        if details:
            error["details"] = details
        return JSONResponse(
            {"ok": False, "error": error}, status_code=status, headers=dict(headers or {})
        )
    from finestreta.web.i18n import CITIZEN_LANGUAGES, pick_language, translator

    lang = pick_language(
        [request.query_params.get("lang"), request.headers.get("accept-language")],
        CITIZEN_LANGUAGES,
    )
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "code": code, "message": message, "_": translator(lang), "lang": lang},
        status_code=status,
        headers=dict(headers or {}),
    )
    return response


def refusal(request: Request, exc: FinestretaError) -> Response:
    """The answer to a refusal outside a route (the body limits in ``web/bodies.py``)."""
    return _render(request, status_of(type(exc)), exc.code, exc.message, exc.details)


def install(app: FastAPI) -> None:
    @app.exception_handler(FinestretaError)
    async def _refused(request: Request, exc: FinestretaError) -> Response:
        return _render(request, status_of(type(exc)), exc.code, exc.message, exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # FastAPI's and Starlette's own 400s are bodies they could not parse (not JSON, not
            # UTF-8, a broken multipart): not the expected shape, like any other (Malformed)
            return _render(request, status_of(Malformed), INVALID.code, str(exc.detail))
        code = {404: NOT_FOUND.code, 405: METHOD_NOT_ALLOWED.code}.get(
            exc.status_code, HTTP_ERROR.code
        )
        # the router's own headers go along: a 405 says what is allowed (``Allow``)
        return _render(request, exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
        ]
        return _render(
            request, status_of(Malformed), INVALID.code, "; ".join(parts) or "Invalid request"
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _render(request, INTERNAL_STATUS, INTERNAL.code, "Something went wrong on our side")
