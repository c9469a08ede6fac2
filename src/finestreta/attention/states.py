"""The states of requests, clerks and calls, and the moves each allows."""

from __future__ import annotations

from enum import StrEnum


class RequestState(StrEnum):
    WAITING = "waiting"
    RINGING = "ringing"
    IN_CALL = "in_call"
    SERVED = "served"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"

    @property
    def is_live(self) -> bool:
        return self in (RequestState.WAITING, RequestState.RINGING, RequestState.IN_CALL)

    @property
    def is_queued(self) -> bool:
        return self in (RequestState.WAITING, RequestState.RINGING)


class ClerkState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    AWAY = "away"


# States a clerk may choose for themself; the others are reached through rings and calls.
CHOOSABLE_CLERK_STATES = frozenset({ClerkState.OFFLINE, ClerkState.AVAILABLE, ClerkState.AWAY})


class CallState(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # hung up, the clerk's wrap-up pending
    WRAPPED_UP = "wrapped_up"


class Party(StrEnum):
    """Who did something to a call."""

    KIOSK = "kiosk"
    CLERK = "clerk"
    SYSTEM = "system"


LANGUAGES = ("ca", "es", "en")
