"""Request bodies are limited before they are read: an ASGI middleware in front of every route.

Each request gets a limit from its path (:func:`limit_of`): uploads
``FINESTRETA_MAX_UPLOAD_BYTES``, the booth's signature pad :data:`SIGNATURE_BYTES` (JSON), the login and pairing forms :data:`FORM_BYTES` and the payment
gateway's notifications :data:`NOTIFICATION_BYTES` (all three only
``application/x-www-form-urlencoded``: no multipart, so no file is ever spooled for them), every
other body ``FINESTRETA_MAX_BODY_BYTES``. A path may ask to hear of the refusals made here
(:func:`on_refusal`): the payment desk audits every refused notification, an oversized one too. A ``Content-Length`` over the limit is answered 413 at
once, without reading; a body that grows past it while streaming (chunked) is cut and answered
413 too, whatever the application had started doing with it. JSON bodies, small by then, are
parsed here once with the strict rules of :mod:`finestreta.strict_json` (depth, finite numbers)
and answered 422 when they break them, before any route sees them.

Upload routes authenticate before they parse (``devices/routes.py`` reads the multipart form
itself after its dependencies), so an anonymous upload is refused without being read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finestreta import strict_json
from finestreta.config import Settings
from finestreta.errors import INVALID, N_, TOO_LARGE, FinestretaError, Malformed, declare
from finestreta.web.errors import refusal

log = logging.getLogger(__name__)

FORM_BYTES = 4096
NOTIFICATION_BYTES = 8192  # a Redsys notification is well under 2 KiB
NOTIFICATIONS = "/api/payments/notifications"
FORM_ONLY = {"/login": FORM_BYTES, "/kiosk/pair": FORM_BYTES, NOTIFICATIONS: NOTIFICATION_BYTES}
# path → called (in a worker thread) with the request's scope, the refusal and the body's size
# as far as it is known, when this middleware refuses a request to that path; what it returns
# (when not None) is answered instead, so that the path's callers get its own codes
RefusalListener = Callable[[Scope, FinestretaError, int | None], FinestretaError | None]
_LISTENERS: dict[str, RefusalListener] = {}
UPLOADS = (
    re.compile(r"^/api/calls/[^/]+/documents$"),
    re.compile(r"^/api/agent/jobs/[^/]+/scan$"),
)
URLENCODED = "application/x-www-form-urlencoded"
# The pad's strokes: 5,000 points (strokes.MAX_POINTS) of ~40 bytes each fit; 100,000 do not.
SIGNATURE_BYTES = 256 * 1024
SIGNATURES = re.compile(r"^/api/booth/signatures/[^/]+$")

FORM_EXPECTED = declare(
    "form_expected", Malformed, N_("The page sent its form in a way the server does not take.")
)


@dataclass(frozen=True)
class Limit:
    bytes: int
    form_only: bool = False
    upload: bool = False  # files (multipart or raw bytes), never parsed as JSON here


def on_refusal(path: str, listener: RefusalListener) -> None:
    """Have ``listener`` told of every refusal of a request to ``path`` made here."""
    _LISTENERS[path] = listener


def limit_of(path: str, settings: Settings) -> Limit:
    if path in FORM_ONLY:
        return Limit(FORM_ONLY[path], form_only=True)
    if any(pattern.match(path) for pattern in UPLOADS):
        return Limit(settings.max_upload_bytes, upload=True)
    if SIGNATURES.match(path):
        return Limit(SIGNATURE_BYTES)
    return Limit(settings.max_body_bytes)


class _Overflow(Exception):
    """Raised into the application when the body it reads grows past the limit."""


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI parses a body without a content type as JSON
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_of(scope["path"], self.settings)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        has_body = chunked or (declared is not None and declared != "0")
        content_type = headers.get("content-type")
        if limit.form_only and has_body:
            media = (content_type or "").partition(";")[0].strip().lower()
            if media != URLENCODED:
                error = FORM_EXPECTED(f"Forms here are {URLENCODED}")
                await self._refuse(scope, send, error, _size(declared))
                return
        if declared is not None and (not declared.isdigit() or int(declared) > limit.bytes):
            await self._refuse(scope, send, self._too_large(limit), _size(declared))
            return
        if has_body and not limit.upload and _is_json(content_type):
            await self._json(scope, receive, send, limit)
        elif has_body:
            await self._streamed(scope, receive, send, limit)
        else:
            await self.app(scope, receive, send)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: Limit) -> None:
        """Read the (small) body, check it is JSON we accept, then hand it on."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > limit.bytes:
                await self._refuse(scope, send, self._too_large(limit), len(body))
                return
            if not message.get("more_body", False):
                break
        if body:
            try:
                strict_json.loads(bytes(body))
            except ValueError as exc:
                error = INVALID(f"The body is not JSON we accept: {exc}")
                await self._refuse(scope, send, error, len(body))
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: Limit) -> None:
        """Count the body as the application reads it; past the limit, cut it and answer 413
        instead of whatever the application makes of the cut."""
        received = 0
        over = started = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.bytes:
                    over = True
                    raise _Overflow
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # the application's answer to a cut body
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(scope, send, self._too_large(limit), received)

    def _too_large(self, limit: Limit) -> FinestretaError:
        error: FinestretaError = TOO_LARGE(
            f"Request bodies here are at most {limit.bytes} bytes", {"limit": limit.bytes}
        )
        return error

    async def _refuse(
        self, scope: Scope, send: Send, error: FinestretaError, size: int | None = None
    ) -> None:
        listener = _LISTENERS.get(scope["path"])
        if listener is not None:
            try:
                answer = await anyio.to_thread.run_sync(listener, scope, error, size)
                error = answer if answer is not None else error
            except Exception:  # the refusal is answered whatever its audit did
                log.exception("recording a refused request to %s failed", scope["path"])

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        response = refusal(Request(scope, nothing), error)
        response.headers["Connection"] = "close"  # the unread body is not ours to drain
        await response(scope, nothing, send)


def _size(declared: str | None) -> int | None:
    return int(declared) if declared is not None and declared.isdigit() else None
