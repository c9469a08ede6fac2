"""Call set-up time in real Chromium: the clerk's accept → first video frame decoded at the booth.

Beside it, the floor: two RTCPeerConnections connected inside one page (same fake camera, same
machine), from the start of negotiation to the first frame decoded. Target: p50 ≤ 2× the floor.

    .venv/bin/python bench/call_setup.py [--calls 12]

Prints readable lines and, last, one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402  (the same harness as the browser tests)
    CHROMIUM,
    CHROMIUM_ARGS,
    make_server,
    open_console,
    pair_booth,
)

# Polls the booth's peer connection every 5 ms and notes when the first frame is decoded.
WATCH_FIRST_FRAME = """
window.__firstFrameAt = null;
setInterval(async () => {
  if (window.__firstFrameAt !== null) return;
  const s = window.finestreta && window.finestreta.session;
  if (!s || !s.pc) return;
  const stats = await s.pc.getStats();
  stats.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0 && window.__firstFrameAt === null) {
      window.__firstFrameAt = Date.now();
    }
  });
}, 5);
"""

FLOOR = """async () => {
  const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 1280, height: 720}});
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const start = performance.now();
  for (const t of stream.getTracks()) a.addTrack(t, stream);
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  let elapsed = null;
  while (elapsed === null && performance.now() - start < 10000) {
    const stats = await b.getStats();
    stats.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0) elapsed = performance.now() - start;
    });
    if (elapsed === null) await new Promise((r) => setTimeout(r, 5));
  }
  a.close(); b.close(); stream.getTracks().forEach((t) => t.stop());
  return elapsed;
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def one_call(booth: Any, console: Any) -> float:
    booth.click("#lang-ca")
    booth.click("#privacy-accept")
    booth.click("#topic-general")
    if booth.locator("#request-attention").is_visible():
        booth.click("#request-attention")
    console.locator("#accept-call").wait_for(state="visible", timeout=15_000)
    booth.evaluate("() => { window.__firstFrameAt = null; }")
    accepted_at: float = console.evaluate(
        "() => { const t = Date.now(); document.querySelector('#accept-call').click(); return t; }"
    )
    booth.wait_for_function("() => window.__firstFrameAt !== null", timeout=20_000)
    first: float = booth.evaluate("() => window.__firstFrameAt")
    console.click("#hang-up")
    console.locator("#wrap-up-form").wait_for(state="visible", timeout=10_000)
    console.locator("#wrap-up-outcome").select_option("information_given")
    console.click("#wrap-up-submit")
    console.wait_for_function("() => window.finestreta.state === 'available'", timeout=10_000)
    booth.locator("#rate-skip").click(timeout=10_000)
    booth.wait_for_function("() => window.finestreta.screen === 'idle'", timeout=20_000)
    return first - accepted_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=12)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        server = make_server(
            Path(tmp),
            {"FINESTRETA_LOG_LEVEL": "warning", "FINESTRETA_KIOSK_IDLE_RESET_SECONDS": "600"},
        )
        server.start()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            floor_page = browser.new_page()
            floor_page.goto(f"{server.url}/api/health")
            floor = [float(floor_page.evaluate(FLOOR)) for _ in range(args.calls)]
            floor_page.close()

            console = open_console(browser, server, "jordi")
            console.wait_for_function(
                "() => window.finestreta && window.finestreta.state !== undefined"
            )
            console.click("#state-available")
            booth = pair_booth(browser, server, "sants")
            booth.add_init_script(WATCH_FIRST_FRAME)
            booth.reload()
            booth.wait_for_function(
                "() => window.finestreta && window.finestreta.screen === 'idle'"
            )
            setup = [one_call(booth, console) for _ in range(args.calls)]
        finally:
            browser.close()
            server.stop()

    result = {
        "calls": args.calls,
        "accept_to_first_frame_p50_ms": round(statistics.median(setup), 1),
        "accept_to_first_frame_p99_ms": round(percentile(setup, 99), 1),
        "floor_p50_ms": round(statistics.median(floor), 1),
        "floor_p99_ms": round(percentile(floor, 99), 1),
    }
    result["ratio_p50"] = round(result["accept_to_first_frame_p50_ms"] / result["floor_p50_ms"], 2)
    result["target_met"] = result["ratio_p50"] <= 2.0
    print(
        f"accept → first frame at the booth: p50 {result['accept_to_first_frame_p50_ms']} ms, "
        f"p99 {result['accept_to_first_frame_p99_ms']} ms over {args.calls} calls"
    )
    print(
        f"floor (two peer connections in one page): p50 {result['floor_p50_ms']} ms, "
        f"p99 {result['floor_p99_ms']} ms"
    )
    print(
        f"ratio p50 {result['ratio_p50']} (target ≤ 2.0: {'met' if result['target_met'] else 'MISSED'})"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    start = time.monotonic()
    main()
    print(f"# took {time.monotonic() - start:.0f} s", file=sys.stderr)
