"""The sockets: ``/ws/kiosk`` for a paired booth page, ``/ws/console`` for a clerk,
``/ws/agent`` for the kiosk agent on the booth's computer and ``/ws/supervisor`` for a
supervisor's wallboard.

Authentication is the page's cookie (checked before the handshake is accepted) plus a
same-origin check, so another site cannot open a socket with the user's cookie. After that, each
frame is checked for rate, size, JSON and shape; a bad frame gets an ``error`` frame (built from
the error catalogue's codes, in :func:`_parse` and ``frames.error_frame`` only) and the socket,
the citizen's place and the call stay as they were.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError

from finestreta import log_context, strict_json
from finestreta.accounts.secrets import token_hash
from finestreta.errors import (
    INTERNAL,
    INVALID,
    N_,
    TOO_LARGE,
    FinestretaError,
    Malformed,
    TooManyRequests,
    declare,
)
from finestreta.realtime import frames as f
from finestreta.realtime.connections import (
    CLOSE_FORBIDDEN,
    CLOSE_SERVICE_RESTART,
    CLOSE_UNAUTHORISED,
    Connection,
    TokenBucket,
)
from finestreta.web import security
from finestreta.web.security import CALL_ROLES, SUPERVISOR_ROLES, Staff, ctx_of

log = logging.getLogger(__name__)
router = APIRouter()

RATE_LIMITED = declare(
    "rate_limited",
    TooManyRequests,
    N_("Too many actions in a short time. Wait a moment and try again."),
    N_("You pressed too many times in a row. Wait a moment and try again."),
)
BINARY_FRAME = declare(
    "binary_frame",
    Malformed,
    N_("The console sent something the server did not understand. Reload the page."),
)
BAD_JSON = declare(
    "bad_json",
    Malformed,
    N_("The console sent something the server did not understand. Reload the page."),
)
BAD_FRAME = declare(
    "bad_frame",
    Malformed,
    N_("The console sent something the server did not understand. Reload the page."),
)
UNKNOWN_TYPE = declare(
    "unknown_type",
    Malformed,
    N_("The console sent something the server did not understand. Reload the page."),
)


# ``?media=<call_id>``: a call id as frames carry it (docs/protocol.md, "Starting over")
_MEDIA = re.compile(r"[A-Za-z0-9_-]{1,64}")


def media_of(websocket: WebSocket) -> str | None:
    """The call whose peer connection the page still has connected, from ``?media=``; None
    when absent or not a call id (a bad one is ignored: the reconnection goes on as without)."""
    value = websocket.query_params.get("media")
    if value is None or not _MEDIA.fullmatch(value):
        return None
    return value


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Accept, then close with our code: a browser refused at the handshake only sees 1006 and
    cannot tell "not allowed" (stop reconnecting) from "network trouble" (try again)."""
    await websocket.accept()
    await websocket.close(code, reason)


async def _staff_or_refuse(websocket: WebSocket, roles: Collection[str], why: str) -> Staff | None:
    """The logged-in staff member of a same-site socket whose role is one of ``roles``; or
    None, the socket refused with the code that tells the page whether to try again."""
    if not security.same_origin(websocket):
        await _refuse(websocket, CLOSE_FORBIDDEN, "cross-site socket refused")
        return None
    staff = security.staff_of(websocket)
    if staff is None:
        await _refuse(websocket, CLOSE_UNAUTHORISED, "not logged in")
        return None
    if staff.role not in roles:
        await _refuse(websocket, CLOSE_FORBIDDEN, why)
        return None
    return staff


@router.websocket("/ws/kiosk")
async def kiosk_socket(websocket: WebSocket) -> None:
    if not security.same_origin(websocket):
        await _refuse(websocket, CLOSE_FORBIDDEN, "cross-site socket refused")
        return
    booth = security.booth_of(websocket)
    if booth is None:
        await _refuse(websocket, CLOSE_UNAUTHORISED, "booth not paired")
        return
    hub = ctx_of(websocket).hub
    await _serve(
        websocket,
        f.KIOSK,
        booth.id,
        on_join=hub.kiosk_joined,
        on_frame=hub.kiosk_frame,
        on_leave=hub.kiosk_left,
        credential=token_hash(websocket.cookies.get(security.KIOSK_COOKIE, "")),
        media=media_of(websocket),
    )


@router.websocket("/ws/console")
async def console_socket(websocket: WebSocket) -> None:
    staff = await _staff_or_refuse(
        websocket, CALL_ROLES, "only clerks and supervisors answer calls"
    )
    if staff is None:
        return
    hub = ctx_of(websocket).hub
    await _serve(
        websocket,
        f.CONSOLE,
        staff.id,
        on_join=lambda conn: hub.clerk_joined(conn, staff.languages, staff.topics),
        on_frame=hub.console_frame,
        on_leave=hub.clerk_left,
        credential=token_hash(websocket.cookies.get(security.STAFF_COOKIE, "")),
        media=media_of(websocket),
    )


