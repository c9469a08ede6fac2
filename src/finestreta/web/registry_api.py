"""The registry during a call: ``POST /api/calls/{call_id}/receipts`` makes the citizen's
receipt of a registry entry of this attention (``registry_code``), as a document of the
attention (print it, show it, like any other). Platform, not a procedure's: every procedure
that registers something in the citizen's name gives them its receipt the same way.

Only the clerk holding the active call may ask (``ActiveCall``); an entry of another
attention is 404."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from finestreta.devices.desk import summary
from finestreta.errors import N_, NotFound, declare
from finestreta.realtime.frames import DocumentSummary
from finestreta.web import security
from finestreta.web.calls import ActiveCall
from finestreta.web.contract import CALL, refusals

router = APIRouter()

NO_REGISTRY_ENTRY = declare(
    "no_registry_entry", NotFound, N_("That registry entry is not part of this attention.")
)


class ReceiptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registry_code: Annotated[str, Field(min_length=1, max_length=40)]
    lang: Literal["ca", "es", "en"] = "ca"


class DocumentAnswer(BaseModel):
    ok: bool
    document: DocumentSummary


@router.post(
    "/api/calls/{call_id}/receipts",
    dependencies=[Depends(security.require_same_origin)],
    responses=refusals(*CALL),
)
def receipt(body: ReceiptBody, request: Request, access: ActiveCall) -> DocumentAnswer:
    from sqlalchemy import select

    from finestreta.documents.issued import IssuedDocument
    from finestreta.documents.pdf.heading import CityHeading
    from finestreta.documents.verification import format_code, verify_url
    from finestreta.registry import receipt as receipts
    from finestreta.registry.service import get_by_code

    ctx = access.ctx
    with ctx.db.session() as session:
        entry = get_by_code(session, body.registry_code)
        if entry is None or entry.call_id != access.call.id:
            raise NO_REGISTRY_ENTRY("No registry entry of this attention with that code")
        city = CityHeading.from_settings(ctx.settings)
        issued = session.scalar(
            select(IssuedDocument).where(IssuedDocument.registry_code == entry.code)
        )
        verification = None
        if issued is not None:
            public_url = ctx.settings.public_url
            verification = receipts.Verification(
                format_code(issued.code), verify_url(public_url, issued.code)
            )
        pdf = receipts.render_receipt(
            entry,
            city=city,
            lang=body.lang,
            tz=ctx.settings.city_timezone,
            verification=verification,
        )
        title = f"{receipts.receipt_title(body.lang)} {entry.number_text}"
    row = ctx.devices.attach(
        access.call, pdf, kind="receipt", title=title, by=f"clerk:{access.staff.id}"
    )
    return DocumentAnswer(ok=True, document=summary(row))
