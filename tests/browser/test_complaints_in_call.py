"""Issue 11's complaints end to end in Debian's Chromium: in a live call the clerk scans the
citizen's photo at the booth (SANE's test backend through the kiosk agent), files a complaint
with it (an address of the street register, the scan attached): the case and its incoming
registry entry are made, the receipt with the case code is printed at the booth (CUPS's
ippeveprinter) and the booth shows the code. A case handler logs into /cases, works the case
and answers it: the answer arrives at a real SMTP server (aiosmtpd on loopback) in the
citizen's language, and the public tracking page shows it, and nothing personal."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.accounts import service
from finestreta.accounts.service import ROLES
from finestreta.documents.records import DocumentRow
from finestreta.procedures.complaints.records import CaseRow
from finestreta.registry.records import RegistryEntry
from finestreta.signatures.records import SignatureRequestRow
from finestreta.streets.synthetic import seed_demo
from tests.browser.calls import booth_request, go_available, wait_connected
from tests.browser.conftest import make_server, open_console, pair_booth
from tests.browser.test_accessibility import violations
from tests.browser.test_devices_in_call import choose_scan, latest_job
from tests.browser.test_signature_pad import line, touch_stroke
from tests.conftest import PASSWORD
from tests.devices import conftest as devices
from tests.devices.rig import Agent, write_agent_config
from tests.procedures.complaints import smtp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

printer = devices.printer
sane_config = devices.sane_config
inbox = smtp.inbox

WAIT = 30_000  # ms
DESCRIPTION = "Els contenidors davant de l'escola fa una setmana que no es buiden."
ANSWER = "Hemos vaciado los contenedores y reforzado la recogida en la calle."
EMAIL = "nuria.puig@example.cat"


@pytest.fixture
def office(tmp_path: Path, printer: Any, sane_config: Any, inbox: smtp.Inbox) -> Any:
    """Server (the demo streets, a clerk for complaints, a case handler, mail through the
    loopback SMTP server), and the booth's agent, printer and scanner."""
    eve = printer()
    server = make_server(
        tmp_path,
        {
            "FINESTRETA_HEALTH_INTERVAL_SECONDS": "5",
            "FINESTRETA_SMTP_HOST": inbox.host,
            "FINESTRETA_SMTP_PORT": str(inbox.port),
            "FINESTRETA_SMTP_STARTTLS": "false",
            "FINESTRETA_MAIL_FROM": smtp.SENDER,
            "FINESTRETA_COMPLAINTS_HANDLER_UNITS": "rosa:*",
            "FINESTRETA_SIGNATURE_KEY": "a browser-test signature key, 32+ characters long",
        },
    )
    with server.db().session() as session:
        seed_demo(session)
        service.add_user(
            session, "laia", PASSWORD, "clerk", "Laia Roca", ["ca", "es"], ["complaints"]
        )
        service.add_user(
            session,
            "rosa",
            PASSWORD,
            "case-handler",
            "Rosa Puig",
            ["ca", "es"],
            [],
            known_roles=(*ROLES, "case-handler"),
        )
    server.start()
    config = write_agent_config(
        tmp_path / "agent.toml", server, eve.uri, sane_config(), tmp_path / "agent-spool"
    )
    agent = Agent(config, tmp_path / "agent.log")
    agent.start()
    try:
        yield server, eve
    finally:
        agent.stop()
        server.stop()
        print(f"--- agent log ---\n{agent.output()[-3000:]}")
        print(f"--- server log ---\n{server.log()[-6000:]}")


