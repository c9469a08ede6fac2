"""Who is asking: staff sessions and paired booths, read from cookies; the allowed hosts and
same-origin checks against the public origin; and
the dependencies that refuse everyone else (``require_clerk``, ``require_staff_role``,
``require_booth``, ``require_agent``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from finestreta.accounts import service
from finestreta.config import Settings
from finestreta.context import AppContext
from finestreta.errors import N_, InvalidInput, declare
from finestreta.web.errors import CROSS_SITE, FORBIDDEN, UNAUTHORIZED

STAFF_COOKIE = "fs_staff"
KIOSK_COOKIE = "fs_kiosk"
CALL_ROLES = ("clerk", "supervisor")
SUPERVISOR_ROLES = ("supervisor", "admin")  # the wallboard, the fleet, the figures


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    display_name: str
    role: str
    locale: str
    languages: frozenset[str]
    topics: frozenset[str]


@dataclass(frozen=True)
class Booth:
    id: int
    code: str
    name: str
    site: str


def ctx_of(conn: HTTPConnection) -> AppContext:
    ctx: AppContext = conn.app.state.ctx
    return ctx


def staff_of(conn: HTTPConnection) -> Staff | None:
    ctx = ctx_of(conn)
    with ctx.db.session() as session:
        user = service.staff_of_token(session, conn.cookies.get(STAFF_COOKIE))
        if user is None:
            return None
        return Staff(
            user.id,
            user.username,
            user.display_name,
            user.role,
            user.locale,
            user.language_set,
            user.topic_set,
        )


def booth_of(conn: HTTPConnection) -> Booth | None:
    ctx = ctx_of(conn)
    with ctx.db.session() as session:
        token = conn.cookies.get(KIOSK_COOKIE)
        kiosk = service.kiosk_of_token(session, token, ctx.settings.pairing_idle_days)
        if kiosk is None:
            return None
        return Booth(kiosk.id, kiosk.code, kiosk.name, kiosk.site.name)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(conn: HTTPConnection) -> str:
    """The address of whoever is asking, for throttles and the audit log (the one rule).

    The peer, unless it is a configured proxy (``FINESTRETA_TRUSTED_PROXIES``): then the
    right-most ``X-Forwarded-For`` hop that is not a trusted proxy, since every hop left of it
    was written by someone we do not trust and can be anything."""
    peer = conn.client.host if conn.client else "?"
    networks = _networks(ctx_of(conn).settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for header in conn.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def is_https(conn: HTTPConnection) -> bool:
    ctx = ctx_of(conn)
    if ctx.settings.public_url:
        return ctx.settings.public_url.startswith("https://")
    return conn.url.scheme in ("https", "wss")


def set_cookie(
    response: Response, conn: HTTPConnection, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=is_https(conn),
        path="/",
    )


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` as browsers write ``Origin`` (default ports left out)."""
    parts = urlsplit(url.strip())
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a port that is not a number
        return ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def public_origin(conn: HTTPConnection) -> str:
    """The origin our pages are served from: the configured public URL's; without one (a
    developer's machine), the request's own (its ``Host`` passed :class:`HostCheck`)."""
    public_url = ctx_of(conn).settings.public_url
    if public_url:
        return origin_of(public_url)
    return origin_of(f"{conn.url.scheme}://{conn.headers.get('host', '')}")


