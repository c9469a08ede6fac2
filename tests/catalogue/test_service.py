"""The server's catalogue: the index is built from the database once, and rebuilt when an
import (of this process or of the command line) changes the catalogue."""

from __future__ import annotations

from pathlib import Path

from tests.catalogue.conftest import entry_data, texts, write_catalogue

from finestreta.catalogue import Catalogue, import_file
from finestreta.db import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gual() -> dict[str, object]:
    return entry_data(
        "gual",
        category="public_space",
        ca=texts("ca", "Gual", "Entrada de vehicles.", fees="Taxa anual."),
        es=texts("es", "Vado", "Entrada de vehículos."),
        en=texts("en", "Driveway permit", "Vehicle access."),
        free=False,
    )


def test_an_empty_catalogue_answers_nothing(db: Database) -> None:
    catalogue = Catalogue(db)
    assert catalogue.search("padro").total == 0
    assert catalogue.entry("volant-padro") is None


def test_the_index_follows_the_database(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        import_file(session, write_catalogue(tmp_path / "a.json", [entry_data()]))
    clock = Clock()
    catalogue = Catalogue(db, check_seconds=5, clock=clock)
    first = catalogue.index()
    assert [hit.entry.slug for hit in catalogue.search("volant").hits] == ["volant-padro"]

    # another process (the command line) adds an entry: seen after the check interval
    with db.session() as session:
        import_file(session, write_catalogue(tmp_path / "b.json", [entry_data(), gual()]))
    clock.now += 1
    assert catalogue.index() is first and catalogue.search("vado", "es").total == 0
    clock.now += 5
    assert catalogue.search("vado", "es").total == 1

    # nothing changed: the index is kept
    second = catalogue.index()
    clock.now += 10
    assert catalogue.index() is second

    # pruning is a change too
    with db.session() as session:
        import_file(session, write_catalogue(tmp_path / "c.json", [gual()]), prune=True)
    clock.now += 10
    assert catalogue.entry("volant-padro") is None
    assert catalogue.entry("gual", "en") is not None


def test_an_import_through_the_catalogue_is_seen_at_once(db: Database, tmp_path: Path) -> None:
    catalogue = Catalogue(db, check_seconds=3600)
    assert len(catalogue.index()) == 0
    report = catalogue.import_file(write_catalogue(tmp_path / "a.json", [entry_data(), gual()]))
    assert report.ok and len(report.added) == 2
    assert len(catalogue.index()) == 2
    local = catalogue.entry("gual", "es")
    assert local is not None and local.title == "Vado" and local.fees == "Taxa anual."
    assert local.fallback == ("who", "fees", "where_when")
