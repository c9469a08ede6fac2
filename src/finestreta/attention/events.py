"""What happened: every transition of a request, offer, call or clerk is one event.

Events are stored as they come (``attention_events``) and waits, durations and outcomes are derived
from them, never from counters kept on the side. They also carry the whole state of the switchboard:
folding them in order (``attention/replica.py``) rebuilds a board equal to the one that made them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
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
    # set when the clerk left for good (``Switchboard.clerk_left``): the booth's next request
    # before ``rejoin_until`` gets at least ``rejoin_priority``
    rejoin_priority: int | None = None
    rejoin_until: float | None = None


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
    """A booth or console socket came or went (the grace period runs from here), or, with
    ``grace_over``, a tick found the grace period of one still gone over and dealt with it (it
    stays disconnected; its request or calls ended with their own events).

    ``party`` is ``"kiosk"`` or ``"console"``; made by the composite commands of
    ``attention/replica.py`` (the switchboard's own presence commands return no events)."""

    kind: ClassVar[str] = "presence_changed"
    party: str
    party_id: int
    connected: bool
    extra: dict[str, Any] = field(default_factory=dict)
    grace_over: bool = False


@dataclass(frozen=True)
class ClerkRegistered(Event):
    """A clerk became known to the switchboard, or their skills changed (``idle_since`` counts
    only for a clerk not known before, as in ``Switchboard.register_clerk``)."""

    kind: ClassVar[str] = "clerk_registered"
    clerk_id: int
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    idle_since: float


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        RequestQueued,
        RequestCancelled,
        RequestAbandoned,
        OfferMade,
        OfferEnded,
        CallStarted,
        CallEnded,
        CallWrappedUp,
        ClerkStateChanged,
        PresenceChanged,
        ClerkRegistered,
    )
}


def from_row(
    kind: str, data: Mapping[str, Any], at: float | None = None, note: str | None = None
) -> Event:
    """Rebuild an event from an ``attention_events`` row: its ``kind``, its ``data`` and, when
    ``data`` has no exact ``t`` (rows written before it was kept), the ``at`` column as epoch
    seconds (the column drops digits the float had). ``note`` is the row's own column (a wrap-up's note is not kept in ``data``).

    Keys the event does not have are ignored (a row written by a newer version); a missing
    field or an unknown kind raises ``ValueError``."""
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        raise ValueError(f"{kind!r} is not a switchboard event")
    when = data.get("t", data.get("at", at))
    if not isinstance(when, int | float):
        raise ValueError(f"{kind} row without its time")
    values: dict[str, Any] = {"at": float(when)}
    for item in fields(cls):
        if item.name == "at":
            continue
        if item.name in data:
            value = data[item.name]
            values[item.name] = tuple(value) if isinstance(value, list) else value
        elif item.name == "note":
            values["note"] = note or ""
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValueError(f"{kind} row is missing a field: {exc}") from None
