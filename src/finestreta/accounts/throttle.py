"""Sliding-window counters that slow down guessing (logins, booth pairing, ``/verify``).

Every table here is bounded: a :class:`Throttle` keeps at most ``max_keys`` keys (the least
recently hit is forgotten first, and a key whose hits have all left the window goes at once),
and asking whether a key is blocked never adds it, so refused requests cost no memory.

:class:`LoginGuard` is the policy for logins and pairings (docs/security.md, "Inputs and
resources"): failures count per (address, user), per address and, slower, per user; the per-user
back-off never refuses an address that has logged in as that user before, so failing as
someone from elsewhere cannot lock them out.
"""

from __future__ import annotations

import time
from collections import OrderedDict

MAX_KEYS = 10_000  # per table: about 4 MiB at most (tests/unit/test_throttle.py measures it)
KNOWN_ADDRESSES_PER_USER = 8


class Throttle:
    """At most ``limit`` hits per key in ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        # the last ``limit`` hits of each key (older ones cannot block), least recent key first
        self._hits: OrderedDict[str, tuple[float, ...]] = OrderedDict()

    def blocked(self, *keys: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return any(self.count(key, now) >= self.limit for key in keys)

    def hit(self, *keys: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in keys:
            recent = self._recent(key, now)
            self._hits[key] = (*recent, now)[-self.limit :]
            self._hits.move_to_end(key)
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)

    def reset(self, *keys: str) -> None:
        for key in keys:
            self._hits.pop(key, None)

    def count(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        return len(self._recent(key, now))

    def __len__(self) -> int:
        return len(self._hits)

    def _recent(self, key: str, now: float) -> tuple[float, ...]:
        hits = self._hits.get(key, ())
        recent = tuple(t for t in hits if now - t <= self.window_s)
        if hits and not recent:
            del self._hits[key]
        elif len(recent) != len(hits):
            self._hits[key] = recent
        return recent


class LoginGuard:
    """Failed logins (or booth pairings: the booth's code is the ``user``), counted three ways.

    * per (address, user): ``per_minute`` failures a minute, then that address waits;
    * per address: four times as many, whatever the names (one address guessing many users;
      several clerks of a civic centre may share an address);
    * per user, from any address: ``per_user_hour`` failures an hour, then only addresses that
      logged in as that user before (at most :data:`KNOWN_ADDRESSES_PER_USER` remembered, for
      the :data:`MAX_KEYS` most recent users) may try; the others wait.
    """

    def __init__(self, per_minute: int, per_user_hour: int, max_keys: int = MAX_KEYS) -> None:
        self.pairs = Throttle(per_minute, 60.0, max_keys)
        self.addresses = Throttle(per_minute * 4, 60.0, max_keys)
        self.users = Throttle(per_user_hour, 3600.0, max_keys)
        self.max_keys = max_keys
        self._known: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def refused(self, address: str, user: str, now: float | None = None) -> bool:
        """Whether this attempt must wait (a refused attempt is not counted)."""
        user = _name(user)
        if self.pairs.blocked(f"{address} {user}", now=now):
            return True
        if self.addresses.blocked(address, now=now):
            return True
        return self.users.blocked(user, now=now) and address not in self._known.get(user, ())

    def failed(self, address: str, user: str, now: float | None = None) -> None:
        user = _name(user)
        self.pairs.hit(f"{address} {user}", now=now)
        self.addresses.hit(address, now=now)
        self.users.hit(user, now=now)

    def succeeded(self, address: str, user: str) -> None:
        """The address proved it knows the secret: its own count starts again, and it stays
        welcome when others fail as this user. The per-user count stays (others' guesses)."""
        user = _name(user)
        self.pairs.reset(f"{address} {user}")
        known = tuple(a for a in self._known.pop(user, ()) if a != address)
        self._known[user] = (*known, address)[-KNOWN_ADDRESSES_PER_USER:]
        while len(self._known) > self.max_keys:
            self._known.popitem(last=False)

    def sizes(self) -> tuple[int, int, int, int]:
        """How many keys each table holds (for tests and the curious)."""
        return len(self.pairs), len(self.addresses), len(self.users), len(self._known)


def _name(user: str) -> str:
    return user.strip().lower()[:64]
