"""Gapless numbers: one sequence per registry and year, taken inside the caller's transaction.

``allocate`` increments the counter row of (registry, year) and returns the new value. The
increment is a write that stays uncommitted until the caller's transaction ends, so:

* the entry that uses the number commits together with the counter, or neither does: a rolled
  back transaction gives its number back, and the sequence has no gaps;
* two transactions cannot hold the same number: the second one waits until the first one ends.
  PostgreSQL makes it wait on the counter row's lock (``UPDATE`` locks the row; under READ
  COMMITTED the waiting ``UPDATE`` then sees the committed value). SQLite makes it wait on the
  database write lock, which the ``UPDATE`` takes; the busy timeout (30 s, ``finestreta.db``)
  makes a writer wait instead of failing with "database is locked".

On SQLite the counter ``UPDATE`` must be the transaction's first write, so that the write lock
is taken by a statement that can wait for it (a transaction that only read before may be refused
the lock without waiting). ``service.register`` reads what it must check first, then allocates,
then inserts. With Python's sqlite3 module reads do not open a transaction at all.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from finestreta.registry.records import RegistryCounter


def _increment(session: Session, registry: str, year: int) -> int | None:
    statement = (
        update(RegistryCounter)
        .where(RegistryCounter.registry_name == registry, RegistryCounter.year == year)
        .values(last_number=RegistryCounter.last_number + 1)
        .returning(RegistryCounter.last_number)
    )
    return session.execute(statement).scalar_one_or_none()


def allocate(session: Session, registry: str, year: int) -> int:
    """The next number of ``registry`` in ``year`` (1 for the first), reserved until the
    session's transaction ends: committed with it, or given back by its rollback."""
    number = _increment(session, registry, year)
    if number is not None:
        return number
    # The first number of the year: make the counter row, unless a concurrent transaction
    # just made it (PostgreSQL then waits for that transaction to end; SQLite cannot get here
    # concurrently, as the UPDATE above already holds the write lock).
    dialect = session.get_bind().dialect.name
    values = {
        RegistryCounter.registry_name: registry,
        RegistryCounter.year: year,
        RegistryCounter.last_number: 0,
    }
    if dialect == "postgresql":
        session.execute(postgresql.insert(RegistryCounter).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(RegistryCounter).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - Finestreta runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"registry numbering does not support {dialect}")
    number = _increment(session, registry, year)
    if number is None:  # pragma: no cover - the row exists now, whoever made it
        raise RuntimeError(f"registry counter {registry}/{year} vanished")
    return number
