"""The shared board: several nodes (server processes) keep one office through one database.

Every switchboard command runs in one transaction that first locks the office's one
``switchboard_head`` row (``docs/design/cluster.md`` §3.1): the node folds what the others
logged since its version, runs the pure command on its replica, logs the events under the next
version and moves the head on. The lock serialises the commands of every node, so each decision
is taken on a board that is exactly current, and the log is one ordered history that any node
folds (``replica.fold``) to hold the same board. A node starts from the newest snapshot and the
log after it (§3.4).

The lock is an ``UPDATE … RETURNING`` rather than ``SELECT … FOR UPDATE`` so that SQLite
serialises the same code (an UPDATE takes its write lock): the multi-node property test runs on
it in seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from finestreta.attention import replica, snapshot
from finestreta.attention.boards import Command
from finestreta.attention.errors import AttentionError
from finestreta.attention.events import Event, from_row
from finestreta.attention.records import SwitchboardHeadRow, SwitchboardSnapshotRow
from finestreta.attention.store import AttentionStore, event_row
from finestreta.attention.switchboard import RoutingRules, Switchboard, _new_id
from finestreta.db import Database, utcnow

log = logging.getLogger(__name__)

# Receives ``(first, last, rows)`` after a commit: the versions logged and their rows as
# ``{"kind", "data", "note"}`` (what ``take_hint`` folds on another node).
Publish = Callable[[int, int, list[dict[str, Any]]], None]

SNAPSHOT_EVERY = 500  # versions
SNAPSHOT_SECONDS = 30.0
SNAPSHOTS_KEPT = 3


class SharedBoard:
    """A :class:`~finestreta.attention.boards.BoardKeeper` whose truth is the database's log.

    Delivery: :meth:`execute` returns the command's own events. The events it folded first
    (logged by other nodes since this node's version, found under the lock) and, after a failure,
    those a reload caught up with, are kept until :meth:`drain_folded` takes them: the caller
    must deliver them too, *before* the command's events, after every ``execute`` whether it
    returned or raised. :meth:`refresh` and :meth:`take_hint` return what they folded
    themselves. Together these are every logged event after the version :meth:`start` reached,
    each once, in log order.

    Not thread-safe: one node uses it from one thread (the hub's event loop)."""

    def __init__(
        self,
        db: Database,
        node_id: str,
        rules: RoutingRules | None = None,
        new_id: Callable[[], str] = _new_id,
        publish: Publish | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.node_id = node_id
        self.rules = rules or RoutingRules()
        self._new_id = new_id
        self._publish = publish
        self._clock = clock
        self._board = Switchboard(self.rules, new_id=new_id)
        self._version = 0
        self._folded: list[Event] = []
        self._on_folded: Callable[[list[Event]], None] | None = None
        # the replica may be wrong (a failure mid-command or mid-fold): reload before using it
        self._stale = False
        self._snapshot_version = -1
        self._snapshot_at = clock()
        self._postgres = db.engine.dialect.name == "postgresql"

    @property
    def board(self) -> Switchboard:
        return self._board

    @property
    def version(self) -> int:
        return self._version

    # ------------------------------------------------------------------ starting

    def start(self, now: float) -> list[Event]:
        """Cold start from the newest snapshot and the log after it. With none (the first start
        of a cluster, the data from embedded mode) load the projection tables as one node does,
        under the lock: the offers that died ring no more (logged at the next version, and
        returned), and a snapshot is written."""
        return self._load(now)

    def _load(self, now: float) -> list[Event]:
        if self._from_snapshot():
            return []
        # no snapshot this code can read: the lossy load, once, under the lock
        with self.db.session() as session:
            version, last_at = self._lock(session)
            if _newest_readable(session) is not None:
                # nodes starting together on a fresh cluster: another one wrote it while this
                # one waited for the lock (writing version 0 again would fail the start)
                session.rollback()
                loaded = None
            else:
                now = max(now, last_at)
                board = Switchboard(self.rules, new_id=self._new_id)
                expired = AttentionStore.load_in(session, board, now)
                if expired:
                    version = self._log(session, expired, version, now)
                self._write_snapshot(session, board, version)
                loaded = board, version, expired
        if loaded is None:
            if not self._from_snapshot():
                raise RuntimeError("the switchboard snapshot seen under the lock is gone")
            return []
        board, version, expired = loaded
        self._board, self._version, self._stale = board, version, False
        self._snapshot_version, self._snapshot_at = version, self._clock()
        if expired:
            self._hint(version, expired)
        return expired

    def _from_snapshot(self) -> bool:
        """The board from the newest readable snapshot and the log after it, if there is one."""
        with self.db.session() as session:
            row = _newest_readable(session)
            if row is None:
                return False
            board = snapshot.from_dict(row.state, self.rules, self._new_id)
            version = row.version
            for v, event in AttentionStore.events_since(session, version):
                replica.fold(board, event)
                version = v
            self._board, self._version, self._stale = board, version, False
            self._snapshot_version, self._snapshot_at = row.version, self._clock()
            return True

    # ------------------------------------------------------------------ commands

    def execute(self, command: Command, now: float) -> list[Event]:
        """Run ``command`` on the current board under the office's lock and log its events.

        A refusal (:class:`AttentionError`) rolls back and propagates; the folds made under the
        lock stand (they are logged facts). Any other failure rolls back and, when it came after
        the board started changing (a fold, the command, the commit), reloads the board from
        the database before propagating: nothing of the command is durable. A failure to take
        the lock (``lock_timeout``, the database away) leaves the board as it was."""
        try:
            return self._execute(command, now)
        finally:  # what was folded on the way is delivered first, whether it ran or not
            if self._on_folded is not None:
                folded = self.drain_folded()
                if folded:
                    self._on_folded(folded)

    def on_folded(self, callback: Callable[[list[Event]], None]) -> None:
        """``callback`` gets what :meth:`execute` folds on its way (before the command's own
        events are returned); :meth:`refresh` and :meth:`take_hint` return theirs instead."""
        self._on_folded = callback

    def _execute(self, command: Command, now: float) -> list[Event]:
        if self._stale:
            self._reload()
        try:
            with self.db.session() as session:
                version, last_at = self._lock(session)
                self._catch_up(session)
                if self._version != version:
                    raise RuntimeError(
                        f"the log reaches version {self._version}, the head says {version}"
                    )
                now = max(now, last_at)
                self._stale = True  # until committed: the command changes the board now
                events = command(self._board, now)
                if not events:
                    session.rollback()  # nothing to log: no new version
                    self._stale = False
                    return events
                version = self._log(session, events, version, now)
        except AttentionError:
            self._stale = False  # a refused command changed nothing
            raise
        except BaseException:
            if self._stale:  # the fold or the command got to the board: it may be wrong
                self._reload_after_failure()
            raise
        self._version, self._stale = version, False
        self._hint(version, events)
        self._maybe_snapshot()
        return events

    def drain_folded(self) -> list[Event]:
        """The events folded inside :meth:`execute` (other nodes' commands found under the
        lock, or a reload's catch-up) not yet taken: deliver them before the command's."""
        folded, self._folded = self._folded, []
        return folded

    def _lock(self, session: Session) -> tuple[int, float]:
        """Take the office's lock (held to the end of the transaction): its version and time."""
        if self._postgres:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
        version, last_at = session.execute(
            update(SwitchboardHeadRow)
            .where(SwitchboardHeadRow.id == 1)
            .values(locked_by=self.node_id)
            .returning(SwitchboardHeadRow.version, SwitchboardHeadRow.last_at)
        ).one()
        return int(version), float(last_at)

    def _catch_up(self, session: Session) -> None:
        pairs = AttentionStore.events_since(session, self._version)
        if pairs:
            self._stale = True
            for v, event in pairs:
                replica.fold(self._board, event)
                self._folded.append(event)
                self._version = v
            self._stale = False

    @staticmethod
    def _log(session: Session, events: Sequence[Event], version: int, now: float) -> int:
        """Log ``events`` as the next version, and move the head on; that version."""
        AttentionStore.record_in(session, events, version + 1)
        session.flush()  # a backstop (unique index) refuses here, before the head moves
        session.execute(
            update(SwitchboardHeadRow)
            .where(SwitchboardHeadRow.id == 1)
            .values(version=version + 1, last_at=now)
        )
        return version + 1

    def _hint(self, version: int, events: Sequence[Event]) -> None:
        """Tell the other nodes, after the commit (a hint is lossy: they also poll)."""
        if self._publish is None:
            return
        try:
            self._publish(version, version, [_hint_row(e) for e in events])
        except Exception:
            log.exception("could not publish the hint of board version %s", version)

    # ------------------------------------------------------------------ other nodes' commands

    def refresh(self) -> list[Event]:
        """Fold what the other nodes logged since :attr:`version` (one SELECT, no lock)."""
        if self._stale:
            self._reload()
            return self.drain_folded()
        try:
            with self.db.session() as session:
                pairs = AttentionStore.events_since(session, self._version)
        except Exception:
            log.exception("could not read the switchboard log")
            return []
        return self._fold(pairs)

    def take_hint(self, first: int, last: int, rows: list[dict[str, Any]]) -> list[Event]:
        """Fold the rows of versions ``first``..``last`` when they follow this board's version;
        nothing when they are old news; else :meth:`refresh` (a hint was lost)."""
        if last <= self._version and not self._stale:
            return []
        if first != self._version + 1 or self._stale:
            return self.refresh()
        events = [from_row(r["kind"], r["data"], None, r.get("note")) for r in rows]
        return self._fold([(last, e) for e in events])

    def _fold(self, pairs: list[tuple[int, Event]]) -> list[Event]:
        done: list[Event] = []
        try:
            for v, event in pairs:
                self._stale = True
                replica.fold(self._board, event)
                done.append(event)
                self._version = v
            self._stale = False
            return done
        except Exception:
            log.exception("the replica could not fold the log: reloading it")
            self._folded.extend(done)
            self._reload()
            return self.drain_folded()

    # ------------------------------------------------------------------ reloading

    def _reload(self) -> None:
        """Rebuild the board from the database; the logged events after the version this node
        had reached wait for :meth:`drain_folded` (it never delivered them)."""
        reached = self._version
        self._load(self._clock())
        with self.db.session() as session:
            pairs = AttentionStore.events_since(session, reached)
        self._folded.extend(e for v, e in pairs if v <= self._version)

    def _reload_after_failure(self) -> None:
        self._stale = True
        try:
            self._reload()
        except Exception:
            log.exception("could not reload the switchboard: trying again at the next command")

    # ------------------------------------------------------------------ snapshots

    def write_snapshot(self) -> bool:
        """Save the board as of :attr:`version` (once per version), keeping the newest few;
        whether one was written."""
        if self._stale:
            return False
        board, version = self._board, self._version
        with self.db.session() as session:
            if session.get(SwitchboardSnapshotRow, version) is not None:
                return False
            self._write_snapshot(session, board, version)
        self._snapshot_version, self._snapshot_at = version, self._clock()
        return True

    def _maybe_snapshot(self) -> None:
        if self._version <= self._snapshot_version:
            return
        due = self._version - self._snapshot_version >= SNAPSHOT_EVERY
        if due or self._clock() - self._snapshot_at >= SNAPSHOT_SECONDS:
            try:
                self.write_snapshot()
            except Exception:  # another node wrote this version, or the database is away
                log.exception("could not write the switchboard snapshot")

    @staticmethod
    def _write_snapshot(session: Session, board: Switchboard, version: int) -> None:
        session.add(
            SwitchboardSnapshotRow(
                version=version,
                format=snapshot.FORMAT,
                state=snapshot.to_dict(board),
                created_at=utcnow(),
            )
        )
        session.flush()
        kept = session.scalars(
            select(SwitchboardSnapshotRow.version)
            .order_by(SwitchboardSnapshotRow.version.desc())
            .limit(SNAPSHOTS_KEPT)
        ).all()
        session.execute(
            delete(SwitchboardSnapshotRow).where(SwitchboardSnapshotRow.version < min(kept))
        )


def _hint_row(event: Event) -> dict[str, Any]:
    row = event_row(event)
    return {"kind": row.kind, "data": row.data, "note": row.note}


def _newest_readable(session: Session) -> SwitchboardSnapshotRow | None:
    """The newest snapshot, when this code knows its format."""
    row = session.scalars(
        select(SwitchboardSnapshotRow).order_by(SwitchboardSnapshotRow.version.desc()).limit(1)
    ).first()
    return row if row is not None and row.format == snapshot.FORMAT else None
