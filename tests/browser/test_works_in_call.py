"""Issue 11's works notice end to end in Debian's Chromium, in a live call: outside the scope the
console names the procedure that applies instead and its information sheet is printed at the
booth (the kiosk agent and CUPS's ippeveprinter); within the scope the questionnaire, the address
from the street register, the citizen signs on the booth's pad with touch events, the incoming
registry entry lists the signed draft's hash, the sealed notice is printed and verifies."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.catalogue import seed_demo as seed_catalogue
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import init_seal
from finestreta.registry.records import RegistryEntry
from finestreta.registry.service import attached_documents
from finestreta.signatures.records import SignatureRequestRow
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
KEY = "a browser-test signature key, 32+ characters long"
MARTA = "11111111H"
INTERIOR = [("kind", "interior"), ("structure", "none"), ("catalogued", "no"),
            ("several_dwellings", "no"), ("facade", "no"), ("layout", "no")]  # fmt: skip


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
            "FINESTRETA_SIGNATURE_KEY": KEY,
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
    console, booth = in_call(browser, server)
    answer(console, "kind", "garden")
    # the citizen follows it on the booth, in their language (es): the answer, the question now
    quiz = booth.locator("#works-quiz")
    expect(quiz).to_be_visible(timeout=WAIT)
    expect(quiz.locator("li").first).to_contain_text("¿De qué son las obras?")
    expect(quiz.locator("li").first).to_contain_text("Limpieza o arreglo de un jardín o solar")
    now = quiz.locator('li[aria-current="step"]')
    expect(now).to_contain_text("¿Se talará algún árbol?")
    expect(now).to_contain_text("Pregunta actual")  # marked by a label, not by colour alone
    answer(console, "fells_trees", "yes")
    decision = console.locator("#works-decision")
    expect(decision).to_have_attribute("data-within", "no")
    expect(decision).to_contain_text("Comunicado diferido")  # the citizen's language (es)
    expect(console.locator("#works-notice-form")).to_be_hidden()
    assert violations(console) == []

    shown = booth.locator("#works-quiz-decision")
    expect(shown).to_have_attribute("data-within", "no", timeout=WAIT)
    expect(shown).to_contain_text(
        "Estas obras necesitan otro trámite: Comunicado diferido de obras con certificado técnico."
    )
    expect(shown).to_contain_text("ficha informativa")
    expect(quiz.locator("li")).to_have_count(2)
    expect(quiz.locator('li[aria-current="step"]')).to_have_count(0)
    assert violations(booth) == []

    console.click("#works-sheet")
    expect(console.locator("#works-message")).to_contain_text("Comunicado diferido", timeout=WAIT)
    expect(console.locator("#job-status")).to_have_attribute("data-state", "done", timeout=WAIT)
    with server.db().session() as session:
        sheet = session.scalars(select(DocumentRow).where(DocumentRow.kind == "info_sheet")).one()
    printed = eve.printed()
    assert len(printed) == 1
    assert printed[0].read_bytes()[:5] == b"%PDF-" and sheet.title.startswith("Comunicado diferido")


def touch_stroke(cdp: Any, points: list[tuple[float, float]]) -> None:
    (x, y), rest = points[0], points[1:]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in rest:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def wave(box: dict[str, float], y: float, n: int = 24) -> list[tuple[float, float]]:
    """Across the pad at height ``y`` (a fraction of it), wavy, in page pixels."""
    return [
        (
            box["x"] + box["width"] * (0.1 + 0.8 * i / (n - 1)),
            box["y"] + box["height"] * (y + 0.1 * (1 if i % 2 else -1)),
        )
        for i in range(n)
    ]


def test_within_the_scope_the_citizen_signs_and_the_sealed_notice_prints_and_verifies(
    browser: Any, office: Any
) -> None:
    server, eve = office
    console, booth = in_call(browser, server)
    for question, value in INTERIOR:
        answer(console, question, value)
    expect(console.locator("#works-decision")).to_have_attribute("data-within", "yes")
    # the booth shows the questions answered and the decision, in the citizen's language (es)
    quiz = booth.locator("#works-quiz")
    expect(quiz.locator("#works-quiz-decision")).to_have_attribute(
        "data-within", "yes", timeout=WAIT
    )
    expect(quiz.locator("li")).to_have_count(len(INTERIOR))
    expect(quiz.locator("li").first).to_contain_text("En el interior de una vivienda")
    expect(quiz.locator("#works-quiz-decision")).to_contain_text(
        "Basta con un enterado de obras: lo firmará aquí."
    )
    assert violations(booth) == []

    console.fill("#works-id-number", MARTA)
    console.fill("#works-name", "Marta Soler Puig")
    console.click("#works-identify-button")
    expect(console.locator("#works-who")).to_contain_text("Marta Soler Puig")

    console.fill("#works-street", "mallorca")
    console.click("#works-streets button")
    console.fill("#works-number", "401")
    console.fill("#works-floor", "3r")
    console.fill("#works-door", "2a")
    console.fill("#works-description", "Canviar el paviment de la cuina i pintar el pis.")
    tomorrow = datetime.now(ZoneInfo("Europe/Madrid")).date() + timedelta(days=1)
    console.fill("#works-start", tomorrow.isoformat())
    console.fill("#works-duration", "10")
    assert violations(console) == []
    console.click("#works-sign")

    # -- the citizen reads the draft beside the call and signs with a finger -------------------
    expect(booth.locator("#signature")).to_be_visible(timeout=WAIT)
    expect(booth.locator("#works-quiz")).to_be_hidden()  # the pad replaces the questionnaire
    box = booth.locator("#signature-pad").bounding_box()
    assert box is not None
    cdp = booth.context.new_cdp_session(booth)
    touch_stroke(cdp, wave(box, 0.4))
    touch_stroke(cdp, wave(box, 0.6))
    booth.click("#signature-sign")

    # -- registered, sealed, printed with its receipt; the booth says so -----------------------
    expect(console.locator("#works-outcome")).to_be_visible(timeout=WAIT)
    outcome = console.locator("#works-outcome").inner_text()
    code = re.search(r"[0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6}", outcome)
    assert code, outcome
    expect(booth.locator("#works-done")).to_be_visible(timeout=WAIT)
    expect(booth.locator("#works-done-number")).to_contain_text("/")
    assert violations(booth) == []
    deadline = time.monotonic() + WAIT / 1000
    while len(eve.printed()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    printed = {hashlib.sha256(p.read_bytes()).hexdigest() for p in eve.printed()}

    with server.db().session() as session:
        signed = session.scalars(
            select(SignatureRequestRow).where(SignatureRequestRow.state == "signed")
        ).one()
        entry = session.scalars(select(RegistryEntry).where(RegistryEntry.direction == "in")).one()
        notice = session.scalars(select(DocumentRow).where(DocumentRow.kind == "certificate")).one()
        receipt = session.scalars(select(DocumentRow).where(DocumentRow.kind == "receipt")).one()
        assert [d.sha256 for d in attached_documents(entry)] == [signed.document_sha256]
    assert printed == {notice.sha256, receipt.sha256}

    # -- anyone verifies the sealed notice by its code ------------------------------------------
    visitor = browser.new_context().new_page()
    visitor.goto(f"{server.url}/verify?lang=ca")
    visitor.fill("#code", code.group(0))
    visitor.press("#code", "Enter")
    expect(visitor.locator(".verdict")).to_have_class(re.compile("verdict-valid"))
    expect(visitor.locator("dd.fingerprint")).to_have_text(notice.sha256)
