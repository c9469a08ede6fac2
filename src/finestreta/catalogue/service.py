"""The catalogue of a running server: the search index, built from the database once and
rebuilt when the catalogue changes.

The index lives in memory; queries never touch the database. Whether the catalogue changed is
checked at most every ``check_seconds`` (one small query: the number of entries and the time of
the last write, which any import — this process's or the command line's — moves); an import
made through :meth:`Catalogue.import_file` rebuilds at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finestreta.catalogue.importer import ImportReport, import_file
from finestreta.catalogue.model import REFERENCE_LANGUAGE, Category, Entry, LocalizedEntry
from finestreta.catalogue.records import CatalogueEntryRow
from finestreta.catalogue.search import Results, SearchIndex
from finestreta.db import Database

CHECK_SECONDS = 5.0
CONTEXT_KEY = "catalogue"
_context_lock = threading.Lock()

Stamp = tuple[int, datetime | None]


def load_entries(session: Session) -> list[Entry]:
    """Every entry of the catalogue, by slug."""
    rows = session.scalars(select(CatalogueEntryRow).order_by(CatalogueEntryRow.slug))
    return [row.to_entry() for row in rows]


def stamp(session: Session) -> Stamp:
    """Changes whenever an entry is added, updated or removed."""
    count, last = session.execute(
        select(func.count(CatalogueEntryRow.id), func.max(CatalogueEntryRow.changed_at))
    ).one()
    return int(count), last


class Catalogue:
    def __init__(
        self,
        db: Database,
        *,
        check_seconds: float = CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._stamp: Stamp | None = None
        self._checked_at = 0.0

    def index(self) -> SearchIndex:
        """The current index: built on first use, rebuilt if the database changed since."""
        index = self._index
        if index is not None and self._clock() - self._checked_at < self.check_seconds:
            return index
        with self._lock:
            if self._index is not None and self._clock() - self._checked_at < self.check_seconds:
                return self._index
            with self.db.session() as session:
                current = stamp(session)
                if self._index is None or current != self._stamp:
                    self._index = SearchIndex(load_entries(session))
                    self._stamp = current
            self._checked_at = self._clock()
            return self._index

    def refresh(self) -> SearchIndex:
        """Rebuild now (after a change made outside :meth:`import_file`)."""
        with self._lock:
            self._index = None
            self._checked_at = 0.0
        return self.index()

    def search(
        self,
        query: str,
        lang: str = REFERENCE_LANGUAGE,
        *,
        category: Category | None = None,
        limit: int = 20,
    ) -> Results:
        return self.index().search(query, lang, category=category, limit=limit)

    def entry(self, slug: str, lang: str = REFERENCE_LANGUAGE) -> LocalizedEntry | None:
        return self.index().get(slug, lang)

    def import_file(self, path: Path | str, *, prune: bool = False) -> ImportReport:
        """Import a catalogue file in a transaction of its own, then rebuild the index."""
        with self.db.session() as session:
            report = import_file(session, path, prune=prune)
        if report.ok and report.changed:
            self.refresh()
        return report


def catalogue_of(ctx: Any) -> Catalogue:
    """The app's catalogue (kept in ``AppContext.extra``), made on first use."""
    extra: dict[str, Any] = ctx.extra
    catalogue = extra.get(CONTEXT_KEY)
    if catalogue is None:
        with _context_lock:
            catalogue = extra.get(CONTEXT_KEY)
            if catalogue is None:
                catalogue = extra[CONTEXT_KEY] = Catalogue(ctx.db)
    assert isinstance(catalogue, Catalogue)
    return catalogue
