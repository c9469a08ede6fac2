"""The web edges of payments (platform: every procedure that charges uses them).

* ``POST /api/payments/notifications``: the gateway's notification, server to server. Public
  (no cookie, no ``Origin`` check: only the signature counts), ``x-www-form-urlencoded`` only,
  at most 8 KiB (``web/bodies.py``). 200 ``OK`` when it settled, repeated a settlement or
  declined an order; a refusal answers the declared ``payment_*`` code with its kind's status.
  Every refusal is audited, an oversized or malformed body too.
* ``GET /payments/pay/{number}?t=``: the page the booth frames to pay an open order: it posts
  the signed form to the gateway (``form-action`` names the gateway's origin).
* ``GET /payments/return/{ok|ko}?order=&t=``: where the gateway sends the booth's browser
  back. It records the return and says "back at the booth" in the order's language; it proves
  nothing and settles nothing. Both pages may be framed by our own origin only.
* ``GET /api/payments/orders?day=``: the day's orders (a clerk: their own; supervisors and
  admins: all); ``GET /api/payments/refusals``: the latest refused notifications
  (supervisors and admins).
"""

from __future__ import annotations

import ipaddress
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.requests import HTTPConnection
from starlette.types import Scope

from finestreta.errors import FinestretaError, TooLarge
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.errors import (
    NO_SUCH_PAYMENT,
    PAYMENT_MALFORMED,
    PAYMENT_NOT_LOCAL,
    PAYMENT_TOO_LARGE,
    PaymentRefused,
)
from finestreta.payments.orders import PaymentOrder, Returned
from finestreta.web import bodies, csp
from finestreta.web.contract import STAFF, refusals
from finestreta.web.errors import FORBIDDEN, status_of
from finestreta.web.i18n import CITIZEN_LANGUAGES, pick_language, translator
from finestreta.web.security import Staff, client_address, ctx_of, require_staff, require_supervisor

router = APIRouter()

NOTIFICATIONS = bodies.NOTIFICATIONS
MAX_FIELDS = 16
ALL_ORDERS = ("supervisor", "admin")


# ------------------------------------------------------------------ the gateway's notification


