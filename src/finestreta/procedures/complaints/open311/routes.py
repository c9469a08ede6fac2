"""``/open311/v2/``: GeoReport v2 over the complaint cases (docs/open311.md).

Who may call: anyone may read (discovery, services, public requests, tokens: nothing personal
is in them); filing a request (POST) needs an API key (``finestreta open311 keys create``) and
is rate-limited per key. Every answer is XML or JSON as the path's extension says; every error
under ``/open311/`` is the spec's error list, rendered by :func:`render_error` from the one
error tree (``web/errors.py`` hands it the errors of this prefix).

The POST body is ``application/x-www-form-urlencoded`` as the spec says and nothing else: an
XML (or JSON, or multipart) body is refused before it is read, so no entity in it is ever
resolved — the API parses no XML at all.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from finestreta.errors import N_, InvalidInput, NotFound, declare
from finestreta.procedures.complaints.open311 import keys, service
from finestreta.procedures.complaints.open311.formats import (
    FORMATS,
    MEDIA,
    error_document,
    respond,
)
from finestreta.procedures.complaints.types import DOMAIN
from finestreta.web.errors import NOT_FOUND

PREFIX = "/open311/v2"
URLENCODED = "application/x-www-form-urlencoded"
MAX_FIELDS = 100
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00+00:00"  # when this endpoint's description last changed
CATALOGUE = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
LIVE = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
PRIVATE = {"Cache-Control": "no-store"}

OPEN311_JURISDICTION_NOT_FOUND = declare(
    "open311_jurisdiction_not_found",
    NotFound,
    N_("This endpoint does not serve that jurisdiction."),
    domain=DOMAIN,
)
OPEN311_FORM_EXPECTED = declare(
    "open311_form_expected",
    InvalidInput,
    N_("Send the request as a form (application/x-www-form-urlencoded)."),
    domain=DOMAIN,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)
# SQLite takes its write lock only at the first write, after the rate count was read: two POSTs
# of one key at once could both count below the limit. This process files one at a time there
# (PostgreSQL locks the key's row instead, across processes: keys.authenticate(lock=True)).
_SQLITE_FILING = threading.Lock()


def render_error(
    request: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None
) -> Response:
    """Any error of a path under ``/open311/`` in the spec's format: XML unless the path asks
    for JSON. The statuses are the spec's (400, 403, 404) where it has one: a malformed input
    (422 elsewhere) is a 400 here; the others (405, 413, 429, 500, 503) are kept."""
    fmt = "json" if request.url.path.endswith(".json") else "xml"
    status = 400 if status == 422 else status
    extra = {"Retry-After": "60"} if status == 429 else {}
    return Response(
        error_document(fmt, status, code, message),
        status_code=status,
        media_type=MEDIA[fmt],
        headers={**dict(headers or {}), **PRIVATE, **extra},
    )


def _complaints(request: Request) -> Any:
    return request.app.state.ctx.procedure("complaints")


def _checked(request: Request, fmt: str, jurisdiction: str | None = None) -> Any:
    """The procedure, once the format and the jurisdiction are ones we serve."""
    if fmt not in FORMATS:
        raise NOT_FOUND(f"no format {fmt!r}: xml or json")
    complaints = _complaints(request)
    given = (
        jurisdiction if jurisdiction is not None else request.query_params.get("jurisdiction_id")
    )
    if given and given != complaints.open311_settings.jurisdiction:
        raise OPEN311_JURISDICTION_NOT_FOUND("jurisdiction_id not found")
    return complaints


def _zone(complaints: Any) -> ZoneInfo:
    return ZoneInfo(complaints.platform.settings.city_timezone)


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: str) -> Response:
    complaints = _checked(request, fmt)
    # The configured public address, never the request's Host header: this answer is cached
    # publicly, so a forged Host would otherwise be served to everyone (cache poisoning).
    # Without one configured, the path alone (relative to wherever the client found us).
    base = complaints.platform.settings.public_url.rstrip("/") + PREFIX
    document = {
        "changeset": CHANGESET,
        "contact": "See the city's website for contact details.",
        "key_service": "API keys are issued by the city (finestreta open311 keys create).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", document, headers=CATALOGUE)


def _service(svc: service.Service) -> dict[str, Any]:
    return {
        "service_code": svc.code,
        "service_name": svc.name,
        "description": svc.description,
        "metadata": svc.metadata,
        "type": svc.type,
        "keywords": ",".join(svc.keywords),
        "group": svc.group,
    }


@router.get("/services.{fmt}")
def services(request: Request, fmt: str) -> Response:
    _checked(request, fmt)
    return respond(
        fmt, "services", [_service(s) for s in service.SERVICES.values()], headers=CATALOGUE
    )


@router.get("/services/{service_code}.{fmt}")
def definition(request: Request, service_code: str, fmt: str) -> Response:
    _checked(request, fmt)
    svc = service.service(service_code)
    document = {
        "service_code": svc.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values] or None,
            }
            for a in svc.attributes
        ],
    }
    return respond(fmt, "service_definition", document, headers=CATALOGUE)


@router.get("/requests.{fmt}")
def requests(request: Request, fmt: str) -> Response:
    complaints = _checked(request, fmt)
    zone = _zone(complaints)
    filters = service.parse_filters(request.query_params, zone)
    with complaints.platform.db.session() as session:
        found = service.requests(session, filters, now=complaints.platform.clock.now(), zone=zone)
    return respond(fmt, "service_requests", found, headers=LIVE)


@router.get("/requests/{service_request_id}.{fmt}")
def one_request(request: Request, service_request_id: str, fmt: str) -> Response:
    complaints = _checked(request, fmt)
    with complaints.platform.db.session() as session:
        found = service.request(session, service_request_id, zone=_zone(complaints))
    return respond(fmt, "service_requests", [found], headers=LIVE)


@router.get("/tokens/{token}.{fmt}")
def token(request: Request, token: str, fmt: str) -> Response:
    complaints = _checked(request, fmt)
    with complaints.platform.db.session() as session:
        number = service.by_token(session, token)
    return respond(
        fmt,
        "service_requests",
        [{"service_request_id": number, "token": token}],
        headers=LIVE,
    )


@router.post("/requests.{fmt}")
async def file_request(request: Request, fmt: str) -> Response:
    """A new request: a form with the API key, checked whole, then a case (201)."""
    if fmt not in FORMATS:
        raise NOT_FOUND(f"no format {fmt!r}: xml or json")
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != URLENCODED:
        # refused unread: an XML body's entities are never resolved, since it is never parsed
        raise OPEN311_FORM_EXPECTED(f"the body must be {URLENCODED}, not {media or 'none'}")
    body = await request.body()  # the platform's body limit applies (web/bodies.py)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise service.OPEN311_BAD_PARAMETER(
            f"not a UTF-8 form of at most {MAX_FIELDS} fields"
        ) from None
    form = service.single_values(pairs)
    complaints = _checked(request, fmt, form.get("jurisdiction_id"))
    filed = await run_in_threadpool(_file, complaints, form)
    answer = [
        {
            "service_request_id": filed.service_request_id,
            "token": filed.token,
            "service_notice": "Received: the city answers within its due days.",
        }
    ]
    return respond(fmt, "service_requests", answer, status=201, headers=PRIVATE)


def _file(complaints: Any, form: Mapping[str, str]) -> service.Filed:
    platform = complaints.platform
    settings = complaints.open311_settings
    one_at_a_time = (
        _SQLITE_FILING if platform.db.engine.dialect.name == "sqlite" else contextlib.nullcontext()
    )
    with one_at_a_time, platform.db.session() as session:
        key = keys.authenticate(session, form.get("api_key"), lock=True)
        return service.file_request(
            session,
            form,
            key=key,
            now=platform.clock.now(),
            streets=platform.streets,
            settings=complaints.settings,
            per_minute=settings.posts_per_minute,
            timezone=platform.settings.city_timezone,
            registry_language=complaints.settings.registry_language,
        )
