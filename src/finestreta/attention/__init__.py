"""The heart: attention requests, the queue, routing, offers (ringing), calls and clerk presence.

Pure domain code: it takes commands with the current time and returns the events that happened.
It does no I/O, so routing can be tested directly and exhaustively; ``realtime`` turns sockets
into commands and events back into frames, ``store`` writes the events down.
"""

from finestreta.attention.errors import AttentionError
from finestreta.attention.states import CallState, ClerkState, RequestState
from finestreta.attention.switchboard import RoutingRules, Switchboard

__all__ = [
    "AttentionError",
    "CallState",
    "ClerkState",
    "RequestState",
    "RoutingRules",
    "Switchboard",
]
