"""Issue 10 end to end in Debian's Chromium, in a live call: the clerk identifies the taxpayer
and sees her receipts, the citizen pays two of them by card on the booth through the sandbox
gateway (on an origin of its own, framed beside the call: the call stays up), the booth shows
the result, the gateway's notification settles the order, the sealed payment receipt is printed
at the booth through the kiosk agent, and a payment certificate is issued, printed and valid at
/verify. Then a card the gateway refuses: nothing is settled."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.documents.issued import IssuedDocument
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import init_seal
from finestreta.payments.records import PaymentOrderRow
from finestreta.procedures.taxes import synthetic
from finestreta.procedures.taxes.importer import import_csv
from finestreta.procedures.taxes.records import ReceiptRow, TaxLookupRow, TaxpayerRow
from tests.browser.calls import booth_request, go_available, wait_connected
from tests.browser.conftest import make_server, open_console, pair_booth
from tests.browser.test_accessibility import violations
from tests.devices import conftest as devices
from tests.devices.rig import Agent, write_agent_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

printer = devices.printer
sane_config = devices.sane_config

WAIT = 30_000  # ms: a print's round trip server -> agent -> printer -> server on a loaded machine
SEAL_PASSWORD = "seal password"
MARTA, JOAN = "11111111H", "33333333P"


@pytest.fixture
def office(
    tmp_path: Path,
    printer: Any,
    sane_config: Any,
    sandbox_gateway: str,
    sandbox_merchants: list[str],
) -> Any:
    """Server (a seal, the demo tax register) paying through the sandbox gateway on its own
    origin, and the booth's agent and printer."""
    eve = printer()
    seal = tmp_path / "seal.p12"
    init_seal(seal, SEAL_PASSWORD, "Barcelona")
    server = make_server(
        tmp_path,
        {
            "FINESTRETA_SEAL_PKCS12": str(seal),
            "FINESTRETA_SEAL_PASSWORD": SEAL_PASSWORD,
            "FINESTRETA_HEALTH_INTERVAL_SECONDS": "5",
            "FINESTRETA_PAYMENTS_GATEWAY": "sandbox",
            "FINESTRETA_PAYMENTS_SANDBOX_URL": sandbox_gateway,
        },
    )
    sandbox_merchants.append(server.url)  # the sandbox serves this merchant only
    today = datetime.now(ZoneInfo("Europe/Madrid")).date()
    register = tmp_path / "rebuts.csv"
    synthetic.write_csv(register, today=today)
    with server.db().session() as session:
        assert import_csv(session, register, today=today).ok
    server.start()
    config = write_agent_config(
        tmp_path / "agent.toml", server, eve.uri, sane_config(), tmp_path / "agent-spool"
    )
    agent = Agent(config, tmp_path / "agent.log")
    agent.start()
    try:
        yield server, eve, today
    finally:
        agent.stop()
        server.stop()
        print(f"--- agent log ---\n{agent.output()[-3000:]}")
        print(f"--- server log ---\n{server.log()[-6000:]}")


def still_connected(page: Any) -> bool:
    state: bool = page.evaluate(
        "() => { const s = window.finestreta && window.finestreta.session;"
        " return !!(s && s.pc && s.pc.connectionState === 'connected'); }"
    )
    return state


def frames_decoded(page: Any) -> int:
    count: int = page.evaluate(
        """async () => {
          const pc = window.finestreta.session.pc;
          let frames = 0;
          (await pc.getStats()).forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
          });
          return frames;
        }"""
    )
    return count


