"""JSON endpoints: health, the call's ICE configuration, the clerk's attentions, booth texts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from finestreta import __version__
from finestreta.attention.errors import NO_CALL
from finestreta.web import security
from finestreta.web.errors import FORBIDDEN, NOT_FOUND, UNAUTHORIZED
from finestreta.web.i18n import STAFF_LANGUAGES, console_messages, kiosk_messages
from finestreta.web.security import Staff, ctx_of, require_clerk

router = APIRouter()


@router.get("/api/health")
def health() -> dict[str, Any]:
    return {"ok": True, "version": __version__}


@router.get("/api/calls/{call_id}/ice")
def call_ice(call_id: str, request: Request) -> dict[str, Any]:
    """STUN/TURN servers for one call, with fresh TURN credentials; only its two parties may
    ask (an ``RTCConfiguration`` plus ``expiresAt``, as in ``call_started``)."""
    ctx = ctx_of(request)
    staff = security.staff_of(request)
    booth = security.booth_of(request) if staff is None else None
    if staff is None and booth is None:
        raise UNAUTHORIZED("Log in or pair the booth first")
    call = ctx.hub.get(call_id) if len(call_id) <= 64 else None
    if call is None:
        raise NO_CALL("No such call")
    if staff is not None:
        if staff.id != call.clerk_id:
            raise FORBIDDEN("That call is not yours")
        user = f"clerk-{staff.id}"
    else:
        assert booth is not None
        if booth.id != call.kiosk_id:
            raise FORBIDDEN("That call is not this booth's")
        user = f"kiosk-{booth.id}"
    return ctx.hub.ice(user).model_dump()


@router.get("/api/console/attentions")
def attentions(request: Request, staff: Annotated[Staff, Depends(require_clerk)]) -> dict[str, Any]:
    frame = ctx_of(request).hub.attentions_frame(staff.id)
    return {"ok": True, "items": frame.to_dict()["items"]}


@router.get("/i18n/kiosk.json")
def kiosk_texts() -> dict[str, dict[str, str]]:
    return kiosk_messages()


@router.get("/i18n/console/{lang}.json")
def console_texts(lang: str) -> dict[str, str]:
    if lang not in STAFF_LANGUAGES:
        raise NOT_FOUND(f"The console speaks {', '.join(STAFF_LANGUAGES)}")
    return console_messages(lang)
