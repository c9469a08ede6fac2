"""The sandbox gateway, served: a bank of our own on its own origin that speaks Redsys's
redirect protocol (the rules are in ``payments/sandbox.py``), so the demo and the tests pay
offline. ``finestreta payments sandbox`` runs it; the demo runs it on the next port.

* ``POST /sis/realizarPago``: the three fields the booth posts. Checked as Redsys checks them;
  a request that fails is refused politely (400) and nothing can be paid. Otherwise the card
  page (Catalan, Spanish or English, from ``DS_MERCHANT_CONSUMERLANGUAGE``) with its own
  numeric keypad: the booth is touch-only and its on-screen keyboard cannot type into a frame
  of another origin.
* ``POST /sis/pago``: the card. The test card ``4548810000000003`` is authorised, any other
  declined; the signed notification is POSTed to ``DS_MERCHANT_MERCHANTURL`` first, and only
  then is the browser sent to URL OK or URL KO with the notification's three fields added to
  the address, as Redsys does.
* ``POST /sis/cancelar``: back to URL KO, no notification.

Pages carry a strict policy: own scripts and styles only, ``frame-ancestors`` and
``form-action`` the merchants' origins (``FINESTRETA_PAYMENTS_SANDBOX_MERCHANTS``, else the
public URL's), which are also the only places it notifies and returns to. No cookies: the
pending payment travels in a hidden field (a frame of another origin may not keep cookies).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import jinja2
from babel.numbers import format_currency
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finestreta.clock import SYSTEM_CLOCK, Clock
from finestreta.payments.sandbox import (
    APPROVED,
    PAY_PATH,
    PaymentRequest,
    RequestRefused,
    SandboxGateway,
    card_response,
    read_card,
    read_request,
    return_query,
)
from finestreta.web.i18n import CITIZEN_LANGUAGES, pick_language, translator

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent
MAX_BODY = 16384
PENDING_SECONDS = 1800.0
MAX_PENDING = 1000
NOTIFY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Pending:
    request: PaymentRequest
    since: float


class Bank:
    """The sandbox's memory: payments waiting for a card, and orders already answered (Redsys
    refuses an order number it has seen)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._pending: dict[str, Pending] = {}
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def start(self, request: PaymentRequest) -> str:
        with self._lock:
            if request.order in self._seen:
                raise RequestRefused("order_used")
            now = self.clock.time()
            for key in [k for k, p in self._pending.items() if now - p.since > PENDING_SECONDS]:
                del self._pending[key]
            while len(self._pending) >= MAX_PENDING:
                del self._pending[next(iter(self._pending))]
            session = secrets.token_urlsafe(16)
            self._pending[session] = Pending(request, now)
            return session

    def peek(self, session: str) -> PaymentRequest | None:
        with self._lock:
            pending = self._pending.get(session)
            return pending.request if pending is not None else None

    def finish(self, session: str) -> PaymentRequest | None:
        """The payment of ``session``, once: answered, its order number is used."""
        with self._lock:
            pending = self._pending.pop(session, None)
            if pending is None or pending.request.order in self._seen:
                return None
            self._seen.add(pending.request.order)
            return pending.request


def _policy(merchants: Sequence[str]) -> str:
    theirs = " ".join(merchants)
    framers = theirs or "'none'"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'none'",
            # the card form posts here, and its answer redirects to the merchant's URL OK/KO
            f"form-action 'self' {theirs}".strip(),
            f"frame-ancestors {framers}",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


class _Headers:
    """Every answer of the sandbox: its policy, and nothing kept or sniffed."""

    def __init__(self, app: ASGIApp, merchants: Callable[[], tuple[str, ...]]) -> None:
        self.app = app
        self.merchants = merchants

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", _policy(self.merchants()).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _with_query(url: str, fields: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(fields)


def _amount(cents: int, lang: str) -> str:
    return format_currency(Decimal(cents).scaleb(-2), "EUR", locale=lang)