def printed_files(eve: Any, count: int) -> list[Path]:
    """The printer's files once it has printed ``count`` (a print takes a few seconds)."""
    deadline = time.monotonic() + WAIT / 1000
    while len(printed := eve.printed()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(printed) == count, printed
    return list(printed)


def type_card(frame: Any, digits: str) -> None:
    keypad = frame.locator("#keypad")
    expect(keypad).to_be_visible(timeout=15_000)
    for digit in digits:
        keypad.locator(f'button[data-key="{digit}"]').click()


def identify(console: Any, number: str) -> None:
    console.fill("#taxes-id-number", number)
    console.click("#taxes-identify-button")
    expect(console.locator("#taxes-receipts")).to_be_visible(timeout=10_000)
    expect(console.locator("#taxes-who")).to_contain_text(number)


def test_two_receipts_paid_by_card_at_the_booth_during_the_call(browser: Any, office: Any) -> None:
    server, eve, today = office
    console = open_console(browser, server, "jordi")  # serves taxes
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="taxes")
    console.click("#accept-call", timeout=20_000)
    wait_connected(console)
    wait_connected(booth)
    expect(console.locator("#printer-status")).to_have_attribute("data-ok", "true", timeout=WAIT)

    # -- identify: the clerk sees Marta's receipts, two of them payable by card today ---------
    identify(console, MARTA)
    payable = console.locator("#taxes-rows input[type=checkbox]:not([disabled])")
    expect(payable).to_have_count(2)
    for index in range(2):
        payable.nth(index).check()
    expect(console.locator("#taxes-total")).to_contain_text("555,28")  # 456,78 € + 98,50 €
    assert violations(console) == []

    # -- pay: the card page opens beside the call, in the citizen's language ----------------
    console.click("#taxes-pay")
    pane = booth.locator("#taxes-pay")
    expect(pane).to_be_visible(timeout=10_000)
    expect(booth.locator("#taxes-pay-amount")).to_contain_text("555,28")
    expect(booth.locator("#taxes-pay-items li")).to_have_count(2)
    card = booth.frame_locator("#taxes-pay-frame")
    expect(card.locator("h1")).to_have_text("Pago con tarjeta", timeout=15_000)
    expect(console.locator("#taxes-payment-state")).to_have_attribute(
        "data-state", "opened", timeout=10_000
    )
    type_card(card, "4548810000000003" + "1239" + "123")
    card.locator("button.pay").click()

    # -- the booth says so once the bank's notification settled it; the call never dropped ----
    expect(pane).to_have_attribute("data-state", "paid", timeout=20_000)
    expect(booth.locator("#taxes-pay-result-text")).to_contain_text("Pago realizado")
    expect(console.locator("#taxes-payment-state")).to_have_attribute("data-state", "paid")
    assert still_connected(booth) and still_connected(console)
    before = frames_decoded(console)
    console.wait_for_timeout(1500)
    assert frames_decoded(console) > before, "the clerk still sees the citizen"
    assert frames_decoded(booth) > 0

    # -- the sealed payment receipt was printed at the booth, byte for byte ------------------
    expect(console.locator("#job-status")).to_have_attribute("data-state", "done", timeout=WAIT)
    with server.db().session() as session:
        order = session.scalars(select(PaymentOrderRow)).one()
        assert (order.state, order.amount) == ("paid", 55528)
        paid = session.scalars(
            select(ReceiptRow).where(ReceiptRow.payment_reference == order.number)
        ).all()
        assert len(paid) == 2 and {r.state for r in paid} == {"paid"}
        issued = session.scalars(
            select(IssuedDocument).where(IssuedDocument.kind == "payment_receipt")
        ).one()
        receipt = session.get(DocumentRow, issued.document_id)
        assert receipt is not None
        audited = session.scalars(select(TaxLookupRow.call_id)).all()
        assert audited and all(audited)
    printed = eve.printed()
    assert len(printed) == 1
    assert hashlib.sha256(printed[0].read_bytes()).hexdigest() == receipt.sha256
    booth.click("#taxes-pay-close")
    expect(pane).to_be_hidden()

    # -- the payment certificate of this year's IBI: issued, printed, valid at /verify ---------
    expect(console.locator("#taxes-rows tr[data-state=paid]")).to_have_count(3, timeout=10_000)
    console.select_option("#taxes-cert-tax", "ibi")
    console.fill("#taxes-cert-year", str(today.year))
    console.click("#taxes-cert-payment")
    expect(console.locator("#taxes-issued")).to_be_visible(timeout=WAIT)
    code = re.search(r"[0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6}", console.inner_text("#taxes-issued"))
    assert code
    console.click("#taxes-issued-print")
    printed = printed_files(eve, 2)
    with server.db().session() as session:
        issued = session.scalars(
            select(IssuedDocument).where(IssuedDocument.kind == "payment_certificate")
        ).one()
        certificate = session.get(DocumentRow, issued.document_id)
        assert certificate is not None
    assert hashlib.sha256(printed[1].read_bytes()).hexdigest() == certificate.sha256
    visitor = browser.new_context().new_page()
    visitor.goto(f"{server.url}/verify?lang=es")
    visitor.fill("#code", code.group(0))
    visitor.press("#code", "Enter")
    expect(visitor.locator(".verdict")).to_have_class(re.compile("verdict-valid"))
    expect(visitor.locator("dd.fingerprint")).to_have_text(certificate.sha256)

    # -- a card the gateway refuses: the booth says so, nothing is settled --------------------
    identify(console, JOAN)
    console.locator("#taxes-rows input[type=checkbox]:not([disabled])").first.check()
    console.click("#taxes-pay")
    card = booth.frame_locator("#taxes-pay-frame")
    type_card(card, "4111111111111111" + "1239" + "123")
    card.locator("button.pay").click()
    expect(pane).to_have_attribute("data-state", "declined", timeout=20_000)
    expect(booth.locator("#taxes-pay-result-text")).to_contain_text("No se ha cobrado nada")
    expect(console.locator("#taxes-payment-state")).to_have_attribute("data-state", "declined")
    with server.db().session() as session:
        states = session.scalars(select(PaymentOrderRow.state)).all()
        assert sorted(states) == ["declined", "paid"]
        joan = session.scalars(
            select(ReceiptRow.state).join(TaxpayerRow).where(TaxpayerRow.nif == JOAN)
        ).all()
        assert joan and "paid" not in joan
    assert len(eve.printed()) == 2  # no receipt for a refused card
    assert still_connected(booth) and still_connected(console)
    assert violations(booth) == []
