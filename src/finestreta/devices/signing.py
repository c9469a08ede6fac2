"""The signature desk's booth and console (``signatures.desk.SignatureBooth``): the pad is shown
through the booth screen (so a reloaded booth gets it again, and showing something else takes it
away), and the clerk's console hears ``signature_state``."""

from __future__ import annotations

from datetime import datetime

from finestreta.devices.screen import BoothScreen
from finestreta.realtime import frames as f
from finestreta.realtime.ports import Outbox
from finestreta.signatures.desk import Call, Shown
from finestreta.signatures.records import SignatureRequestRow

KIOSK_DOCUMENTS = "/api/kiosk/documents"


class BoothSigning:
    def __init__(self, screen: BoothScreen, outbox: Outbox) -> None:
        self.screen = screen
        self.outbox = outbox

    def show(self, call: Call, shown: Shown) -> None:
        frame = f.SignatureShow(
            request_id=shown.request_id,
            document_id=shown.document_id,
            title=shown.title,
            sha256=shown.sha256,
            pages=shown.pages,
            url=f"{KIOSK_DOCUMENTS}/{shown.document_id}",
            signer_name=shown.signer_name,
            expires_at=shown.expires_at.isoformat(),
        )
        self.screen.show(call, frame)  # type: ignore[arg-type]

    def showing(self, call: Call) -> str | None:
        shown = self.screen.shown(call)  # type: ignore[arg-type]
        if shown is None or shown.get("type") != "signature_show":
            return None
        request_id = shown.get("request_id")
        return request_id if isinstance(request_id, str) else None

    def hide(self, call: Call, request_id: str, tell: bool) -> None:
        if self.showing(call) == request_id:
            self.screen.clear(call, tell=tell)  # type: ignore[arg-type]

    def withdrawn(self, call: Call, request_id: str) -> None:
        if self.showing(call) == request_id:
            self.screen.clear(call, tell=False)  # type: ignore[arg-type]
            self.outbox.to_kiosk(call.kiosk_id, f.SignatureWithdrawn(request_id=request_id))

    def state(self, call: Call, row: SignatureRequestRow, state: str, at: datetime) -> None:
        self.outbox.to_clerk(
            call.clerk_id,
            f.SignatureState(
                request_id=row.id,
                call_id=row.call_id,
                procedure=row.procedure,
                purpose=row.purpose,
                state=state,
                at=at.isoformat(),
            ),
        )
