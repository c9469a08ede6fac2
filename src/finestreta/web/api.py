"""JSON endpoints: health, the call's ICE configuration, the clerk's attentions, booth texts."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request

from finestreta import __version__
from finestreta.media.ice import ice_configuration
from finestreta.web import security
from finestreta.web.errors import Forbidden, NotFound, Unauthorized
from finestreta.web.i18n import STAFF_LANGUAGES, console_messages, kiosk_messages
from finestreta.web.security import CALL_ROLES, ctx_of

router = APIRouter()


@router.get("/api/health")
def health() -> dict[str, Any]:
    return {"ok": True, "version": __version__}


@router.get("/api/calls/{call_id}/ice")
def call_ice(call_id: str, request: Request) -> dict[str, Any]:
    """STUN/TURN servers for one call; only its two parties may ask."""
    ctx = ctx_of(request)
    call = ctx.hub.board.calls.get(call_id[:64])
    staff = security.staff_of(request)
    booth = security.booth_of(request) if staff is None else None
    if staff is None and booth is None:
        raise Unauthorized("Log in or pair the booth first")
    if call is None:
        raise NotFound("No such call")
    if staff is not None:
        if staff.id != call.clerk_id:
            raise Forbidden("That call is not yours")
        user = f"clerk-{staff.id}"
    else:
        assert booth is not None
        if booth.id != call.kiosk_id:
            raise Forbidden("That call is not this booth's")
        user = f"kiosk-{booth.id}"
    s = ctx.settings
    return ice_configuration(
        s.stun_urls,
        s.turn_urls,
        s.turn_secret,
        user,
        time.time(),
        s.turn_ttl_seconds,
        s.ice_transport_policy,
    )


@router.get("/api/console/attentions")
def attentions(request: Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    staff = security.staff_of(request)
    if staff is None:
        raise Unauthorized("Log in first")
    if staff.role not in CALL_ROLES:
        raise Forbidden("Only clerks and supervisors have attentions")
    frame = ctx.hub.attentions_frame(staff.id)
    return {"ok": True, "items": frame["items"]}


@router.get("/i18n/kiosk.json")
def kiosk_texts() -> dict[str, dict[str, str]]:
    return kiosk_messages()


@router.get("/i18n/console/{lang}.json")
def console_texts(lang: str) -> dict[str, str]:
    if lang not in STAFF_LANGUAGES:
        raise NotFound(f"The console speaks {', '.join(STAFF_LANGUAGES)}")
    return console_messages(lang)