def _fields(body: bytes) -> dict[str, str]:
    """The posted form, each field once; ``payment_malformed`` for anything else."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise PAYMENT_MALFORMED("the notification is not a form") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise PAYMENT_MALFORMED("a field of the notification appears twice")
    return fields


def _audit_body_refusal(
    scope: Scope, error: FinestretaError, size: int | None
) -> FinestretaError | None:
    """A notification refused by the body limits is a refused notification: audited, and
    answered with the payment code."""
    conn = HTTPConnection(scope)
    payment_error: FinestretaError = (
        PAYMENT_TOO_LARGE(error.message)
        if isinstance(error, TooLarge)
        else PAYMENT_MALFORMED(error.message)
    )
    ctx_of(conn).payments.record_refusal(payment_error, remote=client_address(conn), size=size)
    return payment_error


bodies.on_refusal(NOTIFICATIONS, _audit_body_refusal)


@router.post(NOTIFICATIONS, include_in_schema=False)
async def notification(request: Request) -> PlainTextResponse:
    desk = ctx_of(request).payments
    remote = client_address(request)
    body = await request.body()
    try:
        _from_sandbox_host(desk, remote)
        fields = _fields(body)
    except PaymentRefused as refusal:
        await run_in_threadpool(
            partial(desk.record_refusal, refusal, remote=remote, size=len(body))
        )
        raise
    await run_in_threadpool(partial(desk.notify, fields, remote=remote))
    return PlainTextResponse("OK")


def _from_sandbox_host(desk: PaymentDesk, remote: str) -> None:
    """With the sandbox gateway (whose key is public), only the networks of
    ``payments_sandbox_notifiers`` (this machine, by default) may notify."""
    if desk.gateway.name != "sandbox":
        return
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        address = None
    networks = desk.settings.payments_sandbox_notifiers
    if address is None or not any(
        address in ipaddress.ip_network(net, strict=False) for net in networks
    ):
        raise PAYMENT_NOT_LOCAL("sandbox notification from another machine")


# ------------------------------------------------------------------ the booth's pages


def _framed_by_us(request: Request, **sources: tuple[str, ...]) -> None:
    csp.extend(request, frame_ancestors=("'self'",), **sources)


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        template,
        {"_": translator(lang), "lang": lang, **context},
        status_code=status,
        headers={"X-Frame-Options": "SAMEORIGIN"},
    )
    csp.private(response)
    return response


def _refused_page(request: Request, error: FinestretaError, lang: str) -> HTMLResponse:
    """An error page the booth's frame can show (the handler's would be DENY-framed)."""
    _ = translator(lang)
    return _page(
        request,
        "error.html",
        lang,
        status=status_of(type(error)),
        code=error.code,
        message=_("This payment link is not valid any more. Follow the booth's screen."),
    )


def _language(order: PaymentOrder | None, request: Request) -> str:
    if order is not None:
        return order.language
    return pick_language([request.headers.get("accept-language")], CITIZEN_LANGUAGES)


@router.get("/payments/pay/{number}", response_class=HTMLResponse, include_in_schema=False)
def pay_page(number: str, request: Request, t: str = "") -> Response:
    desk: PaymentDesk = ctx_of(request).payments
    _framed_by_us(request, form_action=(desk.gateway_origin,))
    order = desk.find(number) if desk.token_holds(number, "pay", t) else None
    lang = _language(order, request)
    try:
        if order is None:
            raise NO_SUCH_PAYMENT("no such payment link")
        form = desk.form(number)
        desk.opened(number)
    except PaymentRefused as refusal:
        return _refused_page(request, refusal, lang)
    return _page(
        request,
        "payments/pay.html",
        lang,
        order=order,
        action=form.action,
        fields=dict(form.fields),
    )


@router.get("/payments/return/{result}", response_class=HTMLResponse, include_in_schema=False)
def return_page(result: str, request: Request, order: str = "", t: str = "") -> Response:
    desk: PaymentDesk = ctx_of(request).payments
    _framed_by_us(request)
    answer: Returned = "ok" if result == "ok" else "ko"
    try:
        if result != answer:
            raise NO_SUCH_PAYMENT("no such payment link")
        back = desk.returned(order[:20], answer, t)
    except PaymentRefused as refusal:
        return _refused_page(request, refusal, _language(None, request))
    return _page(
        request,
        "payments/return.html",
        back.language,
        order=back,
        result=result,
        message={"type": "finestreta:payment-returned", "order": back.number, "result": result},
    )


# ------------------------------------------------------------------ staff


class ItemAnswer(BaseModel):
    reference: str
    label: str
    amount: int  # cents


class OrderAnswer(BaseModel):
    number: str
    owner: str
    state: str
    amount: int  # cents
    items: list[ItemAnswer]
    language: str
    call_id: str | None
    kiosk_id: int | None
    clerk_id: int | None
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    returned: str | None
    settled_at: datetime | None
    response_code: str | None
    authorisation_code: str | None
    refund_due: bool
    posted: bool
    note: str

    @classmethod
    def of(cls, order: PaymentOrder) -> OrderAnswer:
        return cls(
            number=order.number,
            owner=order.owner,
            state=order.state.value,
            amount=order.amount,
            items=[
                ItemAnswer(reference=i.reference, label=i.label, amount=i.amount)
                for i in order.items
            ],
            language=order.language,
            call_id=order.call_id,
            kiosk_id=order.kiosk_id,
            clerk_id=order.clerk_id,
            created_at=order.created_at,
            expires_at=order.expires_at,
            opened_at=order.opened_at,
            returned=order.returned,
            settled_at=order.settled_at,
            response_code=order.response_code,
            authorisation_code=order.authorisation_code,
            refund_due=order.refund_due,
            posted=order.posted_at is not None,
            note=order.note,
        )


class OrdersAnswer(BaseModel):
    ok: bool
    day: date
    items: list[OrderAnswer]


class RefusalAnswer(BaseModel):
    at: datetime
    order: str | None
    code: str | None
    remote: str | None
    size: int | None
    detail: str


class RefusalsAnswer(BaseModel):
    ok: bool
    items: list[RefusalAnswer]


@router.get("/api/payments/orders", responses=refusals(*STAFF, 422))
def day_orders(
    request: Request, staff: Annotated[Staff, Depends(require_staff)], day: date | None = None
) -> OrdersAnswer:
    """The orders made or settled on ``day`` (default: today in the city): a clerk's own, or
    everyone's for supervisors and admins."""
    ctx = ctx_of(request)
    if staff.role not in ("clerk", *ALL_ORDERS):
        raise FORBIDDEN("Only clerks, supervisors and admins see payments")
    when = day or ctx.clock.now(ZoneInfo(ctx.settings.city_timezone)).date()
    clerk = None if staff.role in ALL_ORDERS else staff.id
    orders = ctx.payments.orders_of(clerk, when)
    return OrdersAnswer(ok=True, day=when, items=[OrderAnswer.of(order) for order in orders])


@router.get("/api/payments/refusals", responses=refusals(*STAFF))
def payment_refusals(
    request: Request, staff: Annotated[Staff, Depends(require_supervisor)]
) -> RefusalsAnswer:
    """The latest refused notifications (forged, unknown order, mismatch, malformed, too
    large), newest first."""
    events = ctx_of(request).payments.refusals()
    return RefusalsAnswer(
        ok=True,
        items=[
            RefusalAnswer(
                at=e.at,
                order=e.order_number,
                code=e.code,
                remote=e.remote,
                size=e.size,
                detail=e.detail,
            )
            for e in events
        ],
    )
