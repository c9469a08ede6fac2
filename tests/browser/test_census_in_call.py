"""Issue 4 end to end in Debian's Chromium: during a live call the clerk looks up the catalogue
and shows an entry on the booth screen, identifies the citizen, sees which volants may be issued
and why not, issues a sealed household volant, prints it at the booth (the kiosk agent and
CUPS's ippeveprinter) and anyone verifies it on /verify by typing its code."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.catalogue import seed_demo
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import init_seal
from finestreta.padro import synthetic
from finestreta.padro.importer import import_csv
from finestreta.padro.records import LookupRow
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


@pytest.fixture
def office(tmp_path: Path, printer: Any, sane_config: Any) -> Any:
    """Server (with a seal, the demo people and catalogue) and the booth's agent and printer."""
    eve = printer()
    seal = tmp_path / "seal.p12"
    init_seal(seal, SEAL_PASSWORD, "Barcelona")
    server = make_server(
        tmp_path,
        {
            "FINESTRETA_SEAL_PKCS12": str(seal),
            "FINESTRETA_SEAL_PASSWORD": SEAL_PASSWORD,
            "FINESTRETA_HEALTH_INTERVAL_SECONDS": "5",
        },
    )
    register = tmp_path / "padro.csv"
    synthetic.write_csv(register, n_households=0)
    with server.db().session() as session:
        assert import_csv(session, register).ok
        assert seed_demo(session).ok
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


def test_a_household_volant_issued_in_a_call_is_printed_at_the_booth_and_verifies(
    browser: Any, office: Any
) -> None:
    server, eve = office
    console = open_console(browser, server, "anna")
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="census")
    console.click("#accept-call", timeout=20_000)
    wait_connected(console)
    expect(console.locator("#printer-status")).to_have_attribute("data-ok", "true", timeout=WAIT)

    # -- information: the clerk finds an entry as they type, shows it on the booth screen --------
    console.fill("#catalogue-query", "volante convivencia")
    first = console.locator("#catalogue-results li button").first
    expect(first).to_contain_text("convivencia", ignore_case=True)
    title = first.inner_text().strip()
    first.click()
    expect(console.locator("#entry-title")).to_have_text(title)
    console.click("#entry-show")
    expect(booth.locator("#shown-entry")).to_be_visible(timeout=10_000)
    expect(booth.locator("#shown-entry-name")).to_have_text(title)

    # -- identify: a wrong check letter is caught before anything is looked up ---------------
    console.fill("#id-number", "11111111A")
    console.click("#identify-button")
    expect(console.locator("#id-number-error")).to_contain_text("H")
    expect(console.locator("#id-number")).to_have_attribute("aria-invalid", "true")
    console.fill("#id-number", "11111111H")
    console.click("#identify-button")
    expect(console.locator("#identity-status")).to_have_attribute("data-status", "registered")
    expect(console.locator("#household-list li")).to_have_count(3)
    household = console.locator(".volant-option[data-kind=household]")
    expect(household).to_have_attribute("data-allowed", "true")

    # -- another person's household without living there: refused, and the clerk reads why ----
    console.click("#other-person summary")
    console.select_option("#other-kind", "household")
    console.fill("#other-number", "12345678Z")  # Carme: lives with her daughter Laia, 16
    console.check("#other-authorisation")
    console.click("#other-check")
    refused = console.locator("#other-decision .volant-option")
    expect(refused).to_have_attribute("data-allowed", "false")
    expect(refused).to_have_attribute("data-code", "minor_not_cohabiting")
    expect(refused).to_contain_text("menor")  # the reason, in the clerk's language (ca)
    assert violations(console) == []

    # -- issue the household volant in the citizen's language, print it at the booth ----------
    expect(console.locator("#volant-lang")).to_have_value("es")
    household.locator(".issue-volant").click()
    expect(console.locator("#issued")).to_be_visible(timeout=WAIT)
    facts = console.locator("#issued-facts").inner_text()
    code = re.search(r"[0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6}", facts)
    assert code, facts
    console.click("#issued-print")
    expect(console.locator("#job-status")).to_have_attribute("data-state", "done", timeout=WAIT)
    expect(console.locator("#job-status")).to_have_attribute("data-kind", "print")

    # the printer received exactly the sealed volant, and its seal validates independently
    with server.db().session() as session:
        volant = session.scalars(select(DocumentRow).where(DocumentRow.kind == "certificate")).one()
        assert volant.title.startswith("Volante de convivencia")
        audited = session.scalars(select(LookupRow.document_number)).all()
        assert "11111111H" in audited and "12345678Z" in audited
    printed = eve.printed()
    assert len(printed) == 1
    assert hashlib.sha256(printed[0].read_bytes()).hexdigest() == volant.sha256
    pdfsig = subprocess.run(["pdfsig", str(printed[0])], capture_output=True, text=True)
    assert "Signature is Valid" in pdfsig.stdout, pdfsig.stdout

    # -- anyone verifies it by typing the code on /verify ----------------------------------------
    visitor = browser.new_context().new_page()
    visitor.goto(f"{server.url}/verify?lang=es")
    visitor.fill("#code", code.group(0).lower().replace("-", " "))
    visitor.press("#code", "Enter")
    expect(visitor.locator(".verdict")).to_have_class(re.compile("verdict-valid"))
    expect(visitor.locator("dd.fingerprint")).to_have_text(volant.sha256)

    # -- the call ends: nothing of the citizen stays on either screen -----------------------
    console.click("#hang-up")
    expect(booth.locator("#shown-entry")).to_be_hidden(timeout=10_000)
    expect(console.locator("#identity")).to_be_hidden()
