"""The sandbox gateway: its rules (pure), then end to end over real HTTP, on an origin of its
own, with the real app as the merchant: the booth's form → the card page → the signed
notification to the app, which settles → the browser back to URL OK or KO."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from finestreta.app import create_app
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.gateway import Order, PaymentForm
from finestreta.payments.orders import OrderState, PaymentOrder
from finestreta.payments.redsys import encode_parameters
from finestreta.payments.sandbox import (
    APPROVED,
    DECLINED,
    EXPIRED_CARD,
    TEST_CARD,
    RequestRefused,
    SandboxGateway,
    card_response,
    read_card,
    read_request,
)
from tests.conftest import free_socket, uvicorn_on
from tests.payments.conftest import items

MERCHANT = "http://shop.test"


def order_form(gateway: SandboxGateway, **changes: Any) -> dict[str, str]:
    order = Order(
        number="000100000001",
        amount_cents=1734,
        notify_url=f"{MERCHANT}/api/payments/notifications",
        ok_url=f"{MERCHANT}/payments/return/ok?order=000100000001&t=x",
        ko_url=f"{MERCHANT}/payments/return/ko?order=000100000001&t=x",
        language="es",
    )
    return dict(gateway.form(order).fields) | changes


# ------------------------------------------------------------------ the rules


def test_a_merchants_request_is_read_as_redsys_reads_it() -> None:
    gateway = SandboxGateway("http://127.0.0.1:8001")
    request = read_request(order_form(gateway), gateway)
    assert (request.order, request.amount_cents, request.language) == ("000100000001", 1734, "es")
    assert request.notify_url == f"{MERCHANT}/api/payments/notifications"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Ds_SignatureVersion": "HMAC_SHA512_V2"}, "signature_version"),
        ({"Ds_Signature": "AAAA"}, "signature"),
        ({"Ds_Signature": "%%%"}, "signature"),
        ({"Ds_MerchantParameters": "not base64!"}, "malformed"),
        ({"Ds_MerchantParameters": ""}, "malformed"),
    ],
)
def test_a_request_that_does_not_verify_is_refused(change: dict[str, str], reason: str) -> None:
    gateway = SandboxGateway("http://127.0.0.1:8001")
    with pytest.raises(RequestRefused) as refused:
        read_request(order_form(gateway, **change), gateway)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("DS_MERCHANT_MERCHANTCODE", "123456789", "merchant"),
        ("DS_MERCHANT_TERMINAL", "2", "merchant"),
        ("DS_MERCHANT_AMOUNT", "0", "amount"),
        ("DS_MERCHANT_CURRENCY", "840", "currency"),
        ("DS_MERCHANT_TRANSACTIONTYPE", "3", "transaction_type"),
        ("DS_MERCHANT_URLOK", "javascript:alert(1)", "urls"),
    ],
)
def test_a_signed_request_the_bank_does_not_take_is_refused(
    field: str, value: str, reason: str
) -> None:
    """Signed with the test key, so only the rule can refuse it."""
    gateway = SandboxGateway("http://127.0.0.1:8001")
    values = gateway.parameters(
        Order("000100000001", 100, f"{MERCHANT}/n", f"{MERCHANT}/ok", f"{MERCHANT}/ko")
    )
    values[field] = value
    parameters = encode_parameters(values)
    import base64

    from finestreta.payments.redsys import sign

    key = base64.b64decode(gateway.settings.key.get_secret_value())
    fields = {
        "Ds_SignatureVersion": "HMAC_SHA256_V1",
        "Ds_MerchantParameters": parameters,
        "Ds_Signature": base64.b64encode(sign(key, "000100000001", parameters)).decode(),
    }
    with pytest.raises(RequestRefused) as refused:
        read_request(fields, gateway)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("card", "expiry", "cvv", "answer"),
    [
        ("4548 8100 0000 0003", "12/26", "123", APPROVED),
        ("4548810000000003", "1299", "999", APPROVED),
        ("4548 8100 0000 0003", "11/26", "123", EXPIRED_CARD),
        ("4111 1111 1111 1111", "12/30", "123", DECLINED),
    ],
)
def test_the_bank_answers_the_test_card_only(card: str, expiry: str, cvv: str, answer: str) -> None:
    assert card_response(read_card(card, expiry, cvv), date(2026, 12, 7)) == answer


def test_what_is_not_a_card_is_sent_back_to_be_corrected() -> None:
    assert read_card("4548", "13/30", "12").problems == ("card", "expiry", "cvv")
    assert read_card(TEST_CARD, "12/30", "123").problems == ()


# ------------------------------------------------------------------ over HTTP


@dataclass
class Shop:
    """The real app as the merchant, served on its own origin, paying through the sandbox."""

    origin: str
    desk: PaymentDesk
    sandbox: str

    def order(self, language: str = "ca", amount: int = 1734) -> tuple[PaymentOrder, PaymentForm]:
        return self.desk.create(
            owner="shop", items=items(amount), language=language,  # type: ignore[arg-type]
            call_id=None, kiosk_id=1, clerk_id=1,
        )  # fmt: skip


@pytest.fixture
def shop(
    database_url: str, db: Database, sandbox_gateway: str, sandbox_merchants: list[str]
) -> Iterator[Shop]:
    sock = free_socket()
    host, port = sock.getsockname()
    origin = f"http://{host}:{port}"
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        public_url=origin,
        payments_sandbox_url=sandbox_gateway,
    )
    app = create_app(settings, build_context(settings, db))
    sandbox_merchants.append(origin)
    with uvicorn_on(app, sock):
        yield Shop(origin, app.state.ctx.payments, sandbox_gateway)


def session_of(page: str) -> str:
    found = re.search(r'name="session" value="([^"]+)"', page)
    assert found, page
    return found[1]


def pay(shop: Shop, form: PaymentForm, card: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10) as browser:
        page = browser.post(form.action, data=dict(form.fields))
        assert page.status_code == 200, page.text
        return browser.post(
            f"{shop.sandbox}/sis/pago",
            data={"session": session_of(page.text), "card": card, "expiry": "12/39", "cvv": "123"},
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_test_card_pays_and_the_notification_settles_before_the_booth_returns(
    shop: Shop,
) -> None:
    order, form = shop.order()
    assert form.action == f"{shop.sandbox}/sis/realizarPago"
    answer = pay(shop, form, "4548 8100 0000 0003")
    assert answer.status_code == 303
    back = answer.headers["location"]
    assert back.startswith(f"{shop.origin}/payments/return/ok?order={order.number}&t=")
    assert "&Ds_SignatureVersion=HMAC_SHA256_V1&Ds_MerchantParameters=" in back
    # the app verified the signed notification and settled before the browser came back
    paid = shop.desk.get(order.number)
    assert paid.state is OrderState.PAID and paid.response_code == "0000"
    assert re.fullmatch(r"[0-9]{6}", paid.authorisation_code or "")
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(back)
    assert page.status_code == 200 and "De tornada a la cabina" in page.text
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert shop.desk.get(order.number).returned == "ok"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_another_card_is_declined_and_nothing_is_settled(shop: Shop) -> None:
    order, form = shop.order(language="es")
    answer = pay(shop, form, "4111 1111 1111 1111")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{shop.origin}/payments/return/ko?")
    declined = shop.desk.get(order.number)
    assert declined.state is OrderState.DECLINED and declined.response_code == "0190"
    assert declined.settled_at is not None and shop.desk.refusals() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_card_page_in_three_languages_with_its_policy(shop: Shop) -> None:
    expected = {
        "ca": ("Pagament amb targeta", "17,34\xa0€", "Teclat numèric"),
        "es": ("Pago con tarjeta", "17,34\xa0€", "Teclado numérico"),
        "en": ("Card payment", "€17.34", "Numeric keypad"),
    }
    with httpx.Client(trust_env=False, timeout=10) as browser:
        for language, (title, amount, keypad) in expected.items():
            order, form = shop.order(language=language)
            page = browser.post(form.action, data=dict(form.fields))
            assert page.status_code == 200
            assert f'<html lang="{language}">' in page.text
            assert f"<h1>{title}</h1>" in page.text and amount in page.text
            assert keypad in page.text and order.number in page.text
            assert len(re.findall(r'<button type="button" data-key="[0-9]"', page.text)) == 10
            policy = page.headers["content-security-policy"]
            assert f"frame-ancestors {shop.origin}" in policy
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy
            assert "<script>" not in page.text and "style=" not in page.text
            shop.desk.cancel(order.number, by="test")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cancel_goes_back_without_a_notification(shop: Shop) -> None:
    order, form = shop.order()
    with httpx.Client(trust_env=False, timeout=10) as browser:
        page = browser.post(form.action, data=dict(form.fields))
        answer = browser.post(
            f"{shop.sandbox}/sis/cancelar", data={"session": session_of(page.text)}
        )
        assert answer.status_code == 303
        assert answer.headers["location"].startswith(f"{shop.origin}/payments/return/ko?")
        # the same order cannot be paid again at the bank: Redsys refuses a number it has seen
        again = browser.post(form.action, data=dict(form.fields))
    assert again.status_code == 400 and 'data-reason="order_used"' in again.text
    assert shop.desk.get(order.number).state is OrderState.OPEN
    assert [e.event for e in shop.desk.events(order.number)] == ["created"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_mistyped_cards_and_forged_requests(shop: Shop, sandbox_merchants: list[str]) -> None:
    order, form = shop.order()
    with httpx.Client(trust_env=False, timeout=10) as browser:
        page = browser.post(form.action, data=dict(form.fields))
        wrong = browser.post(
            f"{shop.sandbox}/sis/pago",
            data={"session": session_of(page.text), "card": "4548", "expiry": "1", "cvv": ""},
        )
        assert wrong.status_code == 422 and 'role="alert"' in wrong.text
        assert wrong.text.count('aria-invalid="true"') == 3
        forged = browser.post(form.action, data={**form.fields, "Ds_Signature": "A" * 44})
        assert forged.status_code == 400 and 'data-reason="signature"' in forged.text
        sandbox_merchants.remove(shop.origin)  # a shop the sandbox does not serve
        stranger = browser.post(form.action, data=dict(form.fields))
        assert stranger.status_code == 400 and 'data-reason="urls"' in stranger.text
        assert "frame-ancestors 'none'" in stranger.headers["content-security-policy"]
    assert shop.desk.get(order.number).state is OrderState.OPEN
