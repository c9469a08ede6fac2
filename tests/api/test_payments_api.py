"""The payment edges of the running app: the gateway's notification (public, form only,
capped, every refusal audited), the booth's pay and return pages (framed by our origin only),
and who may see the day's orders and the refused notifications."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from finestreta.context import AppContext
from finestreta.payments.money import Cents
from finestreta.payments.orders import OrderItem, OrderState, PaymentOrder
from finestreta.payments.redsys import encode_parameters
from tests.api.conftest import ORIGIN, BoothBrowser, ClerkBrowser

NOTIFY = "/api/payments/notifications"


@pytest.fixture
def local(app: FastAPI) -> Iterator[TestClient]:
    """A client on this machine (127.0.0.1), like the sandbox gateway beside the app: the
    sandbox's notifications are heard from this machine only."""
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c


def make_order(ctx: AppContext, clerk_id: int | None = None, reference: str = "R1") -> PaymentOrder:
    order, _ = ctx.payments.create(
        owner="shop", items=[OrderItem(reference, "IBI 2026", Cents(1734))], language="es",
        call_id=None, kiosk_id=None, clerk_id=clerk_id,
    )  # fmt: skip
    return order


def notification(
    ctx: AppContext, number: str, amount: int = 1734, response: str = "0000"
) -> dict[str, str]:
    fields: dict[str, str] = ctx.payments.gateway.notification(  # type: ignore[attr-defined]
        number, amount, response
    )
    return fields


# ------------------------------------------------------------------ the notification


def test_a_notification_needs_no_cookie_nor_origin_and_settles_once(
    local: TestClient, ctx: AppContext
) -> None:
    order = make_order(ctx)
    gateway = local  # a server: no cookie, no Origin
    fields = notification(ctx, order.number)
    first = gateway.post(NOTIFY, data=fields)
    assert (first.status_code, first.text) == (200, "OK")
    assert first.headers["content-type"].startswith("text/plain")
    again = gateway.post(NOTIFY, data=fields)  # replayed: answered, not settled again
    assert (again.status_code, again.text) == (200, "OK")
    assert ctx.payments.get(order.number).state is OrderState.PAID
    events = [e.event for e in ctx.payments.events(order.number)]
    assert events.count("paid") == 1 and events.count("repeated") == 1


def _tampered(ctx: AppContext, number: str) -> dict[str, str]:
    fields = notification(ctx, number)
    values = json.loads(base64.b64decode(fields["Ds_MerchantParameters"]))
    values["Ds_Response"] = "0000" if values["Ds_Response"] != "0000" else "0001"
    return {**fields, "Ds_MerchantParameters": encode_parameters(values)}


Make = Callable[[AppContext, str], dict[str, str]]
BAD: dict[str, tuple[Make, int, str]] = {
    "tampered": (lambda ctx, n: _tampered(ctx, n), 401, "payment_forged"),
    "unknown order": (
        lambda ctx, n: notification(ctx, "000100009999"),
        404,
        "payment_unknown_order",
    ),
    "one cent": (lambda ctx, n: notification(ctx, n, 1735), 409, "payment_mismatch"),
    "bad Base64": (
        lambda ctx, n: {**notification(ctx, n), "Ds_MerchantParameters": "e30=!"},
        422,
        "payment_malformed",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_notification_is_refused_and_audited(
    case: str, local: TestClient, ctx: AppContext
) -> None:
    order = make_order(ctx)
    make, status, code = BAD[case]
    answer = local.post(NOTIFY, data=make(ctx, order.number))
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert ctx.payments.get(order.number).state is OrderState.OPEN
    [refusal] = ctx.payments.refusals()
    assert refusal.code == code and refusal.remote == "127.0.0.1"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"Ds_Signature=" + b"A" * 9000, "application/x-www-form-urlencoded", 413),
        (b'{"Ds_Signature": "x"}', "application/json", 422),
        (b"Ds_Signature=a&Ds_Signature=b", "application/x-www-form-urlencoded", 422),
        (b"\xff\xfe=1", "application/x-www-form-urlencoded", 422),
    ],
)
def test_what_is_not_a_notification_is_refused_and_audited_too(
    body: bytes, content_type: str, status: int, local: TestClient, ctx: AppContext
) -> None:
    answer = local.post(NOTIFY, content=body, headers={"content-type": content_type})
    assert answer.status_code == status
    expected = "payment_too_large" if status == 413 else "payment_malformed"
    assert answer.json()["error"]["code"] == expected
    [refusal] = ctx.payments.refusals()
    assert refusal.code == expected and refusal.size == len(body)


