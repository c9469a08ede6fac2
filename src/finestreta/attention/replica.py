"""A replica of the switchboard: a board rebuilt from its events alone.

``fold(board, event)`` applies one event exactly as the command that returned it changed its own
board, so a board that folds every event of another, in order, holds the same state (up to the
silent clean-ups of ``snapshot.normalised``). That is what lets several server processes share
one office (``docs/design/cluster.md``): one runs a command, the others fold what it logged.

The switchboard's presence and registration commands change its state without returning events;
the composite commands here run them and say so first (``PresenceChanged``, ``ClerkRegistered``),
leaving the switchboard's own outputs as they are. Pure code: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable

from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    CallWrappedUp,
    ClerkRegistered,
    ClerkStateChanged,
    Event,
    OfferEnded,
    OfferMade,
    PresenceChanged,
    RequestAbandoned,
    RequestCancelled,
    RequestQueued,
)
from finestreta.attention.states import CallState, ClerkState, RequestState
from finestreta.attention.switchboard import (
    Call,
    Clerk,
    KioskPresence,
    Offer,
    Request,
    Switchboard,
)

KIOSK = "kiosk"
CONSOLE = "console"

# Reasons of a clerk's move that count a missed ring, and those that start the count again
# (``Switchboard._expire_offers``, ``accept``, ``decline``, ``set_clerk_state``).
_MISSED = frozenset({"missed_ring", "missed_rings"})
_RESET = frozenset({"accepted", "declined"})
# Who chose a state (``set_clerk_state``'s reason): the clerk, or a supervisor on the wallboard.
_CHOSEN = frozenset({"chosen", "supervisor"})


# ---------------------------------------------------------------------- composite commands


def register_clerk(
    board: Switchboard,
    clerk_id: int,
    languages: Iterable[str],
    topics: Iterable[str],
    now: float,
    idle_since: float = 0.0,
) -> list[Event]:
    """Know a clerk or change their skills, then dispatch (new skills may match a waiting
    request)."""
    return _registered(board, clerk_id, languages, topics, now, idle_since) + board.dispatch(now)


def console_joined(
    board: Switchboard,
    clerk_id: int,
    languages: Iterable[str],
    topics: Iterable[str],
    now: float,
) -> list[Event]:
    """A clerk's console connected: know the clerk (idle from now if new), then connect."""
    events = _registered(board, clerk_id, languages, topics, now, idle_since=now)
    connected = board.console_connected(clerk_id, now)
    return [*events, PresenceChanged(now, CONSOLE, clerk_id, True), *connected]


def console_gone(board: Switchboard, clerk_id: int, now: float) -> list[Event]:
    """A clerk's console disconnected: their grace period starts."""
    events = board.console_disconnected(clerk_id, now)  # refuses an unknown clerk first
    return [PresenceChanged(now, CONSOLE, clerk_id, False), *events]


def kiosk_joined(board: Switchboard, kiosk_id: int, now: float) -> list[Event]:
    events = board.kiosk_connected(kiosk_id, now)
    return [PresenceChanged(now, KIOSK, kiosk_id, True), *events]


def kiosk_gone(board: Switchboard, kiosk_id: int, now: float) -> list[Event]:
    """A booth disconnected: its grace period starts."""
    events = board.kiosk_disconnected(kiosk_id, now)
    return [PresenceChanged(now, KIOSK, kiosk_id, False), *events]


def tick(board: Switchboard, now: float) -> list[Event]:
    """``Switchboard.tick``, first saying whose grace period it dealt with.

    The tick clears a gone party's disconnection time once handled, without an event. Handling
    it again is not harmless: a clerk who chose *available* while their console was gone, or a
    booth that asked while gone, would be sent offline or abandoned by a replica that missed
    the clearing. ``PresenceChanged(grace_over=True)`` carries it."""
    gone = [
        (KIOSK, k)
        for k in board.kiosks.values()
        if not k.connected and k.disconnected_since is not None
    ] + [
        (CONSOLE, c)
        for c in board.clerks.values()
        if not c.connected and c.disconnected_since is not None
    ]
    events = board.tick(now)
    over: list[Event] = [
        PresenceChanged(now, party, who.id, False, grace_over=True)
        for party, who in gone
        if who.disconnected_since is None
    ]
    return over + events


