"""The booth's printer and scanner during a live call, end to end in Debian's Chromium: the
server and the kiosk agent as processes, CUPS's ippeveprinter as the booth's printer and SANE's
test backend as its scanner. The clerk works the console's devices panel as a person would; the
test checks what the clerk and the citizen see, and what really happened (the scanned image, the
bytes in the printer's spool, the jobs in the database)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.devices.records import DeviceHealthRow, DeviceJobRow
from finestreta.web.i18n import console_messages, kiosk_messages
from tests.browser.calls import booth_request, go_available, wait_connected
from tests.browser.conftest import Server, open_console, pair_booth
from tests.browser.test_accessibility import violations
from tests.devices import conftest as devices
from tests.devices.rig import Agent, small_pdf, write_agent_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The booth's devices, from tests/devices/conftest.py (a fixture is found by its module name).
printer = devices.printer
printer_command = devices.printer_command
sane_config = devices.sane_config

WAIT = 30_000  # ms: a job's round trip server -> agent -> device -> server on a loaded machine
SCAN_DPI = 150  # one of the console's choices (#scan-resolution)
# SANE's test backend scans 80 mm x 100 mm; pixels are mm / 25.4 * dpi, truncated.
SCAN_SIZE = (int(80 / 25.4 * SCAN_DPI), int(100 / 25.4 * SCAN_DPI))

PEER_STATE = """() => {
  const pc = window.finestreta.session && window.finestreta.session.pc;
  return pc ? {connection: pc.connectionState, ice: pc.iceConnectionState,
    gathering: pc.iceGatheringState, signaling: pc.signalingState} : null;
}"""

BOOTH_CONNECTED = """() => {
  const channel = window.finestreta && window.finestreta.channel;
  return !!(channel && channel.ws && channel.ws.readyState === WebSocket.OPEN);
}"""

# Everything #device-prompt on the booth shows, in order (a prompt may last less than a poll).
RECORD_PROMPTS = """() => {
  const box = document.getElementById("device-prompt");
  const text = document.getElementById("device-prompt-text");
  window.promptsSeen = [];
  const note = () => window.promptsSeen.push(
    {prompt: box.dataset.prompt || null, hidden: box.hidden, text: text.textContent});
  new MutationObserver(note).observe(
    box, {attributes: true, childList: true, subtree: true, characterData: true});
}"""

PREVIEW_SIZE = """(id) => {
  const img = document.querySelector(
    `#documents-list li[data-document-id="${id}"] img.document-preview`);
  return img && img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null;
}"""

# What the console's print button posts, sent by the page itself (its cookie, its origin).
PRINT_REQUEST = """async (documentId) => {
  const callId = window.finestreta.devices.callId;
  const response = await fetch(`/api/calls/${encodeURIComponent(callId)}/print`, {
    method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({document_id: documentId, copies: 1}),
  });
  return response.status;
}"""


@pytest.fixture
def booth_agent(
    tmp_path: Path, server_factory: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[[Server, str, Path], Agent]]:
    """Starts the booth's kiosk agent; stopped before the server (which it depends on)."""
    agents: list[Agent] = []

    def start(server: Server, printer_uri: str, sane_dir: Path) -> Agent:
        config = write_agent_config(
            tmp_path / "agent.toml", server, printer_uri, sane_dir, tmp_path / "agent-spool"
        )
        agent = Agent(config, tmp_path / "agent.log")
        agent.start()
        agents.append(agent)
        return agent

    yield start
    failed = getattr(request.node, "rep_call", None)
    for agent in agents:
        agent.stop()
        if failed is not None and failed.failed:
            print(f"--- agent log ---\n{agent.output()[-8000:]}")


class Texts:
    """The texts a person reads: the console in its language, the booth in the citizen's."""

    def __init__(self, console: Any, booth_language: str) -> None:
        self.console_table = console_messages(console.evaluate("document.documentElement.lang"))
        self.kiosk_table = kiosk_messages()[booth_language]

    def clerk(self, text: str, **values: str) -> str:
        out = self.console_table.get(text, text)
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out

    def citizen(self, text: str) -> str:
        return self.kiosk_table.get(text, text)


