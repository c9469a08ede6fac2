"""The information catalogue over HTTP, for clerks (staff session) and paired booths.

* ``GET /api/catalogue?q=&lang=ca|es|en[&category=][&limit=]``: search as one types; with no
  query, the entries by category (and the categories with their counts).
* ``GET /api/catalogue/{slug}?lang=``: one entry, every text (missing ones in Catalan).

The clerk's in-call actions on an entry (print its sheet, show it on the booth) are the
information procedure's (``finestreta.procedures.information.routes``).

Nobody else may ask (401). Highlights are ``[start, end)`` offsets into the returned text, so
the page escapes the text and marks the spans itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from finestreta.catalogue.model import CHANNEL_LABELS, Category, LocalizedEntry
from finestreta.catalogue.search import Hit
from finestreta.catalogue.service import catalogue_of
from finestreta.errors import N_, NotFound, declare
from finestreta.web import security
from finestreta.web.contract import refusals
from finestreta.web.errors import NOT_FOUND
from finestreta.web.security import ctx_of

router = APIRouter()

NO_ENTRY = declare("no_entry", NotFound, N_("That entry is no longer in the catalogue."))

Lang = Literal["ca", "es", "en"]


class Channel(BaseModel):
    id: str
    label: str


class Highlights(BaseModel):
    title: list[list[int]]
    snippet: list[list[int]]


class SearchHit(BaseModel):
    slug: str
    category: str
    category_label: str
    title: str
    snippet: str
    snippet_field: str
    highlights: Highlights
    channels: list[Channel]
    free: bool
    score: float


class CategoryCount(BaseModel):
    id: str
    label: str
    count: int


class SearchAnswer(BaseModel):
    ok: bool
    query: str
    lang: str
    words: list[str]
    total: int
    results: list[SearchHit]
    categories: list[CategoryCount]


class Link(BaseModel):
    label: str
    url: str


class Entry(BaseModel):
    slug: str
    lang: str
    category: str
    category_label: str
    title: str
    summary: str
    who: str
    requirements: list[str]
    free: bool
    fees: str
    channels: list[Channel]
    where_when: str
    links: list[Link]
    keywords: list[str]
    updated_at: str
    fallback: list[str]


class EntryAnswer(BaseModel):
    ok: bool
    entry: Entry


def _allowed(request: Request) -> None:
    security.require_staff_or_booth(request)


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


@router.get("/api/catalogue", response_model=SearchAnswer, responses=refusals(401, 422))
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


@router.get("/api/catalogue/{slug}", response_model=EntryAnswer, responses=refusals(401, 404, 422))
def entry(request: Request, slug: str, lang: Lang = "ca") -> dict[str, Any]:
    _allowed(request)
    found = catalogue_of(ctx_of(request)).entry(slug[:80], lang)
    if found is None:
        raise NOT_FOUND("No such entry in the catalogue")
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
