"""JSON endpoints: health, the call's ICE configuration, the clerk's attentions, booth texts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from finestreta import __version__
from finestreta.attention.errors import NO_CALL
from finestreta.errors import N_, Unavailable, declare
from finestreta.procedures.texts import merged
from finestreta.realtime.frames import Attention, Ice
from finestreta.web import security
from finestreta.web.contract import STAFF, refusals
from finestreta.web.errors import NOT_FOUND, UNAUTHORIZED
from finestreta.web.i18n import (
    CITIZEN_LANGUAGES,
    STAFF_LANGUAGES,
    console_messages,
    kiosk_messages,
)
from finestreta.web.security import Staff, ctx_of, require_clerk

router = APIRouter()

DRAINING = declare("draining", Unavailable, N_("The server is restarting. Try again in a moment."))


class HealthAnswer(BaseModel):
    ok: bool
    version: str
    mode: Literal["embedded", "cluster"] = "embedded"
    # the bus between nodes: "none" on one node; "down" while Redis is away (this node still
    # serves the sockets it holds and catches up from the database: not a reason to eject it)
    bus: Literal["none", "ok", "down"] = "none"
    board_version: int = 0


class AttentionsAnswer(BaseModel):
    ok: bool
    items: list[Attention]


@router.get("/api/health", responses=refusals(503))
def health(request: Request) -> HealthAnswer:
    # SIGTERM came and the server drains (cli.py): a load balancer sends no one here, and the
    # process stops within FINESTRETA_DRAIN_SECONDS
    if ctx_of(request).hub.draining:
        raise DRAINING("Draining before a restart")
    hub = ctx_of(request).hub
    if hub.bus.mode == "none":
        return HealthAnswer(ok=True, version=__version__)
    return HealthAnswer(
        ok=True,
        version=__version__,
        mode="cluster",
        bus="ok" if hub.bus.healthy else "down",
        board_version=hub.keeper.version,
    )


@router.get("/api/calls/{call_id}/ice", responses=refusals(401, 404))
def call_ice(call_id: str, request: Request) -> Ice:
    """STUN/TURN servers for one call, with fresh TURN credentials; only its two parties may
    ask (an ``RTCConfiguration`` plus ``expiresAt``, as in ``call_started``)."""
    ctx = ctx_of(request)
    staff = security.staff_of(request)
    booth = security.booth_of(request) if staff is None else None
    if staff is None and booth is None:
        raise UNAUTHORIZED("Log in or pair the booth first")
    call = ctx.hub.get(call_id) if len(call_id) <= 64 else None
    party = (call.clerk_id if staff is not None else call.kiosk_id) if call is not None else None
    asker = staff.id if staff is not None else booth.id if booth is not None else None
    if call is None or party != asker:
        # someone else's call answers as an unknown one: its existence is not confirmed
        raise NO_CALL("No call of yours with that id")
    user = f"clerk-{asker}" if staff is not None else f"kiosk-{asker}"
    return ctx.hub.ice(user)


@router.get("/api/console/attentions", responses=refusals(*STAFF))
def attentions(
    request: Request, staff: Annotated[Staff, Depends(require_clerk)]
) -> AttentionsAnswer:
    frame = ctx_of(request).hub.attentions_frame(staff.id)
    return AttentionsAnswer(ok=True, items=frame.items)


def error_texts(request: Request, audience: str, lang: str) -> dict[str, str]:
    """What a person reads for each error code, in ``lang``: the catalogue's clerk or citizen
    text, translated in its domain (the platform's ``errors``, or a procedure's own)."""
    from finestreta import errors
    from finestreta.i18n import LOCALE_DIR, catalogue

    procedures = ctx_of(request).procedures
    texts: dict[str, str] = {}
    for code, entry in errors.CODES.items():
        text = entry.citizen if audience == "kiosk" else entry.clerk
        if not text:
            continue
        procedure = procedures.get(entry.domain)
        folder = procedure.locale if procedure is not None else LOCALE_DIR
        table = catalogue(lang, entry.domain, folder) if folder is not None else {}
        texts[code] = table.get(text, text)
    return texts


@router.get("/i18n/errors/console/{lang}.json", responses=refusals(404))
def console_error_texts(lang: str, request: Request) -> dict[str, str]:
    if lang not in STAFF_LANGUAGES:
        raise NOT_FOUND(f"The console speaks {', '.join(STAFF_LANGUAGES)}")
    return error_texts(request, "console", lang)


@router.get("/i18n/errors/kiosk.json")
def kiosk_error_texts(request: Request) -> dict[str, dict[str, str]]:
    return {lang: error_texts(request, "kiosk", lang) for lang in CITIZEN_LANGUAGES}


@router.get("/i18n/kiosk.json")
def kiosk_texts(request: Request) -> dict[str, dict[str, str]]:
    """The booth's texts in every language at once (the citizen switches on the booth), with
    the texts of the procedures' booth screens."""
    procedures = ctx_of(request).procedures.values()
    return {lang: merged(procedures, lang, table) for lang, table in kiosk_messages().items()}


@router.get("/i18n/console/{lang}.json", responses=refusals(404))
def console_texts(lang: str, request: Request) -> dict[str, str]:
    if lang not in STAFF_LANGUAGES:
        raise NOT_FOUND(f"The console speaks {', '.join(STAFF_LANGUAGES)}")
    return merged(ctx_of(request).procedures.values(), lang, console_messages(lang))