def _registered(
    board: Switchboard,
    clerk_id: int,
    languages: Iterable[str],
    topics: Iterable[str],
    now: float,
    idle_since: float,
) -> list[Event]:
    langs, subjects = tuple(sorted(set(languages))), tuple(sorted(set(topics)))
    board.register_clerk(clerk_id, langs, subjects, idle_since=idle_since)
    return [ClerkRegistered(now, clerk_id, langs, subjects, idle_since)]


# ---------------------------------------------------------------------- the fold


def fold_all(board: Switchboard, events: Iterable[Event]) -> Switchboard:
    for event in events:
        fold(board, event)
    return board


def fold(board: Switchboard, event: Event) -> None:
    """Apply one event to ``board`` as the command that returned it did.

    The events must come in the order they were made, each once, onto a board that held the
    same state as the one that made them (a fresh one for the first event ever, or one restored
    by ``snapshot.from_dict``). An event that does not follow (an offer that is not ringing…)
    raises ``KeyError``: the replica is wrong and must be rebuilt, never patched."""
    at = event.at
    match event:
        case ClerkRegistered():
            board.register_clerk(
                event.clerk_id, event.languages, event.topics, idle_since=event.idle_since
            )
        case PresenceChanged(party=party) if party in (CONSOLE, KIOSK):
            who: Clerk | KioskPresence
            if party == CONSOLE:
                who = board.clerks[event.party_id]
            else:
                who = board.kiosks.setdefault(event.party_id, KioskPresence(event.party_id))
            who.connected = event.connected
            # handled once (grace over), or the grace period runs from now
            gone = not event.connected and not event.grace_over
            who.disconnected_since = at if gone else None
        case RequestQueued():
            board.rejoin.pop(event.kiosk_id, None)  # used, or of no use any more
            board.requests[event.request_id] = Request(
                event.request_id,
                event.kiosk_id,
                event.language,
                event.topic,
                event.priority,
                event.seq,
                at,
            )
            board.note_next_seq(event.seq + 1)
            board.kiosks.setdefault(event.kiosk_id, KioskPresence(event.kiosk_id, connected=True))
        case RequestCancelled() | RequestAbandoned():
            del board.requests[event.request_id]
        case OfferMade():
            board.offers[event.offer_id] = Offer(
                event.offer_id, event.request_id, event.clerk_id, at, event.deadline
            )
            request = board.requests[event.request_id]
            request.state, request.offer_id = RequestState.RINGING, event.offer_id
            board.clerks[event.clerk_id].offer_id = event.offer_id
        case OfferEnded():
            del board.offers[event.offer_id]
            request = board.requests[event.request_id]
            request.state, request.offer_id = RequestState.WAITING, None
            # A cancel or an abandon withdraws without this pass, but deletes the request with
            # its next event, so setting it always is the same.
            request.passed_by[event.clerk_id] = at + board.rules.ring_timeout
            board.clerks[event.clerk_id].offer_id = None
        case CallStarted():
            del board.offers[event.offer_id]  # accepted: it ends without an OfferEnded
            board.calls[event.call_id] = Call(
                event.call_id, event.request_id, event.kiosk_id, event.clerk_id, at
            )
            request = board.requests[event.request_id]
            request.state, request.offer_id = RequestState.IN_CALL, None
            request.call_id = event.call_id
            clerk = board.clerks[event.clerk_id]
            clerk.offer_id, clerk.call_id = None, event.call_id
        case CallEnded():
            call = board.calls[event.call_id]
            call.state, call.ended_at = CallState.ENDED, at
            del board.requests[event.request_id]
            if event.rejoin_priority is not None and event.rejoin_until is not None:
                board.rejoin[event.kiosk_id] = (event.rejoin_priority, event.rejoin_until)
        case CallWrappedUp():
            del board.calls[event.call_id]
            board.clerks[event.clerk_id].call_id = None
        case ClerkStateChanged():
            _clerk_moved(board.clerks[event.clerk_id], event)
        case _:
            raise ValueError(f"cannot fold {event!r}")


def _clerk_moved(clerk: Clerk, event: ClerkStateChanged) -> None:
    state = ClerkState(event.state)
    clerk.state = state
    if state == ClerkState.AVAILABLE and event.previous != ClerkState.RINGING:
        clerk.idle_since = event.at  # as ``Switchboard._move_clerk``
    if event.reason in _MISSED:
        clerk.missed_rings += 1
    elif event.reason in _RESET or (event.reason in _CHOSEN and state == ClerkState.AVAILABLE):
        clerk.missed_rings = 0
