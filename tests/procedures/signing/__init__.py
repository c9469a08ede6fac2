"""A test procedure that asks the citizen to sign (``Platform.signatures``), registered through
``FINESTRETA_PROCEDURES`` as ``tests.procedures.signing:procedure``: its panel's button asks
for a signature on a PDF made on the spot, and what ``signature_given`` hears is recorded as a
step (which the browser tests read)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any, ClassVar

from fastapi import APIRouter, Depends
from reportlab.pdfgen.canvas import Canvas

from finestreta.procedures.base import Panel, Procedure, Topic
from finestreta.signatures.desk import SignatureGiven, Signer
from finestreta.web import security
from finestreta.web.calls import ActiveCall

NAME = "signing"
SIGNER = Signer("Núria Puig Vidal", "DNI", "12345678Z")


def notice_pdf(call_id: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setTitle("Notice of works")
    canvas.drawString(72, 760, "Notice of works at Carrer Gran de Sant Andreu 1")
    canvas.drawString(72, 740, f"Attention {call_id[:8]}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class Signing(Procedure):
    name = NAME
    topics: ClassVar[Mapping[str, Topic]] = {
        "general": Topic(label="General matters", description="Anything else", order=10)
    }
    panel = Panel(order=5)

    def setup(self, platform: Any) -> None:
        self.platform = platform

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.post(
            "/api/calls/{call_id}/signing/ask",
            dependencies=[Depends(security.require_same_origin)],
        )
        def ask(access: ActiveCall) -> dict[str, Any]:
            asked = self.platform.signatures.ask(
                access.call,
                procedure=NAME,
                purpose="notice",
                title="Notice of works",
                pdf=notice_pdf(access.call.id),
                signer=SIGNER,
            )
            return {"ok": True, "request_id": asked.request_id, "sha256": asked.sha256}

        return router

    def signature_given(self, given: SignatureGiven) -> None:
        strokes = given.signature.point_count() if given.signature is not None else 0
        self.platform.steps.record(
            NAME,
            "given",
            given.request.state,
            call_id=given.call_id,
            purpose=given.purpose,
            points=strokes,
        )


procedure = Signing()
