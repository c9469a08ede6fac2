"""Signing a works notice in tests: the booth sends the citizen's strokes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from finestreta.signatures import parse
from finestreta.signatures.sealing import SealedRequest

STROKES = {
    "width": 600,
    "height": 240,
    "strokes": [
        [[40, 160, 0, 0.5], [120, 80, 40, 0.6], [200, 170, 80, 0.5], [300, 90, 120, 0.5]],
        [[320, 150, 300, 0.5], [420, 120, 340, 0.5], [540, 140, 380, 0.4]],
    ],
}


class FakeSignatures:
    """Stands for the platform's signature desk until it lands (stores the draft, fixes its hash)."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self.asked: dict[str, Any] = {}

    def ask(
        self, call: Any, *, procedure: str, purpose: str, title: str, pdf: bytes, signer: Any
    ) -> Any:
        row = self.platform.devices.attach(
            call, pdf, kind="signature_draft", title=title, by="test"
        )
        request_id = secrets.token_urlsafe(16)
        self.asked[request_id] = (call.id, procedure, purpose, signer, row.sha256)
        return SimpleNamespace(request_id=request_id, document_id=row.id, sha256=row.sha256)

    def cancel(self, call: Any, request_id: str) -> None:
        self.asked.pop(request_id, None)


def sign_at_booth(call: dict[str, Any], ctx: Any, request_id: str) -> None:
    works = ctx.procedure("works")
    fake = works.platform.signatures
    call_id, procedure, purpose, signer, sha = fake.asked.pop(request_id)
    request = SealedRequest(request_id, sha, signer.name, "signed", datetime.now(UTC), None, None)
    works.signature_given(
        SimpleNamespace(
            call_id=call_id,
            procedure=procedure,
            purpose=purpose,
            request=request,
            signature=parse(STROKES),
        )
    )
