"""The information procedure during a call: the clerk prints an entry's information sheet at
the booth, or shows the entry on the booth screen.

* ``POST /api/calls/{call_id}/catalogue/{slug}/sheet``: the clerk of the call prints the entry's
  information sheet at the booth (it is also kept as a document of the attention).
* ``POST /api/calls/{call_id}/catalogue/{slug}/show``: the clerk shows the entry on the booth
  screen.

Only the clerk holding the active call may ask (``ActiveCall``). Searching and reading the
catalogue is the platform's (``finestreta.web.catalogue_api``): the booth browses it on its own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from finestreta.catalogue.service import catalogue_of
from finestreta.catalogue.sheet import render_info_sheet
from finestreta.devices.desk import summary
from finestreta.documents.pdf.heading import CityHeading
from finestreta.procedures.information.frames import ShowEntry
from finestreta.realtime.frames import DocumentSummary
from finestreta.web import security
from finestreta.web.calls import ActiveCall
from finestreta.web.catalogue_api import NO_ENTRY
from finestreta.web.contract import CALL, Done, refusals

router = APIRouter()

Lang = Literal["ca", "es", "en"]
# A catalogue slug (docs/catalogue.md): lower-case letters, digits, single hyphens, ≤ 80.
Slug = Annotated[str, PathParam(max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
SameOrigin = [Depends(security.require_same_origin)]


class SheetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lang: Lang = "ca"
    copies: Annotated[int, Field(ge=1, le=5)] = 1
    print: bool = True  # False: only add the sheet to the attention's documents


class SheetAnswer(BaseModel):
    ok: bool
    document: DocumentSummary
    job_id: str | None
    # when printed: whether the booth's printer can print now, and if not why (the job waits)
    printer_ready: bool | None = None
    printer_reason: str | None = None


@router.post(
    "/api/calls/{call_id}/catalogue/{slug}/sheet",
    dependencies=SameOrigin,
    response_model=SheetAnswer,
    responses=refusals(*CALL),
)
def print_sheet(slug: Slug, body: SheetBody, access: ActiveCall) -> dict[str, Any]:
    """The entry's one-page information sheet, added to the attention and printed at the booth."""
    ctx = access.ctx
    found = catalogue_of(ctx).entry(slug, body.lang)
    if found is None:
        raise NO_ENTRY("No such entry in the catalogue")
    pdf = render_info_sheet(found, body.lang, CityHeading.from_settings(ctx.settings))
    row = ctx.devices.attach(
        access.call, pdf, kind="info_sheet", title=found.title, by=f"clerk:{access.staff.id}"
    )
    answer: dict[str, Any] = {"ok": True, "document": summary(row).model_dump(), "job_id": None}
    ctx.steps.record(
        "information",
        "sheet",
        call_id=access.call.id,
        clerk_id=access.staff.id,
        entry=slug,
        lang=body.lang,
        printed=body.print,
    )
    if body.print:
        job = ctx.devices.request_print(access.staff.id, access.call.id, row.id, body.copies)
        answer["job_id"] = job.id
        answer.update(ctx.devices.printer_now(job.kiosk_id))
    return answer


@router.post(
    "/api/calls/{call_id}/catalogue/{slug}/show",
    dependencies=SameOrigin,
    response_model=Done,
    responses=refusals(*CALL),
)
def show_entry(slug: Slug, access: ActiveCall) -> dict[str, Any]:
    """Show the entry on the booth screen (the booth reads it in the citizen's language)."""
    ctx = access.ctx
    if catalogue_of(ctx).entry(slug) is None:
        raise NO_ENTRY("No such entry in the catalogue")
    ctx.screen.show(access.call, ShowEntry(slug=slug))
    ctx.steps.record(
        "information", "shown", call_id=access.call.id, clerk_id=access.staff.id, entry=slug
    )
    return {"ok": True}
