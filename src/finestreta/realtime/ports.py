"""What the hub offers the rest of the platform, and what it asks of it, as small protocols: the
device desk and the procedures see calls through :class:`Calls` (read-only), send frames
through :class:`Outbox`, and hear about calls as a :class:`CallListener`. None of them imports
the hub, and the hub imports none of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from finestreta.realtime.connections import Connection
from finestreta.realtime.frames import Outbound


@dataclass(frozen=True)
class CallView:
    """A call as the platform may see it (a copy: changing it changes nothing)."""

    id: str
    request_id: str
    kiosk_id: int
    clerk_id: int
    active: bool
    topic: str | None
    language: str | None
    started_at: float  # Unix time


class Calls(Protocol):
    """Read-only view of the calls the switchboard holds."""

    def get(self, call_id: str) -> CallView | None: ...

    def active_of_kiosk(self, kiosk_id: int) -> CallView | None: ...

    def active_of_clerk(self, clerk_id: int) -> CallView | None: ...


class Outbox(Protocol):
    """Frames to a booth page or a clerk's console, if it is connected (dropped otherwise: a
    page that comes back gets what matters again in its ``hello`` and the listeners'
    ``*_back`` calls)."""

    def to_kiosk(self, kiosk_id: int, frame: Outbound) -> None: ...

    def to_clerk(self, clerk_id: int, frame: Outbound) -> None: ...


class AgentLink(Protocol):
    """The kiosk agents' sockets as the device desk needs them, whichever node holds them: the
    hub registers them (the cluster's party registry and bus too), says whether a booth's agent
    is connected anywhere and sends frames to it (through the bus when another node holds
    it). On one node only this process's sockets count."""

    def agent_joined(self, conn: Connection) -> None:
        """``conn`` is the booth's agent socket now (an older one anywhere is replaced)."""
        ...

    def agent_left(self, conn: Connection) -> bool:
        """``conn`` closed; whether the agent left (False: a newer socket replaced it)."""
        ...

    def agent_online(self, kiosk_id: int) -> bool: ...

    def to_agent(self, kiosk_id: int, frame: Outbound) -> None: ...


class CallListener:
    """Hears about calls; every method does nothing unless overridden. Listeners run in the
    order they subscribed, after the hub has told both parties; one that fails is logged and
    does not stop the others."""

    def call_started(self, call: CallView) -> None:
        """Both parties have ``call_started``."""

    def call_ended(self, call: CallView) -> None:
        """Both parties have ``call_ended`` (drop what was held for the call)."""

    def kiosk_back(self, call: CallView) -> None:
        """The booth page reconnected during the call (a reload, a network cut): send it again
        what it was showing."""

    def console_back(self, call: CallView) -> None:
        """The clerk's console reconnected during the call: send it again what its panels
        need."""
