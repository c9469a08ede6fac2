"""Public verification of issued documents by their secure verification code (CSV), no login.

* ``GET /verify``: the form (``?code=`` sends a typed code on to its page);
* ``GET /verify/{code}``: what was issued under the code, whether it was revoked, whether the
  stored document is the issued one with its seal intact, and a link to it;
* ``GET /api/verify/{code}``: the same as JSON;
* ``GET /verify/{code}/document``: the sealed PDF itself (not for revoked documents).

A mistyped code (its check character does not match) is told apart from an unknown one without
a look-up; an unknown code gets a "not found" that says nothing else. Look-ups are throttled per
client address: ``verify_misses_per_minute`` unknown codes (default 10) and
``verify_lookups_per_minute`` look-ups of any outcome (default 30) a minute, then 429. Behind a
reverse proxy, list it in ``FINESTRETA_TRUSTED_PROXIES`` so that the client address is the
citizen's, not the proxy's (``web.security.client_address``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from finestreta.accounts.throttle import Throttle
from finestreta.documents.storage import BlobStore
from finestreta.documents.verification import (
    MALFORMED,
    TYPO,
    CodeError,
    Status,
    Verification,
    format_code,
    parse_code,
    verify,
)
from finestreta.errors import N_, FinestretaError, Gone, declare
from finestreta.web.contract import refusals
from finestreta.web.errors import NOT_FOUND, TOO_MANY_REQUESTS, status_of
from finestreta.web.i18n import CITIZEN_LANGUAGES, LANGUAGE_NAMES, pick_language, translator
from finestreta.web.security import client_address, ctx_of

router = APIRouter()

DEFAULT_MISSES_PER_MINUTE = 10
DEFAULT_LOOKUPS_PER_MINUTE = 30
RETRY_AFTER_SECONDS = 60
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@dataclass
class _Verifier:
    misses: Throttle
    lookups: Throttle
    blobs: BlobStore
    tz: ZoneInfo


def _verifier(request: Request) -> _Verifier:
    ctx = ctx_of(request)
    verifier: _Verifier | None = ctx.extra.get("verifier")
    if verifier is None:
        settings = ctx.settings
        verifier = _Verifier(
            misses=Throttle(
                getattr(settings, "verify_misses_per_minute", DEFAULT_MISSES_PER_MINUTE)
            ),
            lookups=Throttle(
                getattr(settings, "verify_lookups_per_minute", DEFAULT_LOOKUPS_PER_MINUTE)
            ),
            blobs=BlobStore(settings.documents_dir),
            tz=ZoneInfo(getattr(settings, "city_timezone", "") or "Europe/Madrid"),
        )
        ctx.extra["verifier"] = verifier
    return verifier


def _lang(request: Request) -> str:
    return pick_language(
        [request.query_params.get("lang"), request.headers.get("accept-language")],
        CITIZEN_LANGUAGES,
    )


def _client(request: Request) -> str:
    return f"ip:{client_address(request)}"


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request,
        template,
        {
            "_": translator(lang),
            "lang": lang,
            "language_names": LANGUAGE_NAMES,
            "languages": CITIZEN_LANGUAGES,
            **context,
        },
        status_code=status,
        headers=PRIVATE,
    )
    return response


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local:%d/%m/%Y %H:%M:%S} {local.tzname() or ''}".strip()


def _kind_title(request: Request, kind: str, lang: str) -> str:
    """The title of what was issued, in ``lang``, from the procedure that issues that kind."""
    for procedure in ctx_of(request).procedures.values():
        title = procedure.document_title(kind, lang)
        if title:
            return title
    return kind


REVOKED = declare(
    "revoked", Gone, N_("This document was revoked."), N_("This document was revoked.")
)
NOT_KEPT = declare(
    "unavailable",
    Gone,
    N_("This document is no longer kept by the city hall."),
    N_("This document is no longer kept by the city hall."),
)


def _refusal_text(refusal: FinestretaError, lang: str) -> str:
    """What the visitor reads on this public page, in their language."""
    _ = translator(lang)
    texts = {
        TOO_MANY_REQUESTS.code: _(
            "Too many checks from your connection. Wait a minute and try again."
        ),
        TYPO.code: _("This code has a typing mistake. Check it against the document."),
        MALFORMED.code: _("This is not a verification code: it has 18 letters and digits."),
        NOT_FOUND.code: _(
            "No document was issued with this code. Check that it was typed correctly."
        ),
        REVOKED.code: _("This document was revoked."),
        NOT_KEPT.code: _("This document is no longer kept by the city hall."),
    }
    return texts.get(refusal.code, refusal.message)


def _check(request: Request, code: str, lang: str) -> tuple[Verification, bytes | None]:
    """Throttle, parse, look up: the verification, or a refusal (``FinestretaError``)."""
    verifier = _verifier(request)
    client = _client(request)
    if verifier.misses.blocked(client) or verifier.lookups.blocked(client):
        raise TOO_MANY_REQUESTS("Too many checks from this address")
    canonical = parse_code(code)
    verifier.lookups.hit(client)
    with ctx_of(request).db.session() as session:
        found = verify(session, canonical, verifier.blobs)
    if found is None:
        verifier.misses.hit(client)
        raise NOT_FOUND("No document was issued with this code")
    return found


def _retry_headers(status: int) -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 429 else {}


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, code: str | None = None) -> Response:
    lang = _lang(request)
    if code is not None and not code.strip():
        # A submitted empty form: say what is missing rather than redisplay it unchanged.
        _ = translator(lang)
        message = _("Type the verification code printed on the document.")
        return _page(request, "verify.html", lang, status=400, error=message, code="")
    if code is not None:
        try:
            canonical = parse_code(code)
        except CodeError as error:
            message = _refusal_text(error, lang)
            return _page(request, "verify.html", lang, status=400, error=message, code=code[:80])
        target = f"/verify/{format_code(canonical)}?lang={lang}"
        return RedirectResponse(target, status_code=303)
    return _page(request, "verify.html", lang, error=None, code="")


@router.get("/verify/{code}", response_class=HTMLResponse)
def verify_page(request: Request, code: str) -> Response:
    lang = _lang(request)
    try:
        result, _content = _check(request, code, lang)
    except FinestretaError as refusal:
        status = status_of(type(refusal))
        response = _page(
            request,
            "verify_result.html",
            lang,
            status=status,
            outcome=refusal.code,
            message=_refusal_text(refusal, lang),
            code=code[:80],
            result=None,
        )
        response.headers.update(_retry_headers(status))
        return response
    tz = _verifier(request).tz
    return _page(
        request,
        "verify_result.html",
        lang,
        outcome=result.status.value,
        message="",
        code=result.code,
        result=result,
        kind_title=_kind_title(request, result.kind, lang),
        issued_at=_when(result.issued_at, tz),
        revoked_at=_when(result.revoked_at, tz),
        document_url=f"/verify/{result.code}/document" if _downloadable(result) else None,
    )


def _downloadable(result: Verification) -> bool:
    return result.status in (Status.VALID, Status.DAMAGED)


class Revocation(BaseModel):
    at: str
    reason: str | None


class SealCheck(BaseModel):
    intact: bool
    hash_matches: bool | None
    signature_intact: bool
    covers_whole_file: bool
    issuing_seal: bool
    sealed_by: str
    signed_at: str | None


class VerifyAnswer(BaseModel):
    ok: bool
    code: str
    status: str
    kind: str
    title: str
    issued_at: str
    registry_number: str | None
    sha256: str
    revoked: Revocation | None
    document_available: bool
    seal: SealCheck | None
    document_url: str | None


@router.get("/api/verify/{code}", response_model=VerifyAnswer, responses=refusals(400, 404, 429))
def verify_api(request: Request, code: str) -> JSONResponse:
    lang = _lang(request)
    try:
        result, _content = _check(request, code, lang)
    except FinestretaError as refusal:
        status = status_of(type(refusal))
        return JSONResponse(
            {"ok": False, "error": {"code": refusal.code, "message": _refusal_text(refusal, lang)}},
            status_code=status,
            headers={**PRIVATE, **_retry_headers(status)},
        )
    seal = result.seal
    body: dict[str, Any] = {
        "ok": True,
        "code": result.code,
        "status": result.status.value,
        "kind": result.kind,
        "title": _kind_title(request, result.kind, lang),
        "issued_at": result.issued_at.isoformat(),
        "registry_number": result.registry_code,
        "sha256": result.sha256,
        "revoked": None
        if result.revoked_at is None
        else {"at": result.revoked_at.isoformat(), "reason": result.revoked_reason},
        "document_available": result.document_available,
        "seal": None
        if seal is None
        else {
            "intact": result.seal_intact,
            "hash_matches": result.hash_matches,
            "signature_intact": seal.intact,
            "covers_whole_file": seal.whole_file,
            "issuing_seal": seal.trusted,
            "sealed_by": seal.signer,
            "signed_at": seal.signed_at.isoformat() if seal.signed_at else None,
        },
        "document_url": f"/verify/{result.code}/document" if _downloadable(result) else None,
    }
    return JSONResponse(body, headers=PRIVATE)


@router.get("/verify/{code}/document")
def verify_document(request: Request, code: str) -> Response:
    lang = _lang(request)
    try:
        result, content = _check(request, code, lang)
        if result.status is Status.REVOKED:
            raise REVOKED("This document was revoked")
        if content is None:
            raise NOT_KEPT("This document is no longer kept")
    except FinestretaError as refusal:
        status = status_of(type(refusal))
        response = _page(
            request,
            "verify_result.html",
            lang,
            status=status,
            outcome=refusal.code,
            message=_refusal_text(refusal, lang),
            code=code[:80],
            result=None,
        )
        response.headers.update(_retry_headers(status))
        return response
    number = (result.registry_code or result.code).replace(":", "-").replace("/", "-")
    filename = f"{result.kind}-{number}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={
            **PRIVATE,
            "Content-Disposition": f"inline; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
        },
    )