def same_origin(conn: HTTPConnection) -> bool:
    """Whether a state-changing request or a socket comes from one of our own pages.

    ``Origin`` must be our public origin, scheme and port included: comparing it with ``Host``
    proves nothing under DNS rebinding, where both name the attacker's host. Without
    ``Origin``, ``Sec-Fetch-Site: same-origin`` will do. With neither header the request was not
    made by a browser on a page's behalf; it may go on only if it carries none of our cookies
    (a cookie alone proves nothing: browsers send it with cross-site requests too)."""
    origin = conn.headers.get("origin")
    if origin is not None:
        return _same_or_loopback_alias(origin_of(origin), public_origin(conn))
    site = conn.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return STAFF_COOKIE not in conn.cookies and KIOSK_COOKIE not in conn.cookies


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _same_or_loopback_alias(origin: str, public: str) -> bool:
    """The public origin; or, when that is on loopback (the demo, a developer's machine), the
    same scheme and port under another loopback name: a newcomer who opens
    ``http://localhost:8000`` instead of ``http://127.0.0.1:8000`` gets working pages. Only a page
    served from this machine has a loopback ``Origin`` (a rebound name keeps its own)."""
    if origin == public:
        return True
    mine, theirs = urlsplit(public), urlsplit(origin)
    try:
        same_port = mine.port == theirs.port
    except ValueError:
        return False
    return (
        same_port
        and mine.scheme == theirs.scheme
        and (mine.hostname or "") in LOOPBACK_HOSTS
        and (theirs.hostname or "") in LOOPBACK_HOSTS
    )


UNKNOWN_HOST = declare(
    "unknown_host", InvalidInput, N_("The server was asked under a name it does not answer to.")
)


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The public URL's host, ``FINESTRETA_ALLOWED_HOSTS`` and the loopback names."""
    hosts = {*LOOPBACK_HOSTS, *(h.strip().lower() for h in settings.allowed_hosts)}
    if settings.public_url:
        hosts.add((urlsplit(settings.public_url).hostname or "").lower())
    return frozenset(hosts)


class HostCheck:
    """Requests and sockets whose ``Host`` is not ours are refused (400) before any route runs:
    pages reached under another name (DNS rebinding) get nothing, and nothing we build from the
    request can carry that name."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = Headers(scope=scope).get("host", "")
            try:
                name = (urlsplit(f"//{host}").hostname or "").lower()
            except ValueError:
                name = ""
            if name not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                error = {"code": UNKNOWN_HOST.code, "message": "Unknown host"}
                answer = JSONResponse({"ok": False, "error": error}, status_code=400)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def require_same_origin(request: Request) -> None:
    if not same_origin(request):
        raise CROSS_SITE("Cross-site request refused")


def require_staff(request: Request) -> Staff:
    staff = staff_of(request)
    if staff is None:
        raise UNAUTHORIZED("Log in first")
    return staff


def require_clerk(request: Request) -> Staff:
    """A clerk or supervisor: someone who answers calls."""
    staff = require_staff(request)
    if staff.role not in CALL_ROLES:
        raise FORBIDDEN("Only clerks and supervisors handle calls")
    return staff


def require_supervisor(request: Request) -> Staff:
    staff = require_staff(request)
    if staff.role not in SUPERVISOR_ROLES:
        raise FORBIDDEN("Only supervisors and admins may see this")
    return staff


def require_booth(request: Request) -> Booth:
    booth = booth_of(request)
    if booth is None:
        raise UNAUTHORIZED("Pair the booth first")
    return booth


def require_agent(request: Request) -> Booth:
    booth = booth_of_agent(request)
    if booth is None:
        raise UNAUTHORIZED("Unknown booth or wrong secret")
    return booth


def require_staff_or_booth(request: Request) -> None:
    if staff_of(request) is None and booth_of(request) is None:
        raise UNAUTHORIZED("Log in or pair the booth first")


def booth_of_agent(conn: HTTPConnection) -> Booth | None:
    """The kiosk agent presents the booth's code and secret: ``Authorization: Kiosk code:secret``."""
    header = conn.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    code, _, secret = credentials.strip().partition(":")
    if scheme.lower() != "kiosk" or not code or not secret or len(header) > 300:
        return None
    ctx = ctx_of(conn)
    with ctx.db.session() as session:
        kiosk = service.kiosk_of_secret(session, code, secret)
        if kiosk is None:
            return None
        return Booth(kiosk.id, kiosk.code, kiosk.name, kiosk.site.name)
