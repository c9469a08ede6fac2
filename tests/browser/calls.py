"""What the browser tests look at: the booth and console flows, and the call's real media state
read from ``RTCPeerConnection.getStats()``."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

INBOUND_VIDEO_FRAMES = """async () => {
  const s = window.finestreta && window.finestreta.session;
  if (!s || !s.pc) return -1;
  const stats = await s.pc.getStats();
  let frames = -1;
  stats.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded || 0;
  });
  return frames;
}"""

SELECTED_PAIR = """async () => {
  const pc = window.finestreta.session.pc;
  const stats = await pc.getStats();
  let pairId = null;
  stats.forEach((r) => {
    if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
  });
  if (!pairId) {
    stats.forEach((r) => {
      if (r.type === 'candidate-pair' && r.state === 'succeeded' && r.nominated) pairId = r.id;
    });
  }
  if (!pairId) return null;
  const pair = stats.get(pairId);
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return {local: local.candidateType, remote: remote.candidateType, state: pair.state};
}"""


def connection_state(page: Any) -> str | None:
    state: str | None = page.evaluate(
        "() => { const s = window.finestreta && window.finestreta.session;"
        " return s && s.pc ? s.pc.connectionState : null; }"
    )
    return state


PEER_STATE = """() => {
  const s = window.finestreta && window.finestreta.session;
  const pc = s && s.pc;
  return pc ? {connection: pc.connectionState, ice: pc.iceConnectionState,
    gathering: pc.iceGatheringState, signaling: pc.signalingState,
    restarts: s.iceRestarts} : null;
}"""


def wait_connected(page: Any, timeout_s: float = 45) -> None:
    """The page's call is connected; if not in time, the failure says how far it got."""
    try:
        page.wait_for_function(
            "() => { const s = window.finestreta && window.finestreta.session;"
            " return !!(s && s.pc && s.pc.connectionState === 'connected'); }",
            timeout=timeout_s * 1000,
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"the call did not connect in {timeout_s} s: {page.evaluate(PEER_STATE)}"
        ) from None


def frames_decoded(page: Any) -> int:
    frames: int = page.evaluate(INBOUND_VIDEO_FRAMES)
    return frames


def assert_video_flows(page: Any, timeout_s: float = 15) -> None:
    """Inbound video frames are decoded, and their count keeps rising."""
    deadline = time.monotonic() + timeout_s
    first = frames_decoded(page)
    while first <= 0 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        first = frames_decoded(page)
    assert first > 0, "no inbound video frame was decoded"
    later = first
    while later <= first and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        later = frames_decoded(page)
    assert later > first, f"framesDecoded stopped at {first}"


def booth_request(booth: Any, language: str = "es", topic: str = "census") -> None:
    booth.click(f"#lang-{language}")
    booth.click("#privacy-accept")
    booth.click(f"#topic-{topic}")
    request_button = booth.locator("#request-attention")
    if request_button.is_visible():
        request_button.click()
    expect(booth.locator("#screen-waiting")).to_be_visible()


def go_available(console: Any) -> None:
    console.wait_for_function("() => window.finestreta && window.finestreta.state !== undefined")
    console.click("#state-available")
    # a waiting citizen may ring the clerk at once: "available" can be gone by the next look
    console.wait_for_function("() => ['available', 'ringing'].includes(window.finestreta.state)")


def booth_screen(booth: Any) -> str:
    screen: str = booth.evaluate("() => window.finestreta && window.finestreta.screen")
    return screen