@router.websocket("/ws/supervisor")
async def supervisor_socket(websocket: WebSocket) -> None:
    """A supervisor's (or admin's) wallboard: watches the hub, is never rung
    (docs/wallboard.md)."""
    why = "only supervisors and admins watch the board"
    staff = await _staff_or_refuse(websocket, SUPERVISOR_ROLES, why)
    if staff is None:
        return
    board = ctx_of(websocket).wallboard
    if board is None:
        await _refuse(websocket, CLOSE_FORBIDDEN, why)
        return
    await _serve(
        websocket,
        f.SUPERVISOR,
        staff.id,
        on_join=board.joined,
        on_frame=board.on_frame,
        on_leave=board.left,
        credential=token_hash(websocket.cookies.get(security.STAFF_COOKIE, "")),
    )


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    """The kiosk agent on the booth's computer (``Authorization: Kiosk <code>:<secret>``)."""
    booth = security.booth_of_agent(websocket)
    if booth is None:
        await _refuse(websocket, CLOSE_UNAUTHORISED, "unknown booth or wrong secret")
        return
    desk = ctx_of(websocket).devices
    await _serve(
        websocket,
        f.AGENT,
        booth.id,
        on_join=desk.agent_joined,
        on_frame=desk.agent_frame,
        on_leave=desk.agent_left,
    )


async def _serve(
    websocket: WebSocket,
    party: str,
    party_id: int,
    on_join: Callable[[Connection], None],
    on_frame: Callable[[Connection, Any], None],
    on_leave: Callable[[Connection], None],
    credential: str = "",
    media: str | None = None,
) -> None:
    ctx = ctx_of(websocket)
    if ctx.hub.draining:  # a socket that reached a draining server: come back in a moment
        await _refuse(websocket, CLOSE_SERVICE_RESTART, "draining")
        return
    settings = ctx.settings
    adapter = ctx.hub.frames.adapter(party)
    await websocket.accept()
    conn = Connection(
        websocket,
        party,
        party_id,
        TokenBucket(settings.frames_per_second, settings.frame_burst),
        ctx.hub.clock,
        byte_bucket=TokenBucket(settings.frame_bytes_per_second, settings.frame_bytes_burst),
    )
    conn.credential = credential
    conn.media = media
    conn.start()
    on_join(conn)
    try:
        while not conn.closed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            conn.heard()
            frame = _parse(conn, message.get("text"), adapter, settings.max_frame_bytes)
            if frame is None:
                continue
            # lines logged while handling it carry the ids of the sender's call (log_context);
            # heartbeats, the most frequent frames, skip the look-up
            ids = (None, None) if frame.type == "ping" else ctx.hub.current_ids(conn)
            with log_context.about_call(*ids):
                _handle(conn, frame, on_frame, len(message["text"]))
    except WebSocketDisconnect:
        pass
    finally:
        on_leave(conn)
        await conn.finish()


def _handle(
    conn: Connection, frame: Any, on_frame: Callable[[Connection, Any], None], size: int
) -> None:
    # the kind and size only: texts carry personal data (wrap-up notes, identities)
    log.debug("%s %s sent %s (%d chars)", conn.party, conn.party_id, frame.type, size)
    try:
        on_frame(conn, frame)
    except FinestretaError as exc:  # a refusal raised by a handler
        conn.send(f.error_frame(exc, frame.ref))
    except Exception:  # a bug must cost one frame, not the citizen's connection
        log.exception(
            "%s %s: frame %s failed", conn.party, conn.party_id, getattr(frame, "type", "?")
        )
        conn.send(f.error_frame(INTERNAL("That could not be done; try again"), frame.ref))


def _parse(
    conn: Connection, text: str | None, adapter: TypeAdapter[Any], max_bytes: int
) -> Any | None:
    """The validated frame, or None after telling the sender why not."""
    # Every frame counts against the rates, binary and oversized ones included: what a socket
    # sends costs the server whether or not it is accepted.
    size = len(text) if text is not None else 0  # characters: at most the UTF-8 bytes
    bytes_ok = conn.byte_bucket is None or conn.byte_bucket.take(size)
    if not conn.bucket.take() or not bytes_ok:
        now = time.monotonic()
        if now - conn.throttled_notice_at > 1.0:  # one notice a second, not one per frame
            conn.throttled_notice_at = now
            conn.send(f.error_frame(RATE_LIMITED("Too many frames or bytes; slow down")))
        return None
    if text is None:
        conn.send(f.error_frame(BINARY_FRAME("Frames are JSON text")))
        return None
    if size > max_bytes or (size * 4 > max_bytes and len(text.encode()) > max_bytes):
        conn.send(f.error_frame(TOO_LARGE(f"Frames are at most {max_bytes} bytes")))
        return None
    try:
        raw = strict_json.loads(text)
    except ValueError as exc:  # not JSON, nested too deep, or a non-finite number
        conn.send(f.error_frame(BAD_JSON(f"Frames are JSON objects ({exc})")))
        return None
    raw_ref = raw.get("ref") if isinstance(raw, dict) else None
    ref = raw_ref[:64] if isinstance(raw_ref, str) else None
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        conn.send(f.error_frame(BAD_FRAME("Frames are JSON objects with a 'type'"), ref))
        return None
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0] if e['loc'] else 'frame'}: {e['msg']}"
            for e in exc.errors()[:3]
        )
        unknown = any(e["type"] == "union_tag_invalid" for e in exc.errors())
        code = UNKNOWN_TYPE if unknown else INVALID
        conn.send(f.error_frame(code(f"Frame {raw['type']!r} refused: {problems}"), ref))
        return None
