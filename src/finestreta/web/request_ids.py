"""Every HTTP request gets an id, echoed in the ``X-Request-ID`` response header and carried
by every log line written while answering it (``log_context.http_request_id``). A proxy's
incoming ``X-Request-ID`` is kept when it is a safe token (so the proxy's logs and ours can be
joined); anything else (too long, odd characters that could forge a log line) is replaced.

A plain ASGI middleware, not ``BaseHTTPMiddleware``: it only sets context variables and adds a
header, with no extra task per request. WebSocket handshakes pass through untouched: their
lines carry the call's ids instead (the hub binds them per frame)."""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finestreta import log_context

HEADER = "X-Request-ID"
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id_of(incoming: str | None) -> str:
    """The incoming id if it is a safe token, else a new random one."""
    if incoming is not None and _SAFE.match(incoming):
        return incoming
    return secrets.token_hex(8)


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = request_id_of(incoming)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        tokens = (
            log_context.http_request_id.set(rid),
            log_context.call_id.set(None),
            log_context.request_id.set(None),
        )
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_context.http_request_id.reset(tokens[0])
            log_context.call_id.reset(tokens[1])
            log_context.request_id.reset(tokens[2])
