"""The sandbox gateway's card page in Chromium, framed by a merchant page of another origin as
the booth frames it: typed with its own keypad only (the booth's keyboard cannot reach a frame
of another origin), paid with the test card, the signed notification received and verified
by the merchant, the frame sent back to URL OK. And axe finds no WCAG A/AA violation on it,
nor on the supervisor's table of refused notifications."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from finestreta.accounts import service
from finestreta.payments.gateway import Order
from finestreta.payments.sandbox import SandboxGateway
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD, free_socket, uvicorn_on


@dataclass
class Merchant:
    origin: str
    sandbox: str
    notifications: list[dict[str, str]] = field(default_factory=list)

    def order(self, number: str, language: str = "ca") -> Order:
        return Order(
            number=number,
            amount_cents=1734,
            notify_url=f"{self.origin}/notify",
            ok_url=f"{self.origin}/back/ok",
            ko_url=f"{self.origin}/back/ko",
            language=language,  # type: ignore[arg-type]
        )


def merchant_app(merchant: Merchant) -> Starlette:
    gateway = SandboxGateway(merchant.sandbox)

    async def notify(request: Request) -> PlainTextResponse:
        merchant.notifications.append(dict(await request.form()))  # type: ignore[arg-type]
        return PlainTextResponse("OK")

    def booth(request: Request) -> HTMLResponse:
        number = request.path_params["number"]
        return HTMLResponse(
            f'<!doctype html><html lang="ca"><title>Booth</title><main><h1>Booth</h1>'
            f'<iframe id="pay" title="Card payment" src="/pay/{number}" '
            'width="700" height="1000"></iframe></main></html>'
        )

    def pay(request: Request) -> HTMLResponse:
        form = gateway.form(merchant.order(request.path_params["number"]))
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
            for k, v in form.fields.items()
        )
        return HTMLResponse(
            f'<!doctype html><html><body><form id="f" method="post" action="{form.action}">'
            f"{inputs}</form><script>document.getElementById('f').submit()</script></body></html>"
        )

    def back(request: Request) -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><title>back</title><p id='back'>{request.path_params['result']}</p>"
        )

    return Starlette(
        routes=[
            Route("/notify", notify, methods=["POST"]),
            Route("/booth/{number}", booth),
            Route("/pay/{number}", pay),
            Route("/back/{result}", back),
        ]
    )


@pytest.fixture
def merchant(sandbox_gateway: str, sandbox_merchants: list[str]) -> Iterator[Merchant]:
    sock = free_socket()
    host, port = sock.getsockname()
    shop = Merchant(f"http://{host}:{port}", sandbox_gateway)
    sandbox_merchants.append(shop.origin)
    with uvicorn_on(merchant_app(shop), sock):
        yield shop


def test_the_keypad_pays_in_a_frame_of_another_origin(browser: Any, merchant: Merchant) -> None:
    page = browser.new_page()
    page.goto(f"{merchant.origin}/booth/000100000001")
    frame = page.frame_locator("#pay")
    expect(frame.locator("h1")).to_have_text("Pagament amb targeta", timeout=10_000)
    keypad = frame.locator("#keypad")
    for digit in "4548810000000003" + "1239" + "123":
        keypad.locator(f'button[data-key="{digit}"]').click()
    expect(frame.locator("#card")).to_have_value("4548 8100 0000 0003")
    expect(frame.locator("#expiry")).to_have_value("12/39")
    expect(frame.locator("#cvv")).to_have_value("123")
    frame.locator("button.pay").click()
    expect(frame.locator("#back")).to_have_text("ok", timeout=10_000)
    [received] = merchant.notifications
    gateway = SandboxGateway(merchant.sandbox)
    verified = gateway.verify(received, lambda number: merchant.order(number))
    assert verified.authorised and verified.amount_cents == 1734


def test_delete_and_next_field_and_a_declined_card(browser: Any, merchant: Merchant) -> None:
    page = browser.new_page()
    page.goto(f"{merchant.origin}/booth/000100000002")
    frame = page.frame_locator("#pay")
    keypad = frame.locator("#keypad")
    expect(keypad).to_be_visible(timeout=10_000)
    keypad.locator('button[data-key="next"]').click()  # from the card number to the date
    for key in "1239" + "123":  # a full date passes on to the security code
        keypad.locator(f'button[data-key="{key}"]').click()
    frame.locator("#card").click()  # back to the card number
    for key in ["4", "1", "9", "delete", *"11111111111111"]:
        keypad.locator(f'button[data-key="{key}"]').click()
    expect(frame.locator("#card")).to_have_value("4111 1111 1111 1111")
    expect(frame.locator("#expiry")).to_have_value("12/39")
    expect(frame.locator("#cvv")).to_have_value("123")
    frame.locator("button.pay").click()
    expect(frame.locator("#back")).to_have_text("ko", timeout=10_000)
    [received] = merchant.notifications
    verified = SandboxGateway(merchant.sandbox).verify(received, lambda n: merchant.order(n))
    assert not verified.authorised and verified.response == "0190"


def test_the_card_page_passes_axe(browser: Any, merchant: Merchant) -> None:
    page = browser.new_page()
    page.goto(f"{merchant.origin}/pay/000100000003")  # the card page, not framed
    expect(page.locator("#keypad")).to_be_visible(timeout=10_000)
    assert violations(page) == []
    page.locator("button.pay").click()  # nothing typed: the fields to correct, still accessible
    expect(page.locator("#problems")).to_be_visible()
    assert violations(page) == []
    size = page.locator('#keypad button[data-key="5"]').bounding_box()
    assert size is not None and size["height"] >= 44 and size["width"] >= 44


def test_the_supervisor_sees_refused_notifications_in_an_accessible_table(
    browser: Any, server_factory: Any
) -> None:
    server = server_factory()
    database = server.db()
    with database.session() as session:
        service.add_user(
            session, "silvia", PASSWORD, "supervisor", "Sílvia Roca", ["ca"], ["general"]
        )
    database.dispose()
    forged = httpx.post(
        f"{server.url}/api/payments/notifications",
        data={
            "Ds_SignatureVersion": "HMAC_SHA256_V1",
            "Ds_MerchantParameters": "e30",
            "Ds_Signature": "x",
        },
        trust_env=False,
    )
    assert forged.status_code == 422
    page = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", "silvia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server.url}/supervisor/fleet")
    row = page.locator("#refusals-body tr")
    expect(row).to_have_count(1, timeout=10_000)
    expect(row.locator("td").nth(1)).to_have_text("mal formada")
    expect(page.locator("#refusals-empty")).to_be_hidden()
    assert violations(page) == []