# ------------------------------------------------------------------ the booth's pages


def test_the_pay_page_posts_the_form_to_the_gateway_and_records_the_opening(
    client: TestClient, ctx: AppContext
) -> None:
    order = make_order(ctx)
    page = client.get(ctx.payments.links(order.number).pay)
    assert page.status_code == 200
    assert 'action="http://127.0.0.1:8001/sis/realizarPago"' in page.text
    assert page.text.count('type="hidden"') == 3 and 'lang="es"' in page.text
    policy = page.headers["content-security-policy"]
    assert (
        "frame-ancestors 'self'" in policy and "form-action 'self' http://127.0.0.1:8001" in policy
    )
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert ctx.payments.get(order.number).opened_at is not None
    forged = client.get(f"/payments/pay/{order.number}?t=forged")
    assert forged.status_code == 404 and forged.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_return_page_records_and_never_settles(client: TestClient, ctx: AppContext) -> None:
    order = make_order(ctx)
    ko = client.get(ctx.payments.links(order.number).ko.removeprefix("http://testserver"))
    assert ko.status_code == 200 and "El pago no se ha completado" in ko.text
    message = re.search(r'id="payment-returned">([^<]+)<', ko.text)
    assert message and json.loads(message[1]) == {
        "type": "finestreta:payment-returned", "order": order.number, "result": "ko",
    }  # fmt: skip
    ok = client.get(ctx.payments.links(order.number).ok.removeprefix("http://testserver"))
    assert ok.status_code == 200 and "La página de pago con tarjeta ha terminado" in ok.text
    back = ctx.payments.get(order.number)
    assert back.returned == "ok" and back.state is OrderState.OPEN


@pytest.mark.parametrize(
    "path",
    [
        "/payments/return/ok",
        "/payments/return/ok?order=000100000001",
        "/payments/return/ok?order=000100000001&t=forged",
        "/payments/return/maybe?order=000100000001&t=x",
        "/payments/return/ok?order=%00%ff&t=" + "x" * 500,
    ],
)
def test_a_bad_return_link_is_a_404_page(path: str, client: TestClient, ctx: AppContext) -> None:
    make_order(ctx)
    answer = client.get(path)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert ctx.payments.get("000100000001").returned is None


# ------------------------------------------------------------------ who may see


def test_who_may_see_the_refused_notifications(
    client: TestClient, local: TestClient, clerk_browser: ClerkBrowser, ctx: AppContext
) -> None:
    local.post(NOTIFY, data={"Ds_SignatureVersion": "x"})  # one refusal
    assert client.get("/api/payments/refusals").status_code == 401
    clerk, _ = clerk_browser("anna")
    assert clerk.get("/api/payments/refusals").status_code == 403
    for role in ("supervisor", "admin"):
        boss, _ = clerk_browser(f"boss_{role}", role)
        answer = boss.get("/api/payments/refusals")
        assert answer.status_code == 200
        [item] = answer.json()["items"]
        assert item["code"] == "payment_malformed" and item["remote"] == "127.0.0.1"


