"""The information catalogue over HTTP, for clerks (staff session) and paired booths.

* ``GET /api/catalogue?q=&lang=ca|es|en[&category=][&limit=]``: search as one types; with no
  query, the entries by category (and the categories with their counts).
* ``GET /api/catalogue/{slug}?lang=``: one entry, every text (missing ones in Catalan).
* ``POST /api/calls/{call_id}/catalogue/{slug}/sheet``: the clerk of the call prints the entry's
  information sheet at the booth (it is also kept as a document of the attention).
* ``POST /api/calls/{call_id}/catalogue/{slug}/show``: the clerk shows the entry on the booth
  screen.

Nobody else may ask (401). Highlights are ``[start, end)`` offsets into the returned text, so
the page escapes the text and marks the spans itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from finestreta.catalogue.model import CHANNEL_LABELS, Category, LocalizedEntry
from finestreta.catalogue.search import Hit
from finestreta.catalogue.service import catalogue_of
from finestreta.web import security
from finestreta.web.devices_api import call_of_clerk
from finestreta.web.errors import NotFound, Refused, Unauthorized
from finestreta.web.security import ctx_of

router = APIRouter()

Lang = Literal["ca", "es", "en"]


def _allowed(request: Request) -> None:
    if security.staff_of(request) is None and security.booth_of(request) is None:
        raise Unauthorized("Log in or pair the booth first")


def _channels(entry: LocalizedEntry) -> list[dict[str, str]]:
    return [
        {"id": channel.value, "label": CHANNEL_LABELS[channel][entry.lang]}
        for channel in entry.channels
    ]


def _hit(hit: Hit) -> dict[str, Any]:
    entry = hit.entry
    return {
        "slug": entry.slug,
        "category": entry.category.value,
        "category_label": entry.category_label,
        "title": entry.title,
        "snippet": hit.snippet,
        "snippet_field": hit.snippet_field,
        "highlights": {
            "title": [list(span) for span in hit.title_spans],
            "snippet": [list(span) for span in hit.snippet_spans],
        },
        "channels": _channels(entry),
        "free": entry.free,
        "score": hit.score,
    }


@router.get("/api/catalogue")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    lang: Lang = "ca",
    category: Category | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    _allowed(request)
    results = catalogue_of(ctx_of(request)).search(q, lang, category=category, limit=limit)
    return {
        "ok": True,
        "query": results.query,
        "lang": results.lang,
        "words": list(results.words),
        "total": results.total,
        "results": [_hit(hit) for hit in results.hits],
        "categories": [
            {"id": c.category.value, "label": c.label, "count": c.count} for c in results.categories
        ],
    }


@router.get("/api/catalogue/{slug}")
def entry(request: Request, slug: str, lang: Lang = "ca") -> dict[str, Any]:
    _allowed(request)
    found = catalogue_of(ctx_of(request)).entry(slug[:80], lang)
    if found is None:
        raise NotFound("No such entry in the catalogue")
    return {
        "ok": True,
        "entry": {
            "slug": found.slug,
            "lang": found.lang,
            "category": found.category.value,
            "category_label": found.category_label,
            "title": found.title,
            "summary": found.summary,
            "who": found.who,
            "requirements": list(found.requirements),
            "free": found.free,
            "fees": found.fees_text,
            "channels": _channels(found),
            "where_when": found.where_when,
            "links": [{"label": link.label, "url": link.url} for link in found.links],
            "keywords": list(found.keywords),
            "updated_at": found.updated_at.isoformat(),
            "fallback": list(found.fallback),  # fields shown in Catalan
        },
    }


# ------------------------------------------------------------------------ during a call


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
    from finestreta.catalogue.info_sheet import render_info_sheet
    from finestreta.realtime.device_desk import DeskError, document_summary

    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    found = catalogue_of(ctx).entry(slug[:80], body.lang)
    if found is None:
        raise NotFound("No such entry in the catalogue")
    pdf = render_info_sheet(found, body.lang, ctx.settings.city_name)
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
