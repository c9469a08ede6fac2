"""Work done once per database however many processes serve it: ``only_one(db, job)``.

On PostgreSQL the periodic upkeep (purges, payment expiry, procedures' upkeep …) runs a round
only in the process that holds a **session-level** advisory lock for that job in that schema;
the others skip the round. Session level, not transaction level, because a round spans several
transactions (each step opens its own session); the lock is held on one dedicated connection for
the round and released after it. If that process dies mid-round, PostgreSQL ends its session and
the lock with it, so the next round runs elsewhere.

On SQLite there is one process (embedded): the lock is always granted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from finestreta.db import Database

log = logging.getLogger(__name__)

# hashtext gives an int4: jobs with the same name in different schemas (tenants sharing one
# PostgreSQL) are different keys, so they never block each other.
_KEY = "hashtext('finestreta:' || CAST(:job AS text) || ':' || current_schema())"
_TRY = text(f"SELECT pg_try_advisory_lock({_KEY})")
_UNLOCK = text(f"SELECT pg_advisory_unlock({_KEY})")


@contextmanager
def only_one(db: Database, job: str) -> Iterator[bool]:
    """``with only_one(db, "payments") as mine: if mine: ...`` — ``mine`` is true in exactly one
    process at a time per job and schema (always on SQLite). The lock is released on leaving,
    also when the body raises."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        mine = bool(connection.execute(_TRY, {"job": job}).scalar())
        # nothing left open: the lock belongs to the session, not to this transaction
        connection.commit()
        if not mine:
            yield False
            return
        try:
            yield True
        finally:
            try:
                released = connection.execute(_UNLOCK, {"job": job}).scalar()
                connection.commit()
                if not released:  # cannot happen unless someone unlocked it behind our back
                    log.warning("singleton lock %s was not held at the end of the round", job)
            except Exception:
                # The connection broke: its session (and the lock) ended with it on the server.
                # Never return it to the pool, where it could come back holding the lock.
                log.warning("singleton lock %s: connection lost during the round", job)
                connection.invalidate()
