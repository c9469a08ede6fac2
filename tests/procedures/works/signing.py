"""Signing a works notice in tests, as the booth's pad does: the strokes over HTTP
(``POST /api/booth/signatures/{id}``), bound to the hash of the draft on the booth."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ORIGIN

KEY = "a test signature key of at least 32 characters"
STROKES = {
    "width": 600,
    "height": 240,
    "strokes": [
        [[40, 160, 0, 0.5], [120, 80, 40, 0.6], [200, 170, 80, 0.5], [300, 90, 120, 0.5]],
        [[320, 150, 300, 0.5], [420, 120, 340, 0.5], [540, 140, 380, 0.4]],
    ],
}


def sign_at_booth(call: dict[str, Any], request_id: str, sha256: str) -> None:
    answer = call["booth"].post(
        f"/api/booth/signatures/{request_id}",
        json={"document_sha256": sha256, **STROKES},
        headers=ORIGIN,
    )
    assert answer.status_code == 200, answer.text


def consent_orally(call: dict[str, Any], request_id: str, reason: str) -> None:
    answer = call["clerk"].post(
        f"/api/calls/{call['id']}/signatures/{request_id}/oral-consent",
        json={"reason": reason},
        headers=ORIGIN,
    )
    assert answer.status_code == 200, answer.text
