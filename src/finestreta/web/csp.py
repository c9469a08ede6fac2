"""Content-Security-Policy for our pages, composed per route; ``Cache-Control`` for what is
private.

Every HTML answer gets :data:`DEFAULT` unless the route asked for more with :func:`extend`
(``csp.extend(request, frame_src=("https://tpv.example",))``): the policy is a value built per
request, not one string, so the booth can frame the PDFs it shows (``blob:``) and a procedure
can frame a payment page (:attr:`Procedure.frame_sources`) while every other page frames
nothing. ``connect-src`` names the socket's origin (``ws:``/``wss:``) besides ``'self'``, for
browsers where ``'self'`` does not cover WebSockets yet.

No inline script or style anywhere: data for scripts travels in ``<script
type="application/json">`` blocks (not run, so not script under CSP), looks in stylesheets,
and scripts set single properties (``el.style.width = …``), which CSP allows.

Answers under ``/api/`` are private by default (``Cache-Control: no-store``) unless the route
set its own caching; staff and booth pages say so themselves (:func:`private`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
STATE_KEY = "csp"  # the request's extra sources, in ``scope["state"]``


@dataclass(frozen=True)
class Policy:
    """Directive → sources; :meth:`extended` adds sources (``'none'`` goes when others come)."""

    directives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def extended(self, extra: Mapping[str, Iterable[str]]) -> Policy:
        merged = dict(self.directives)
        for name, sources in extra.items():
            name = name.replace("_", "-")
            added = tuple(s for s in sources if s)
            if not added:
                continue
            kept = tuple(s for s in merged.get(name, ()) if s != "'none'")
            merged[name] = kept + tuple(s for s in added if s not in kept)
        return Policy(MappingProxyType(merged))

    def header(self) -> str:
        return "; ".join(
            " ".join((name, *sources)) if sources else name
            for name, sources in self.directives.items()
        )


DEFAULT = Policy(
    MappingProxyType(
        {
            "default-src": ("'self'",),
            "script-src": ("'self'",),
            "style-src": ("'self'",),
            "img-src": ("'self'", "data:", "blob:"),
            "media-src": ("'self'", "blob:", "mediastream:"),
            "connect-src": ("'self'",),  # + the socket's origin, per request
            "font-src": ("'self'",),
            "frame-src": ("'none'",),
            "worker-src": ("'none'",),
            "object-src": ("'none'",),
            "base-uri": ("'none'",),
            "form-action": ("'self'",),
            "frame-ancestors": ("'none'",),
        }
    )
)


def extend(conn: HTTPConnection, **sources: Iterable[str]) -> None:
    """Add sources to this request's policy (``frame_src=…``, ``frame_ancestors=…``)."""
    extra: dict[str, list[str]] = conn.scope.setdefault("state", {}).setdefault(STATE_KEY, {})
    for name, values in sources.items():
        extra.setdefault(name, []).extend(values)


def private(response: Response) -> Response:
    """Not to be kept by the browser or any cache (staff pages, the booth page)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def socket_origin(scope: Scope, public_url: str = "") -> str:
    """``ws://host`` or ``wss://host`` of the page's own socket."""
    if public_url:
        parts = urlsplit(public_url)
        secure, host = parts.scheme == "https", parts.netloc
    else:
        headers = dict(scope.get("headers") or [])
        secure = scope.get("scheme") in ("https", "wss")
        host = headers.get(b"host", b"").decode("latin-1")
    # a host name and port only: a Host header is the client's to choose, and must not be able
    # to write directives into the policy
    return f"{'wss' if secure else 'ws'}://{host}" if _HOST.fullmatch(host) else ""


def policy_for(scope: Scope, public_url: str = "") -> Policy:
    extra: dict[str, list[str]] = dict(scope.get("state", {}).get(STATE_KEY, {}))
    extra["connect_src"] = [*extra.get("connect_src", []), socket_origin(scope, public_url)]
    return DEFAULT.extended(extra)


class PolicyMiddleware:
    """Adds the request's policy to HTML answers and ``no-store`` to API answers, unless the
    route set its own."""

    def __init__(self, app: ASGIApp, public_url: str = "") -> None:
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault(
                        "Content-Security-Policy", policy_for(scope, self.public_url).header()
                    )
                if scope["path"].startswith("/api/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_policy)


def install(app: Starlette, public_url: str = "") -> None:
    """Wire the policies into ``app``."""
    app.add_middleware(PolicyMiddleware, public_url=public_url)