def test_who_may_see_the_days_orders(
    client: TestClient, clerk_browser: ClerkBrowser, ctx: AppContext
) -> None:
    anna, anna_id = clerk_browser("anna")
    jordi, jordi_id = clerk_browser("jordi")
    silvia, _ = clerk_browser("silvia", "supervisor")
    annas = make_order(ctx, anna_id, "R1")
    jordis = make_order(ctx, jordi_id, "R2")
    assert client.get("/api/payments/orders").status_code == 401

    def numbers(browser: TestClient, query: str = "") -> list[str]:
        answer = browser.get(f"/api/payments/orders{query}")
        assert answer.status_code == 200, answer.text
        return [item["number"] for item in answer.json()["items"]]

    assert numbers(anna) == [annas.number]
    assert numbers(jordi) == [jordis.number]
    assert numbers(silvia) == [annas.number, jordis.number]
    assert numbers(silvia, "?day=2001-01-01") == []
    today = ctx.clock.now().date().isoformat()
    [item] = anna.get(f"/api/payments/orders?day={today}").json()["items"]
    assert item["amount"] == 1734 and item["items"][0]["reference"] == "R1"
    assert item["state"] == "open" and item["posted"] is False
    assert anna.get("/api/payments/orders?day=yesterday").status_code == 422
    assert date.fromisoformat(anna.get("/api/payments/orders").json()["day"])


def test_the_supervisor_page_has_the_refusals_table(clerk_browser: ClerkBrowser) -> None:
    silvia, _ = clerk_browser("silvia", "supervisor")
    page = silvia.get("/supervisor/fleet", headers=ORIGIN)
    assert page.status_code == 200
    assert 'id="refusals-table"' in page.text and "<caption" in page.text
    assert "Notificacions de pagament rebutjades" in page.text


def test_the_booth_frames_the_payment_pages_when_a_procedure_takes_payments(
    booth_browser: BoothBrowser, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    sants, _ = booth_browser("sants")

    def frame_src() -> list[str]:
        header = sants.get("/kiosk").headers["content-security-policy"]
        return next(
            part.split()[1:] for part in header.split(";") if part.split()[0] == "frame-src"
        )

    assert frame_src() == ["blob:", "'self'", "http://127.0.0.1:8001"]  # taxes charges
    monkeypatch.setattr(type(ctx.procedures["taxes"]), "takes_payments", False)
    assert frame_src() == ["blob:"]  # no procedure charges: nothing more


def test_a_sandbox_notification_from_another_machine_is_refused_and_audited(
    client: TestClient, local: TestClient, ctx: AppContext
) -> None:
    """The sandbox signs with Redsys's public test key: anyone could sign a notification, so
    only this machine's sandbox is heard."""
    order = make_order(ctx)
    answer = client.post(NOTIFY, data=notification(ctx, order.number))  # from "testclient"
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "payment_not_local"
    assert ctx.payments.get(order.number).state is OrderState.OPEN
    [refusal] = ctx.payments.refusals()
    assert (refusal.code, refusal.remote) == ("payment_not_local", "testclient")
    object.__setattr__(ctx.settings, "payments_sandbox_notifiers", ("192.0.2.0/24",))
    assert local.post(NOTIFY, data=notification(ctx, order.number)).status_code == 401
    object.__setattr__(ctx.settings, "payments_sandbox_notifiers", ("127.0.0.0/8",))
    assert local.post(NOTIFY, data=notification(ctx, order.number)).status_code == 200
    assert ctx.payments.get(order.number).state is OrderState.PAID


def test_fifty_identical_notifications_over_http_at_once_settle_once(
    app: FastAPI, ctx: AppContext
) -> None:
    """The gateway's retries and a relay's duplicates, all at the same moment, through a real
    uvicorn: every one is answered OK, one settles."""
    import threading

    import httpx

    from tests.api.conftest import served

    order = make_order(ctx)
    fields = notification(ctx, order.number)
    answers: list[int] = []
    start = threading.Barrier(50)
    with served(app) as address:

        def send() -> None:
            with httpx.Client(base_url=f"http://{address}", timeout=30) as http:
                start.wait()
                answers.append(http.post(NOTIFY, data=fields).status_code)

        threads = [threading.Thread(target=send) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [200] * 50
    assert ctx.payments.get(order.number).state is OrderState.PAID
    events = [e.event for e in ctx.payments.events(order.number)]
    assert events.count("paid") == 1 and events.count("repeated") == 49
