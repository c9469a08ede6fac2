"""The citizen signs on the booth's touch screen, in Debian's Chromium, in a live call with a
test procedure (``tests.procedures.signing``) whose panel asks for a signature on a PDF: the booth
shows the document's hash and the pad; the citizen signs with real touch events (CDP
``Input.dispatchTouchEvent``), clears, signs again, and with a pen (``Input.dispatchMouseEvent``
with ``pointerType: "pen"``); the server keeps strokes whose bounding box is what was drawn; the
console hears ``signature_state``; the pad screen is axe-clean. And the oral-consent path, from
the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from finestreta.accounts import service
from finestreta.procedures.records import ProcedureStepRow
from finestreta.signatures.records import SignatureRequestRow
from tests.browser.calls import booth_request, go_available
from tests.browser.conftest import Server, make_server, open_console, pair_booth
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROCEDURE = "tests.procedures.signing:procedure"
KEY = "a browser-test signature key, 32+ characters long"


@pytest.fixture
def office(tmp_path: Path) -> Any:
    server = make_server(
        tmp_path,
        {"FINESTRETA_SIGNATURE_KEY": KEY, "FINESTRETA_RING_TIMEOUT_SECONDS": "20"},
        procedures=[PROCEDURE],
    )
    server.start()
    with server.db().session() as session:  # anna may record oral consent
        service.set_habilitated(session, "anna", True)
    try:
        yield server
    finally:
        server.stop()
        print(f"--- server log ---\n{server.log()[-6000:]}")


def in_call(browser: Any, server: Server) -> tuple[Any, Any]:
    console = open_console(browser, server, "anna")
    go_available(console)
    booth = pair_booth(browser, server, "sants")
    booth_request(booth, "ca", topic="general")
    console.click("#accept-call", timeout=20_000)
    expect(booth.locator("#screen-call")).to_be_visible(timeout=20_000)
    return console, booth


def ask(console: Any, booth: Any) -> dict[str, float]:
    """The clerk asks; the booth shows the pad, large (a shaky hand needs room)."""
    console.click("#signing-ask")
    expect(booth.locator("#signature")).to_be_visible()
    expect(console.locator("#signing-signature-status")).to_have_attribute("data-state", "waiting")
    # The pane comes in beside the video: draw only once a finger on the pad reaches the pad
    # (until the layout settles, the point is hit-tested to what was there before).
    booth.wait_for_function(
        """() => {
          const pad = document.getElementById("signature-pad");
          const r = pad.getBoundingClientRect();
          const corners = [[0.1, 0.3], [0.9, 0.7], [0.5, 0.5]];
          return corners.every(([fx, fy]) =>
            document.elementFromPoint(r.left + r.width * fx, r.top + r.height * fy) === pad);
        }"""
    )
    box = pad_box(booth)
    assert box["width"] >= 300 and box["height"] >= 150, box
    return box


def touch_stroke(cdp: Any, points: list[tuple[float, float]]) -> None:
    (x, y), rest = points[0], points[1:]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in rest:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def pen_stroke(cdp: Any, points: list[tuple[float, float]]) -> None:
    def mouse(kind: str, x: float, y: float, **more: Any) -> None:
        cdp.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, "pointerType": "pen", "button": "left", **more},
        )

    (x, y), rest = points[0], points[1:]
    mouse("mousePressed", x, y, clickCount=1, force=0.7, buttons=1)
    for x, y in rest:
        mouse("mouseMoved", x, y, force=0.8, buttons=1)
    mouse("mouseReleased", *points[-1], clickCount=1)


def pad_box(booth: Any) -> dict[str, float]:
    """Where the pad is on the page now (the call screen's notices may move it)."""
    box: dict[str, float] | None = booth.locator("#signature-pad").bounding_box()
    assert box is not None
    return box


def line(booth: Any, x0: float, x1: float, y: float, n: int = 30) -> list[tuple[float, float]]:
    """From ``x0`` to ``x1`` (fractions of the pad's width) at height ``y``, wavy; page px."""
    box = pad_box(booth)
    return [
        (
            box["x"] + box["width"] * (x0 + (x1 - x0) * i / (n - 1)),
            box["y"] + box["height"] * (y + 0.08 * (1 if i % 2 else -1) * (i % 3) / 2),
        )
        for i in range(n)
    ]


def sealed(server: Server, state: str) -> SignatureRequestRow:
    with server.db().session() as session:
        row = session.scalars(
            select(SignatureRequestRow).where(SignatureRequestRow.state == state)
        ).one()
        session.expunge(row)
        return row


def given_steps(server: Server) -> list[ProcedureStepRow]:
    with server.db().session() as session:
        rows = list(
            session.scalars(
                select(ProcedureStepRow).where(
                    ProcedureStepRow.procedure == "signing", ProcedureStepRow.step == "given"
                )
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


def test_the_citizen_signs_with_a_finger_clears_and_signs_again(
    browser: Any, office: Server
) -> None:
    console, booth = in_call(browser, office)
    box = ask(console, booth)
    shown = booth.locator("#signature-hash").inner_text().replace(" ", "")
    assert len(shown) == 64
    expect(booth.locator("#signature-signer")).to_contain_text("Núria Puig Vidal")
    expect(booth.locator("#signature-sign")).to_be_disabled()
    assert violations(booth) == []

    cdp = booth.context.new_cdp_session(booth)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    touch_stroke(cdp, line(booth, 0.1, 0.9, 0.5))  # a first try, then "Clear"
    expect(booth.locator("#signature-sign")).to_be_enabled()
    booth.click("#signature-clear")
    expect(booth.locator("#signature-sign")).to_be_disabled()
    assert booth.evaluate("() => window.finestreta.modules.signature.points") == 0

    touch_stroke(cdp, line(booth, 0.2, 0.6, 0.4))
    touch_stroke(cdp, line(booth, 0.3, 0.7, 0.6))
    booth.click("#signature-sign")
    expect(booth.locator("#signature-status")).to_have_attribute("data-state", "done")
    expect(console.locator("#signing-signature-status")).to_have_attribute("data-state", "signed")

    row = sealed(office, "signed")
    assert row.document_sha256 == shown and row.procedure == "signing"
    assert row.pad_width == round(box["width"]) and row.pad_height == round(box["height"])
    xs = [x for path in row.paths for x, _ in path]
    ys = [y for path in row.paths for _, y in path]
    assert len(row.paths) == 2  # the cleared stroke is not there
    assert abs(min(xs) - 0.2 * box["width"]) < 3 and abs(max(xs) - 0.7 * box["width"]) < 3
    assert 0.3 * box["height"] < min(ys) and max(ys) < 0.7 * box["height"]
    assert [s.outcome for s in given_steps(office)] == ["signed"]
    expect(booth.locator("#signature")).to_be_hidden(timeout=10_000)


def test_a_pen_signs_and_the_clerk_may_record_oral_consent_instead(
    browser: Any, office: Server
) -> None:
    console, booth = in_call(browser, office)
    # the citizen cannot sign: the clerk records oral consent and the pad goes
    ask(console, booth)
    console.click("#signing-signature-consent")
    expect(console.locator("#signing-signature-error")).not_to_be_empty()
    console.fill("#signing-signature-reason", "Cannot hold the pen: injured right hand")
    console.click("#signing-signature-consent")
    expect(console.locator("#signing-signature-status")).to_have_attribute(
        "data-state", "oral_consent"
    )
    expect(booth.locator("#signature")).to_be_hidden()
    row = sealed(office, "oral_consent")
    assert row.consent_reason == "Cannot hold the pen: injured right hand" and row.paths is None

    # asked again, signed with a pen (its pressure is kept, encrypted)
    box = ask(console, booth)
    cdp = booth.context.new_cdp_session(booth)
    pen_stroke(cdp, line(booth, 0.15, 0.85, 0.5, n=40))
    booth.click("#signature-sign")
    expect(console.locator("#signing-signature-status")).to_have_attribute("data-state", "signed")
    row = sealed(office, "signed")
    xs = [x for path in row.paths for x, _ in path]
    assert abs(min(xs) - 0.15 * box["width"]) < 3 and abs(max(xs) - 0.85 * box["width"]) < 3
    assert [s.outcome for s in given_steps(office)] == ["oral_consent", "signed"]


def test_once_the_citizen_signs_the_clerk_sees_it_and_a_withdrawal_is_said(
    browser: Any, office: Server
) -> None:
    console, booth = in_call(browser, office)
    ask(console, booth)
    cdp = booth.context.new_cdp_session(booth)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    touch_stroke(cdp, line(booth, 0.1, 0.5, 0.5))
    expect(booth.locator("#signature-sign")).to_be_enabled()  # the stroke is on the pad
    # the first stroke is reported: the console says the citizen is signing
    status = console.locator("#signing-signature-status")
    expect(status).to_have_attribute("data-state", "signing")
    expect(status).to_contain_text("signa")  # "La persona està signant…" (ca console)
    assert sealed(office, "open").started_at is not None

    # the clerk withdraws it: the citizen is told, the ink goes, then the pane
    console.click("#signing-signature-withdraw")
    expect(status).to_have_attribute("data-state", "cancelled")
    said = booth.locator("#signature-status")
    expect(said).to_have_attribute("data-state", "error")
    expect(said).not_to_be_empty()
    assert booth.evaluate("() => window.finestreta.modules.signature.points") == 0
    expect(booth.locator("#signature-sign")).to_be_disabled()
    expect(booth.locator("#signature")).to_be_hidden(timeout=10_000)
    assert sealed(office, "cancelled").sealed_at is None
