"""What happened: every transition of a request, offer, call or clerk is one event.

Events are stored as they come (``attention_events``) and waits, durations and outcomes are derived
from them, never from counters kept on the side.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"
    at: float

    def data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RequestQueued(Event):
    kind: ClassVar[str] = "request_queued"
    request_id: str
    kiosk_id: int
    language: str
    topic: str
    priority: int
    seq: int


@dataclass(frozen=True)
class RequestCancelled(Event):
    kind: ClassVar[str] = "request_cancelled"
    request_id: str
    kiosk_id: int


@dataclass(frozen=True)
class RequestAbandoned(Event):
    """The booth was gone longer than the grace period while its citizen waited."""

    kind: ClassVar[str] = "request_abandoned"
    request_id: str
    kiosk_id: int


@dataclass(frozen=True)
class OfferMade(Event):
    kind: ClassVar[str] = "offer_made"
    offer_id: str
    request_id: str
    clerk_id: int
    kiosk_id: int
    deadline: float


@dataclass(frozen=True)
class OfferEnded(Event):
    """An offer that did not become a call: ``reason`` is declined, expired or withdrawn."""

    kind: ClassVar[str] = "offer_ended"
    offer_id: str
    request_id: str
    clerk_id: int
    reason: str


@dataclass(frozen=True)
class CallStarted(Event):
    kind: ClassVar[str] = "call_started"
    call_id: str
    request_id: str
    offer_id: str
    kiosk_id: int
    clerk_id: int


@dataclass(frozen=True)
class CallEnded(Event):
    kind: ClassVar[str] = "call_ended"
    call_id: str
    request_id: str
    kiosk_id: int
    clerk_id: int
    ended_by: str


@dataclass(frozen=True)
class CallWrappedUp(Event):
    kind: ClassVar[str] = "call_wrapped_up"
    call_id: str
    clerk_id: int
    outcome: str
    note: str


@dataclass(frozen=True)
class ClerkStateChanged(Event):
    kind: ClassVar[str] = "clerk_state_changed"
    clerk_id: int
    state: str
    previous: str
    reason: str = ""


@dataclass(frozen=True)
class PresenceChanged(Event):
    """A booth or console socket came or went (the grace period runs from here)."""

    kind: ClassVar[str] = "presence_changed"
    party: str
    party_id: int
    connected: bool
    extra: dict[str, Any] = field(default_factory=dict)
