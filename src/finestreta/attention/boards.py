"""Who keeps the switchboard: the seam between the hub and where the board's truth lives.

The hub reads :attr:`BoardKeeper.board` freely on the event loop, but changes it only through
:meth:`BoardKeeper.execute`. On one node (the embedded default) :class:`LocalBoard` runs the
command on its board and records the events, as the hub always did. On several nodes
(``docs/design/cluster.md``) a shared keeper runs each command under the office's one lock on a
board that has folded every event the other nodes logged, and :meth:`BoardKeeper.refresh` folds
what they logged since (what it folds while catching up before a command goes to the callback
given to :meth:`BoardKeeper.on_folded`). Pure of web plumbing: the realtime layer holds a
keeper, never the reverse."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from finestreta.attention.events import ClerkRegistered, Event, PresenceChanged
from finestreta.attention.store import AttentionStore
from finestreta.attention.switchboard import KioskPresence, Switchboard

log = logging.getLogger(__name__)

# A switchboard command: the board to run on and the moment it runs; the events it made.
Command = Callable[[Switchboard, float], list[Event]]

# Events that only rebuild a replica's presence and registrations: one node rebuilds those from
# its own sockets at a restart (``AttentionStore.load``), so the embedded log does not keep them.
REPLICA_ONLY = (PresenceChanged, ClerkRegistered)


class BoardKeeper(Protocol):
    @property
    def board(self) -> Switchboard:
        """The board as of :attr:`version`: read it, never change it directly."""
        ...

    @property
    def version(self) -> int:
        """The last board version folded (0 on one node, where there are no versions)."""
        ...

    def start(self, now: float) -> list[Event]:
        """Fill the board from the database; the events the loading itself made and recorded
        (offers that died with the previous process expire)."""
        ...

    def execute(self, command: Command, now: float) -> list[Event]:
        """Run ``command`` on a current board and make its events durable before returning
        them. A refusal (:class:`~finestreta.attention.errors.AttentionError`) propagates with
        nothing changed; any other failure leaves nothing durable and the board reloaded."""
        ...

    def refresh(self) -> list[Event]:
        """Fold what other nodes recorded since :attr:`version`; those events, in order."""
        ...

    def take_hint(self, first: int, last: int, rows: list[dict[str, Any]]) -> list[Event]:
        """Another node says it recorded versions ``first``..``last`` (``rows`` as logged): fold
        them when they follow on, else :meth:`refresh`; the events folded."""
        ...

    def on_folded(self, callback: Callable[[list[Event]], None]) -> None:
        """Hand ``callback`` the events other nodes logged that this keeper folds on its own
        initiative: catching up in :meth:`execute` before running the command (and in
        :meth:`start`), as soon as each is folded (one event a call is best: the hub builds
        its frames from the board as it stands). What :meth:`refresh` and :meth:`take_hint`
        fold they return instead, never through ``callback``. The hub registers one, once."""
        ...


class LocalBoard:
    """One node: the board in this process is the truth, the database its durable copy."""

    def __init__(self, board: Switchboard, store: AttentionStore) -> None:
        self._board = board
        self.store = store
        self._on_folded: Callable[[list[Event]], None] | None = None

    @property
    def board(self) -> Switchboard:
        return self._board

    @property
    def version(self) -> int:
        return 0

    def start(self, now: float) -> list[Event]:
        expired = self.store.load(self._board, now)
        self.store.record(expired)
        return expired

    def execute(self, command: Command, now: float) -> list[Event]:
        events = command(self._board, now)
        try:
            self.store.record([e for e in events if not isinstance(e, REPLICA_ONLY)])
        except Exception:
            # The board moved but the database refused (a schema backstop caught a switchboard
            # bug, or the database is away): the board is reloaded from what is durable, so the
            # two agree again, instead of deciding on a state nobody recorded until a restart.
            self._reload(now)
            raise
        return events

    def _reload(self, now: float) -> None:
        old = self._board
        board = Switchboard(old.rules, new_id=old._new_id)
        try:
            expired = self.store.load(board, now)
            self.store.record(expired)
        except Exception:  # still away: keep the board; the next failure tries again
            log.exception("could not reload the switchboard from the database")
            return
        # who is connected to this process is not in the database: carry it over, so that no
        # grace period starts for sockets that never closed
        for clerk_id, was in old.clerks.items():
            clerk = board.clerks.get(clerk_id)
            if clerk is not None:
                clerk.languages, clerk.topics = was.languages, was.topics
                clerk.connected, clerk.disconnected_since = was.connected, was.disconnected_since
        for kiosk_id, presence in old.kiosks.items():
            board.kiosks[kiosk_id] = KioskPresence(
                kiosk_id, presence.connected, presence.disconnected_since
            )
        board.rejoin = dict(old.rejoin)
        self._board = board
        log.error("the switchboard was reloaded from the database after a failed write")
        if expired and self._on_folded is not None:  # the rings that were on end, said so
            self._on_folded(expired)

    def refresh(self) -> list[Event]:
        return []

    def take_hint(self, first: int, last: int, rows: list[dict[str, Any]]) -> list[Event]:
        return []

    def on_folded(self, callback: Callable[[list[Event]], None]) -> None:
        # nothing is folded from elsewhere; a reload's expired offers come this way
        self._on_folded = callback
