"""The switchboard's whole state as plain data (JSON-able), and back.

``to_dict`` / ``from_dict`` let a process start from a saved state and fold only the events
after it (``attention/replica.py``). ``normalised`` is the state two boards must share to make
the same decisions from now on: it leaves out the one thing the switchboard clears silently, by
time, where clearing or not changes nothing (see the function).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finestreta.attention.states import CallState, ClerkState, RequestState
from finestreta.attention.switchboard import (
    Call,
    Clerk,
    KioskPresence,
    Offer,
    Request,
    RoutingRules,
    Switchboard,
    _new_id,
)

# Bumped whenever the shape below changes; a reader refuses any other (``from_dict``).
FORMAT = 1


def to_dict(board: Switchboard) -> dict[str, Any]:
    """Everything the board knows, in a stable order (the rules are configuration, not state)."""
    return {
        "format": FORMAT,
        "next_seq": board.next_seq,
        "clerks": [_clerk(c) for _, c in sorted(board.clerks.items())],
        "requests": [_request(r) for r in sorted(board.requests.values(), key=lambda r: r.seq)],
        "offers": [_offer(o) for _, o in sorted(board.offers.items())],
        "calls": [_call(c) for _, c in sorted(board.calls.items())],
        "kiosks": [
            {"id": k.id, "connected": k.connected, "disconnected_since": k.disconnected_since}
            for _, k in sorted(board.kiosks.items())
        ],
        "rejoin": [[kiosk, p, until] for kiosk, (p, until) in sorted(board.rejoin.items())],
    }


def from_dict(
    data: dict[str, Any],
    rules: RoutingRules | None = None,
    new_id: Callable[[], str] = _new_id,
) -> Switchboard:
    """A board holding the state ``to_dict`` wrote; ``ValueError`` for another format."""
    if data.get("format") != FORMAT:
        raise ValueError(f"switchboard snapshot format {data.get('format')!r}, not {FORMAT}")
    board = Switchboard(rules, new_id=new_id)
    for c in data["clerks"]:
        board.clerks[c["id"]] = Clerk(
            c["id"],
            frozenset(c["languages"]),
            frozenset(c["topics"]),
            ClerkState(c["state"]),
            c["idle_since"],
            c["missed_rings"],
            c["connected"],
            c["disconnected_since"],
            c["offer_id"],
            c["call_id"],
        )
    for r in data["requests"]:
        board.requests[r["id"]] = Request(
            r["id"],
            r["kiosk_id"],
            r["language"],
            r["topic"],
            r["priority"],
            r["seq"],
            r["created_at"],
            RequestState(r["state"]),
            r["offer_id"],
            r["call_id"],
            {clerk: until for clerk, until in r["passed_by"]},
        )
    for o in data["offers"]:
        board.offers[o["id"]] = Offer(
            o["id"], o["request_id"], o["clerk_id"], o["created_at"], o["deadline"]
        )
    for c in data["calls"]:
        board.calls[c["id"]] = Call(
            c["id"],
            c["request_id"],
            c["kiosk_id"],
            c["clerk_id"],
            c["started_at"],
            CallState(c["state"]),
            c["ended_at"],
        )
    for k in data["kiosks"]:
        board.kiosks[k["id"]] = KioskPresence(k["id"], k["connected"], k["disconnected_since"])
    board.rejoin = {kiosk: (p, until) for kiosk, p, until in data["rejoin"]}
    board.note_next_seq(data["next_seq"])
    return board


def normalised(board: Switchboard, now: float) -> dict[str, Any]:
    """``to_dict`` without the passes that ran out (``passed_by`` entries ≤ ``now``).

    ``tick`` purges those without an event; no decision reads them any more (dispatch treats a
    pass that ran out as none), so a board that folded the events of another has the same
    normalised state, and decides as it would. Everything else the fold reproduces exactly
    (``replica.tick`` says whose grace period was dealt with)."""
    data = to_dict(board)
    for request in data["requests"]:
        request["passed_by"] = [[c, until] for c, until in request["passed_by"] if until > now]
    return data


def _clerk(c: Clerk) -> dict[str, Any]:
    return {
        "id": c.id,
        "languages": sorted(c.languages),
        "topics": sorted(c.topics),
        "state": c.state.value,
        "idle_since": c.idle_since,
        "missed_rings": c.missed_rings,
        "connected": c.connected,
        "disconnected_since": c.disconnected_since,
        "offer_id": c.offer_id,
        "call_id": c.call_id,
    }


def _request(r: Request) -> dict[str, Any]:
    return {
        "id": r.id,
        "kiosk_id": r.kiosk_id,
        "language": r.language,
        "topic": r.topic,
        "priority": r.priority,
        "seq": r.seq,
        "created_at": r.created_at,
        "state": r.state.value,
        "offer_id": r.offer_id,
        "call_id": r.call_id,
        "passed_by": [[clerk, until] for clerk, until in sorted(r.passed_by.items())],
    }


def _offer(o: Offer) -> dict[str, Any]:
    return {
        "id": o.id,
        "request_id": o.request_id,
        "clerk_id": o.clerk_id,
        "created_at": o.created_at,
        "deadline": o.deadline,
    }


def _call(c: Call) -> dict[str, Any]:
    return {
        "id": c.id,
        "request_id": c.request_id,
        "kiosk_id": c.kiosk_id,
        "clerk_id": c.clerk_id,
        "started_at": c.started_at,
        "state": c.state.value,
        "ended_at": c.ended_at,
    }
