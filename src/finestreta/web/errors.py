"""One error envelope for the API (``{"ok": false, "error": {"code", "message"}}``) and one
error page for people; never a traceback on screen."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class WebError(Exception):
    """An expected refusal with an HTTP status and a stable code."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, code: str | None = None, details: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}  # machine-readable extras, e.g. the expected check letter
        if code:
            self.code = code


class BadRequest(WebError):
    status, code = 400, "bad_request"


class Unauthorized(WebError):
    status, code = 401, "unauthorized"


class Forbidden(WebError):
    status, code = 403, "forbidden"


class NotFound(WebError):
    status, code = 404, "not_found"


class TooManyRequests(WebError):
    status, code = 429, "too_many_requests"


class Refused(WebError):
    """A refusal whose status is decided at run time (e.g. 413 for a too large upload)."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, object] | None = None
    ) -> None:
        super().__init__(message, code, details)
        self.status = status


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _render(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: dict[str, object] | None = None,
) -> Response:
    if _wants_json(request):
        error: dict[str, object] = {"code": code, "message": message}
        if details:
            error["details"] = details
        return JSONResponse({"ok": False, "error": error}, status_code=status)
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
    )
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return _render(request, exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _render(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
        ]
        return _render(request, 422, "invalid", "; ".join(parts) or "Invalid request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _render(request, 500, "internal", "Something went wrong on our side")


def html_error(status: int, message: str) -> HTMLResponse:
    return HTMLResponse(f"<h1>{status}</h1><p>{message}</p>", status_code=status)