def connected_call(browser: Any, server: Server) -> tuple[Any, Any]:
    """Jordi at the console, a citizen at the Sants booth in English: on a live call."""
    console = open_console(browser, server, "jordi")
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    # The citizen starts once the booth is up: on a loaded machine its texts can take seconds,
    # and a "Request attention" tapped before the booth's socket exists is lost.
    booth.wait_for_function(BOOTH_CONNECTED, timeout=WAIT)
    booth_request(booth, language="en", topic="general")
    console.locator("#accept-call").click(timeout=WAIT)
    try:
        wait_connected(booth)
        wait_connected(console)
    except PlaywrightTimeoutError:
        states = {
            name: page.evaluate(PEER_STATE)
            for name, page in (("booth", booth), ("console", console))
        }
        pytest.fail(f"the call's peer connections did not connect: {states}")
    expect(console.locator("#devices-panel")).to_be_visible()
    return console, booth


def prompts_seen(booth: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = booth.evaluate("() => window.promptsSeen")
    return seen


def job_row(server: Server, job_id: str) -> DeviceJobRow:
    with server.db().session() as session:
        row = session.scalars(select(DeviceJobRow).where(DeviceJobRow.id == job_id)).one()
        session.expunge(row)
        return row


def latest_job(server: Server, kind: str) -> DeviceJobRow:
    with server.db().session() as session:
        row = session.scalars(
            select(DeviceJobRow)
            .where(DeviceJobRow.kind == kind)
            .order_by(DeviceJobRow.created_at.desc())
        ).first()
        assert row is not None, f"no {kind} job was created"
        session.expunge(row)
        return row


def choose_scan(console: Any, source: str) -> None:
    console.select_option("#scan-resolution", str(SCAN_DPI))
    console.select_option("#scan-mode", "color")
    console.select_option("#scan-source", source)
    console.select_option("#scan-format", "png")


def upload(console: Any, name: str, content: bytes) -> Any:
    """Adds a PDF through the console's file input; returns its item in the documents list."""
    console.set_input_files(
        "#upload-document",
        files=[{"name": name, "mimeType": "application/pdf", "buffer": content}],
    )
    item = console.locator("#documents-list > li[data-document-id]").filter(
        has_text=name.rsplit(".", 1)[0]
    )
    expect(item).to_have_count(1, timeout=WAIT)
    return item


def test_clerk_scans_prints_and_shows_a_document_at_the_booth(
    browser: Any,
    server_factory: Any,
    booth_agent: Any,
    printer: Any,
    printer_command: Any,
    sane_config: Any,
) -> None:
    # One second at the printer (ippeveprinter alone takes 5-15 s); a scan that reads slowly
    # enough (about 2.5 s) for the citizen to read what the booth says meanwhile.
    eve = printer(command=printer_command("sleep 1"))
    sane = sane_config("read-delay true", "read-delay-duration 200000")
    server = server_factory({"FINESTRETA_HEALTH_INTERVAL_SECONDS": "5"})
    booth_agent(server, eve.uri, sane)
    console, booth = connected_call(browser, server)
    texts = Texts(console, "en")

    # The devices panel: both devices ready, as the agent reported them.
    expect(console.locator("#printer-status")).to_have_attribute("data-ok", "true", timeout=WAIT)
    expect(console.locator("#printer-status")).to_have_text(texts.clerk("Printer ready"))
    expect(console.locator("#scanner-status")).to_have_attribute("data-ok", "true", timeout=WAIT)
    expect(console.locator("#scanner-status")).to_have_text(texts.clerk("Scanner ready"))
    expect(console.locator("#documents-empty")).to_be_visible()

    # ---- scan at the booth
    booth.evaluate(RECORD_PROMPTS)
    choose_scan(console, "flatbed")
    console.click("#scan-button")
    prompt = booth.locator("#device-prompt")
    expect(prompt).to_be_visible(timeout=WAIT)
    # the scan waits until the citizen has placed the document and says so
    expect(prompt).to_have_attribute("data-prompt", "place_on_scanner")
    job_status = console.locator("#job-status")
    expect(job_status).to_have_attribute("data-kind", "scan")
    expect(job_status).to_have_text(
        texts.clerk(
            "Scan: waiting for the citizen to place the document and tap “scan” on the booth"
        )
    )
    expect(console.locator("#scan-now")).to_be_visible()
    assert latest_job(server, "scan").state == "queued"
    expect(booth.locator("#scan-ready")).to_have_text(texts.citizen("Done: scan it"))
    expect(booth.locator("#scan-ready")).to_be_focused()  # a tap away, and for keyboards too
    assert violations(booth) == []  # the prompt with its button, beside the running call
    assert violations(console) == []  # the devices panel while a scan waits
    booth.click("#scan-ready")
    expect(console.locator("#scan-now")).to_be_hidden(timeout=WAIT)
    expect(job_status).to_have_attribute("data-state", "done", timeout=WAIT)
    expect(job_status).to_have_text(texts.clerk("Scan done"))
    expect(prompt).to_be_hidden(timeout=WAIT)  # the booth stops asking once the scan is in
    shown = [p for p in prompts_seen(booth) if not p["hidden"]]
    assert {
        "prompt": "place_on_scanner",
        "hidden": False,
        "text": texts.citizen("Place your document face down on the scanner glass"),
    } in shown, shown
    assert {
        "prompt": "scanning",
        "hidden": False,
        "text": texts.citizen("Scanning… keep the document still"),
    } in shown, shown

    scan_job = latest_job(server, "scan")
    assert scan_job.state == "done" and scan_job.result_document_id
    assert scan_job.params["resolution"] == SCAN_DPI and scan_job.params["source"] == "flatbed"
    scan_id = scan_job.result_document_id
    scan_item = console.locator(f'#documents-list > li[data-document-id="{scan_id}"]')
    expect(scan_item).to_be_visible()
    expect(console.locator("#documents-empty")).to_be_hidden()
    expect(scan_item.locator(".document-meta")).to_contain_text("PNG")
    # The stored scan is the test backend's page at the chosen resolution...
    stored = console.request.get(f"{server.url}/api/documents/{scan_id}")
    assert stored.ok and stored.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(stored.body())) as image:
        assert image.format == "PNG" and image.size == SCAN_SIZE
    # ...and the clerk sees exactly that image (loaded, not a broken icon).
    scan_item.locator("img.document-preview").scroll_into_view_if_needed()
    preview = console.wait_for_function(PREVIEW_SIZE, arg=scan_id, timeout=WAIT).json_value()
    assert tuple(preview) == SCAN_SIZE

    # ---- print an uploaded PDF at the booth
    pdf = small_pdf("Volant de prova")
    pdf_item = upload(console, "volant-de-prova.pdf", pdf)
    expect(pdf_item.locator(".document-meta")).to_contain_text("PDF")
    print_button = pdf_item.locator(".print-document")
    print_button.dblclick()  # an impatient double click still prints one copy
    expect(job_status).to_have_attribute("data-kind", "print", timeout=WAIT)
    expect(job_status).to_have_attribute("data-state", "done", timeout=WAIT)
    expect(job_status).to_have_text(texts.clerk("Printed: the citizen can collect it"))
    expect(pdf_item.locator(".document-job")).to_have_text(
        texts.clerk("Printed: the citizen can collect it")
    )
    expect(prompt).to_have_attribute("data-prompt", "collect_printout", timeout=WAIT)
    expect(prompt).to_be_visible()
    expect(booth.locator("#device-prompt-text")).to_have_text(
        texts.citizen("Please collect your document from the printer")
    )
    assert any(p["prompt"] == "printing" and not p["hidden"] for p in prompts_seen(booth))
    printed = eve.printed()
    assert len(printed) == 1, printed
    assert printed[0].read_bytes() == pdf
    with server.db().session() as session:
        print_jobs = session.scalars(select(DeviceJobRow).where(DeviceJobRow.kind == "print")).all()
        assert [(j.state, j.document_id) for j in print_jobs] == [
            ("done", pdf_item.get_attribute("data-document-id"))
        ]
    expect(print_button).to_be_enabled()  # a second copy can be asked for now

    # ---- show the scan on the booth screen, large
    scan_item.locator(".show-document").click()
    shown_box = booth.locator("#shown-document")
    expect(shown_box).to_be_visible(timeout=WAIT)
    expect(shown_box).to_have_attribute("data-document-id", scan_id)
    booth.wait_for_function(
        "() => { const img = document.querySelector('#shown-document-content');"
        " return !!img && img.tagName === 'IMG' && img.complete && img.naturalWidth > 0; }",
        timeout=WAIT,
    )
    natural = booth.evaluate(
        "() => { const img = document.querySelector('#shown-document-content');"
        " return [img.naturalWidth, img.naturalHeight]; }"
    )
    assert tuple(natural) == SCAN_SIZE
    box = booth.locator("#shown-document-content").bounding_box()
    assert box is not None and box["height"] >= 0.4 * 800, box  # fills much of the screen
    expect(scan_item.locator(".show-document")).to_have_attribute("aria-pressed", "true")
    expect(scan_item.locator(".document-shown")).to_have_text(texts.clerk("On the booth screen"))
    url = f"{server.url}/api/kiosk/documents/{scan_id}"
    assert booth.request.get(url).status == 200

    # ---- hang up: nothing of the citizen's documents stays on the booth
    console.click("#hang-up")
    expect(booth.locator("#screen-rating")).to_be_visible(timeout=WAIT)
    expect(shown_box).to_be_hidden()
    expect(booth.locator("#shown-document-view img, #shown-document-view iframe")).to_have_count(0)
    expect(prompt).to_be_hidden()
    assert booth.request.get(url).status == 404
    expect(console.locator("#wrap-up-form")).to_be_visible(timeout=WAIT)
    assert len(eve.printed()) == 1