def create_sandbox_app(
    *,
    origin: str,
    merchants: Sequence[str],
    merchant_name: str = "Finestreta",
    clock: Clock = SYSTEM_CLOCK,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The sandbox gateway at ``origin`` (``http://127.0.0.1:8001``), serving ``merchants``
    (origins), read at every request: a test may add its app's origin once that runs.
    ``transport`` replaces the network for the notifications (tests)."""
    gateway = SandboxGateway(origin)
    bank = Bank(clock)

    def allowed() -> tuple[str, ...]:
        return tuple(m.rstrip("/") for m in merchants)

    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB / "templates"), autoescape=True
    )

    def ours(url: str) -> bool:
        return any(url == m or url.startswith(m + "/") for m in allowed())

    def page(template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(template).render(
            _=translator(lang), lang=lang, merchant_name=merchant_name, **context
        )
        return HTMLResponse(html, status_code=status)

    def refused(reason: str, lang: str, status: int = 400) -> HTMLResponse:
        return page("sandbox/refused.html", lang, status=status, reason=reason)

    async def form_of(request: Request) -> dict[str, str] | None:
        declared = request.headers.get("content-length", "")
        if declared and (not declared.isdigit() or int(declared) > MAX_BODY):
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return None
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return None

    def card_page(
        session: str, payment: PaymentRequest, problems: Sequence[str] = (), expiry: str = ""
    ) -> HTMLResponse:
        lang = payment.language
        return page(
            "sandbox/card.html",
            lang,
            status=422 if problems else 200,
            session=session,
            payment=payment,
            amount=_amount(payment.amount_cents, lang),
            problems=problems,
            expiry=expiry,
        )

    async def start(request: Request) -> Response:
        lang = pick_language([request.headers.get("accept-language")], CITIZEN_LANGUAGES)
        fields = await form_of(request)
        if fields is None:
            return refused("malformed", lang)
        try:
            payment = read_request(fields, gateway)
            if not all(ours(url) for url in (payment.notify_url, payment.ok_url, payment.ko_url)):
                raise RequestRefused("urls")
            session = bank.start(payment)
        except RequestRefused as refusal:
            log.info("sandbox gateway refused a payment request: %s", refusal.reason)
            return refused(refusal.reason, lang)
        return card_page(session, payment)

    async def pay(request: Request) -> Response:
        fields = await form_of(request) or {}
        session = fields.get("session", "")
        payment = bank.peek(session)
        if payment is None:
            return refused("session", "es", status=404)
        card = read_card(fields.get("card", ""), fields.get("expiry", ""), fields.get("cvv", ""))
        if card.problems:
            return card_page(session, payment, card.problems, fields.get("expiry", "")[:5])
        if bank.finish(session) is None:
            return refused("session", payment.language, status=404)
        response_code = card_response(card, clock.now().date())
        authorised = response_code == APPROVED
        notification = gateway.notification(
            payment.order,
            payment.amount_cents,
            response_code,
            when=clock.now(),
            authorisation_code=f"{secrets.randbelow(10**6):06d}" if authorised else "",
        )
        await _notify(payment.notify_url, notification, transport)
        back = payment.ok_url if authorised else payment.ko_url
        return RedirectResponse(_with_query(back, return_query(notification)), status_code=303)

    async def cancel(request: Request) -> Response:
        fields = await form_of(request) or {}
        payment = bank.finish(fields.get("session", ""))
        if payment is None:
            return refused("session", "es", status=404)
        return RedirectResponse(payment.ko_url, status_code=303)

    app = Starlette(
        routes=[
            Route(PAY_PATH, start, methods=["POST"]),
            Route("/sis/pago", pay, methods=["POST"]),
            Route("/sis/cancelar", cancel, methods=["POST"]),
            Mount("/static/sandbox", StaticFiles(directory=WEB / "static" / "sandbox")),
        ]
    )
    app.add_middleware(_Headers, merchants=allowed)
    app.state.bank = bank
    return app


async def _notify(
    url: str, fields: dict[str, str], transport: httpx.AsyncBaseTransport | None
) -> None:
    """POST the notification as Redsys does (a form); the merchant's answer changes nothing
    for the citizen, who is sent back either way."""
    try:
        async with httpx.AsyncClient(
            transport=transport, timeout=NOTIFY_TIMEOUT_S, trust_env=False
        ) as client:
            answer = await client.post(url, data=fields)
        if answer.status_code != 200:
            log.warning("the merchant answered %d to a notification", answer.status_code)
    except httpx.HTTPError as exc:
        log.warning("the notification could not be delivered: %s", type(exc).__name__)


def merchant_origins(public_url: str, configured: Sequence[str]) -> tuple[str, ...]:
    """The sandbox's merchants: the setting, or the public URL's origin."""
    if configured:
        return tuple(configured)
    from finestreta.web.security import origin_of

    return (origin_of(public_url),) if public_url else ()
