"""What a waiting citizen is told: their place in the queue and an estimated wait, or that
nobody on duty can serve their language or topic now, and what could be served instead."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from finestreta.attention.states import ClerkState
from finestreta.attention.switchboard import Clerk, Switchboard

# Clerks who will answer sooner or later; offline and away clerks do not count.
_WORKING = frozenset(
    {ClerkState.AVAILABLE, ClerkState.RINGING, ClerkState.IN_CALL, ClerkState.WRAP_UP}
)


class Unserved(StrEnum):
    """Why no clerk on duty can serve a request now."""

    NOBODY = "nobody"  # no clerk is on duty at all
    LANGUAGE = "language"  # nobody on duty speaks the request's language
    TOPIC = "topic"  # those on duty who speak it do not handle its topic


@dataclass(frozen=True)
class Place:
    request_id: str
    kiosk_id: int
    position: int  # 1 = next to be served
    estimated_wait_s: int | None  # None: no clerk who can serve it is working now
    unserved: Unserved | None = None  # why nobody on duty can serve it; None: someone can
    # what could be served now instead: the request's topic in these languages, and these
    # topics in the request's language (empty when nobody is on duty)
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


def unserved(
    language: str, topic: str, working: Sequence[Clerk]
) -> tuple[Unserved | None, tuple[str, ...], tuple[str, ...]]:
    """Whether the clerks on duty (``working``) can serve ``language`` and ``topic``, why not,
    and what they could serve instead: (reason or None, languages for the topic, topics in
    the language)."""
    languages = tuple(sorted({lang for c in working if topic in c.topics for lang in c.languages}))
    topics = tuple(sorted({t for c in working if language in c.languages for t in c.topics}))
    if any(language in c.languages and topic in c.topics for c in working):
        return None, languages, topics
    if not working:
        return Unserved.NOBODY, (), ()
    if not any(language in c.languages for c in working):
        return Unserved.LANGUAGE, languages, topics
    return Unserved.TOPIC, languages, topics


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
        reason, languages, topics = unserved(request.language, request.topic, working)
        result.append(
            Place(request.id, request.kiosk_id, index + 1, wait, reason, languages, topics)
        )
    return result
