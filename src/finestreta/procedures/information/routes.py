"""The information procedure during a call: the clerk prints an entry's information sheet at
the booth, or shows the entry on the booth screen.

* ``POST /api/calls/{call_id}/catalogue/{slug}/sheet``: the clerk of the call prints the entry's
  information sheet at the booth (it is also kept as a document of the attention).
* ``POST /api/calls/{call_id}/catalogue/{slug}/show``: the clerk shows the entry on the booth
  screen.

Searching and reading the catalogue is the platform's (``finestreta.web.catalogue_api``): the
booth browses it on its own too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from finestreta.catalogue.service import catalogue_of
from finestreta.web import security
from finestreta.web.devices_api import call_of_clerk
from finestreta.web.errors import NotFound, Refused
from finestreta.web.security import ctx_of

router = APIRouter()

Lang = Literal["ca", "es", "en"]


class SheetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lang: Lang = "ca"
    copies: Annotated[int, Field(ge=1, le=5)] = 1
    print: bool = True  # False: only add the sheet to the attention's documents


@router.post(
    "/api/calls/{call_id}/catalogue/{slug}/sheet",
    dependencies=[Depends(security.require_same_origin)],
)
def print_sheet(call_id: str, slug: str, body: SheetBody, request: Request) -> dict[str, Any]:
    """The entry's one-page information sheet, added to the attention and printed at the booth."""
    from finestreta.documents.pdf.heading import CityHeading
    from finestreta.procedures.information.sheet import render_info_sheet
    from finestreta.realtime.device_desk import DeskError, document_summary

    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    found = catalogue_of(ctx).entry(slug[:80], body.lang)
    if found is None:
        raise NotFound("No such entry in the catalogue")
    pdf = render_info_sheet(found, body.lang, CityHeading.from_settings(ctx.settings))
    with ctx.db.session() as session:
        row = ctx.devices.documents.add(
            session,
            pdf,
            kind="info_sheet",
            title=found.title,
            created_by=f"clerk:{staff.id}",
            call_id=call.id,
            kiosk_id=call.kiosk_id,
        )
        summary = document_summary(row)
    ctx.hub.send_to_clerk(staff.id, {"type": "document", **summary})
    answer: dict[str, Any] = {"ok": True, "document": summary, "job_id": None}
    if body.print:
        try:
            job = ctx.devices.request_print(staff.id, call.id, summary["document_id"], body.copies)
        except DeskError as exc:
            raise Refused(exc.status, exc.code, exc.message) from None
        answer["job_id"] = job.id
    return answer


@router.post(
    "/api/calls/{call_id}/catalogue/{slug}/show",
    dependencies=[Depends(security.require_same_origin)],
)
def show_entry(call_id: str, slug: str, request: Request) -> dict[str, Any]:
    """Show the entry on the booth screen (the booth reads it in the citizen's language)."""
    from finestreta.realtime.device_desk import DeskError

    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    catalogue = catalogue_of(ctx)
    try:
        ctx.devices.show_entry(
            staff.id, call.id, slug[:80], exists=lambda s: catalogue.entry(s) is not None
        )
    except DeskError as exc:
        raise Refused(exc.status, exc.code, exc.message) from None
    return {"ok": True}
