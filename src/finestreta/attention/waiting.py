"""What a waiting citizen is told: their place in the queue and an estimated wait."""

from __future__ import annotations

import math
from dataclasses import dataclass

from finestreta.attention.states import ClerkState
from finestreta.attention.switchboard import Switchboard

# Clerks who will answer sooner or later; offline and away clerks do not count.
_WORKING = frozenset(
    {ClerkState.AVAILABLE, ClerkState.RINGING, ClerkState.IN_CALL, ClerkState.WRAP_UP}
)


@dataclass(frozen=True)
class Place:
    request_id: str
    kiosk_id: int
    position: int  # 1 = next to be served
    estimated_wait_s: int | None  # None: no clerk who can serve it is working now


def places(board: Switchboard, average_handle_s: float) -> list[Place]:
    """Position and estimated wait of every queued request.

    The wait is the work ahead of the citizen (requests before them that the same clerks could
    take, plus their own turn) shared among the working clerks who can serve them. It is an
    estimate, rounded up to the next half minute, so it does not flicker.
    """
    queue = board.queue()
    working = [c for c in board.clerks.values() if c.state in _WORKING and c.connected]
    result: list[Place] = []
    for index, request in enumerate(queue):
        able = [c for c in working if c.serves(request)]
        if request.offer_id is not None:
            wait: int | None = 0  # a clerk is being rung right now
        elif not able:
            wait = None
        else:
            ahead = sum(1 for other in queue[:index] if any(c.serves(other) for c in able))
            seconds = (ahead + 0.5) * average_handle_s / len(able)
            wait = int(math.ceil(seconds / 30.0) * 30)
        result.append(Place(request.id, request.kiosk_id, index + 1, wait))
    return result