def printed_files(eve: Any, count: int) -> list[Path]:
    deadline = time.monotonic() + WAIT / 1000
    while len(printed := eve.printed()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(printed) == count, printed
    return list(printed)


def login(browser: Any, server: Any, username: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_a_complaint_with_a_scan_is_filed_answered_by_mail_and_tracked(
    browser: Any, office: Any, inbox: smtp.Inbox
) -> None:
    server, eve = office
    console = open_console(browser, server, "laia")
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="complaints")
    console.click("#accept-call", timeout=20_000)
    wait_connected(console)
    wait_connected(booth)
    expect(console.locator("#printer-status")).to_have_attribute("data-ok", "true", timeout=WAIT)
    expect(console.locator("#scanner-status")).to_have_attribute("data-ok", "true", timeout=WAIT)

    # -- the citizen's photo, scanned at the booth --------------------------------------------
    choose_scan(console, "flatbed")
    console.click("#scan-button")
    expect(booth.locator("#scan-ready")).to_be_visible(timeout=WAIT)
    booth.click("#scan-ready")
    expect(console.locator("#job-status")).to_have_attribute("data-state", "done", timeout=WAIT)
    scan = latest_job(server, "scan")
    assert scan.result_document_id

    # -- the complaints panel ---------------------------------------------------------------
    panel = console.locator("#complaints-panel")
    expect(panel).to_be_visible()
    console.select_option("#complaints-type", "complaint")
    # a complaint cannot be anonymous: the panel says so
    expect(console.locator("#complaints-anonymous")).to_be_disabled()
    expect(console.locator("#complaints-anonymous-note")).not_to_be_empty()
    console.select_option("#complaints-theme", "street_cleaning")
    console.locator("#complaints-street").press_sequentially("mallorca", delay=30)
    option = console.locator("#complaints-streets li[data-code=D001]")
    expect(option).to_be_visible(timeout=10_000)
    console.press("#complaints-street", "ArrowDown")  # the keyboard, as a clerk may
    expect(option).to_have_attribute("aria-selected", "true")
    console.press("#complaints-street", "Enter")
    expect(console.locator("#complaints-street")).to_have_value("Carrer de Mallorca")
    console.fill("#complaints-number", "401")
    console.locator("#complaints-number").dispatch_event("change")
    expect(console.locator("#complaints-address-check")).to_contain_text("✔", timeout=10_000)
    console.fill("#complaints-description", DESCRIPTION)
    expect(console.locator("#complaints-count")).to_contain_text(str(len(DESCRIPTION)))
    console.click("#complaints-scans-refresh")
    attach = console.locator(f'.complaints-scan[value="{scan.result_document_id}"]')
    expect(attach).to_be_visible(timeout=10_000)
    attach.check()
    console.fill("#complaints-name", "Núria Puig")
    console.fill("#complaints-email", EMAIL)
    expect(console.locator("#complaints-lang")).to_have_value("es")  # the call's language
    assert violations(console) == []
    console.click("#complaints-file")

    # -- the citizen signs the complaint form on the booth's pad (real touch events) -----------
    expect(booth.locator("#signature")).to_be_visible(timeout=WAIT)
    expect(console.locator("#complaints-sign-status")).to_have_attribute("data-state", "waiting")
    expect(booth.locator("#signature-signer")).to_contain_text("Núria Puig")
    form_sha = booth.locator("#signature-hash").inner_text().replace(" ", "")
    cdp = booth.context.new_cdp_session(booth)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    touch_stroke(cdp, line(booth, 0.2, 0.7, 0.5))
    booth.click("#signature-sign")
    expect(console.locator("#complaints-sign-status")).to_have_attribute(
        "data-state", "signed", timeout=WAIT
    )
    code_box = console.locator("#complaints-code")
    expect(code_box).to_be_visible(timeout=WAIT)
    code = code_box.inner_text().strip()
    assert len(code) == 20

    # -- the booth shows the code; the receipt is printed there -------------------------------
    pane = booth.locator("#complaints-filed-pane")
    expect(pane).to_be_visible(timeout=10_000)
    expect(booth.locator("#complaints-filed-code")).to_have_text(code)
    expect(booth.locator("#complaints-filed-url")).to_have_text(f"{server.url}/track/{code}")
    expect(booth.locator("#complaints-filed-kicker")).to_have_text("Su caso se ha registrado")
    assert violations(booth) == []
    printed = printed_files(eve, 2)  # the signed copy of the form, and the receipt
    with server.db().session() as session:
        case = session.scalars(select(CaseRow)).one()
        entry = session.scalars(select(RegistryEntry)).one()
        scanned = session.get(DocumentRow, scan.result_document_id)
        receipt = session.scalars(select(DocumentRow).where(DocumentRow.kind == "receipt")).one()
        copy = session.scalars(
            select(DocumentRow).where(DocumentRow.kind == "complaint_signed")
        ).one()
        assert scanned is not None
        assert case.registry_code == entry.code and entry.direction == "in"
        # the signed copy, the form shown (the hash the signature sealed) and the scan
        assert [d["sha256"] for d in entry.documents] == [copy.sha256, form_sha, scanned.sha256]
        signature = session.scalars(select(SignatureRequestRow)).one()
        assert signature.state == "signed" and signature.document_sha256 == form_sha
        assert (case.language, case.contact_email) == ("es", EMAIL)
    printed_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in printed}
    assert printed_hashes == {copy.sha256, receipt.sha256}

    # -- a case handler works the case and answers it -----------------------------------------
    rosa = login(browser, server, "rosa")
    rosa.goto(f"{server.url}/cases")  # in her language, Catalan
    rosa.click(f"a:text('{code}')")
    expect(rosa.locator("#case-contact")).to_contain_text(EMAIL)
    expect(rosa.locator("#case-documents li")).to_have_count(3)
    rosa.click(".action-assign button")
    expect(rosa.locator("#case-state")).to_contain_text("Assignat")
    rosa.click(".action-start button")
    expect(rosa.locator("#case-state")).to_contain_text("En curs")
    rosa.fill("#answer-text", ANSWER)
    rosa.click(".action-answer button")
    expect(rosa.locator("#case-state")).to_contain_text("Respost")
    expect(rosa.locator("#case-mail")).to_contain_text("Enviada per correu electrònic")
    assert violations(rosa) == []

    # -- the e-mail, in the citizen's language ------------------------------------------------
    [mail] = inbox.wait()
    assert inbox.envelopes[0].rcpt_tos == [EMAIL]
    assert mail["Content-Language"] == "es" and code in mail["Subject"]
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and html is not None
    assert ANSWER in plain.get_content() and f"/track/{code}" in plain.get_content()
    assert ANSWER in html.get_content()

    # -- the public tracking page shows the answer, nothing personal ---------------------------
    visitor = browser.new_context().new_page()
    visitor.goto(f"{server.url}/track?lang=es")
    visitor.fill("#code", code.lower().replace("-", " "))
    visitor.press("#code", "Enter")
    expect(visitor.locator("#answer")).to_have_text(ANSWER)
    expect(visitor.locator(".state")).to_contain_text("Respondido")
    content = visitor.content()
    for personal in (EMAIL, "Núria", "Mallorca", "escola"):
        assert personal not in content, personal
    assert violations(visitor) == []
    visitor.click("a[hreflang=en]")
    expect(visitor.locator(".state")).to_contain_text("Answered")
    assert violations(visitor) == []
