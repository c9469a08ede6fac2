"""Who is asking: staff sessions and paired booths, read from cookies; same-origin checks; and
the dependencies that refuse everyone else (``require_clerk``, ``require_staff_role``,
``require_booth``, ``require_agent``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.responses import Response

from finestreta.accounts import service
from finestreta.context import AppContext
from finestreta.web.errors import CROSS_SITE, FORBIDDEN, UNAUTHORIZED

STAFF_COOKIE = "fs_staff"
KIOSK_COOKIE = "fs_kiosk"
CALL_ROLES = ("clerk", "supervisor")


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


def same_origin(conn: HTTPConnection) -> bool:
    """Cross-site POSTs and WebSocket handshakes are refused (cookies alone prove nothing)."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser request made on a page's behalf
    host = conn.headers.get("host", "")
    return urlsplit(origin).netloc == host


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
    if staff.role not in ("supervisor", "admin"):
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