def test_an_unreachable_printer_and_an_empty_feeder_show_their_errors(
    browser: Any,
    server_factory: Any,
    booth_agent: Any,
    sane_config: Any,
) -> None:
    sane = sane_config("read-status-code SANE_STATUS_NO_DOCS")
    server = server_factory({"FINESTRETA_HEALTH_INTERVAL_SECONDS": "5"})
    booth_agent(server, f"ipp://127.0.0.1:{devices.closed_port()}/ipp/print", sane)
    console, booth = connected_call(browser, server)
    texts = Texts(console, "en")

    # The agent has reported (the scanner is there), and the printer does not answer.
    expect(console.locator("#scanner-status")).to_have_attribute("data-ok", "true", timeout=WAIT)
    printer_status = console.locator("#printer-status")
    expect(printer_status).to_have_attribute("data-ok", "false")
    unreachable = texts.clerk("The printer does not answer")
    expect(printer_status).to_contain_text(unreachable)
    expect(printer_status).to_contain_text(
        texts.clerk("Printer not ready: do not promise a printout")
    )
    with server.db().session() as session:
        health = session.get(DeviceHealthRow, 1)
        assert health is not None and health.agent["printer"]["state"] == "unreachable"

    # A document can be added, but the console does not offer to print it, and says why.
    pdf_item = upload(console, "padro.pdf", small_pdf("Padro"))
    warning = console.locator("#print-warning")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(
        texts.clerk("Printing is not possible now: {reason}", reason=unreachable)
    )
    print_button = pdf_item.locator(".print-document")
    expect(print_button).to_be_disabled()
    expect(print_button).to_have_attribute(
        "title", texts.clerk("The booth's printer cannot print now")
    )

    # A print asked for all the same (a console that has not heard the news yet) fails with
    # the reason in words, and the booth tells the citizen there is a problem.
    booth.evaluate(RECORD_PROMPTS)
    assert console.evaluate(PRINT_REQUEST, pdf_item.get_attribute("data-document-id")) == 200
    job_status = console.locator("#job-status")
    expect(job_status).to_have_attribute("data-kind", "print", timeout=WAIT)
    expect(job_status).to_have_attribute("data-state", "failed", timeout=WAIT)
    failed_print = texts.clerk("Print failed: {reason}", reason=unreachable)
    expect(job_status).to_have_text(failed_print)
    expect(job_status).to_be_visible()
    expect(pdf_item.locator(".document-job")).to_have_text(failed_print)
    prompt = booth.locator("#device-prompt")
    expect(prompt).to_have_attribute("data-prompt", "device_problem", timeout=WAIT)
    expect(prompt).to_be_visible()
    print_job = latest_job(server, "print")
    assert (print_job.state, print_job.reason) == ("failed", "printer_unreachable")

    # A scan from the empty feeder fails, and the clerk reads why.
    choose_scan(console, "feeder")
    console.click("#scan-button")
    # this time the clerk starts it (a citizen who cannot reach the screen)
    console.click("#scan-now", timeout=WAIT)
    expect(booth.locator("#scan-ready")).to_be_hidden(timeout=WAIT)
    expect(job_status).to_have_attribute("data-kind", "scan", timeout=WAIT)
    expect(job_status).to_have_attribute("data-state", "failed", timeout=WAIT)
    expect(job_status).to_have_text(
        texts.clerk("Scan failed: {reason}", reason=texts.clerk("The document feeder is empty"))
    )
    expect(job_status).to_be_visible()
    assert any(
        p["prompt"] == "place_on_scanner"
        and p["text"] == texts.citizen("Place your pages in the document feeder")
        for p in prompts_seen(booth)
    ), prompts_seen(booth)
    expect(prompt).to_have_attribute("data-prompt", "device_problem", timeout=WAIT)
    expect(booth.locator("#device-prompt-text")).to_have_text(
        texts.citizen(
            "There is a problem with the booth's device. The clerk will tell you what to do."
        )
    )
    scan_job = latest_job(server, "scan")
    assert (scan_job.state, scan_job.reason) == ("failed", "feeder_empty")
    assert scan_job.result_document_id is None
    expect(console.locator("#documents-list > li[data-document-id]")).to_have_count(1)
