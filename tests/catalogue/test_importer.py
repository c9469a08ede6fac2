"""Importing a catalogue file: upsert by slug, all or nothing, clear messages, prune."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.catalogue.conftest import entry_data, texts, write_catalogue

from finestreta.catalogue import format_report, import_file, load_entries
from finestreta.catalogue.model import Category, Channel, Link
from finestreta.catalogue.records import CatalogueEntryRow, CatalogueTextRow
from finestreta.db import Database

T1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ibi(**changes: Any) -> dict[str, Any]:
    return entry_data(
        "ibi",
        category="taxes",
        channels=["online", "phone"],
        free=False,
        ca=texts("ca", "Impost sobre béns immobles", "L'IBI.", fees="Segons l'ordenança."),
        es=texts("es", "Impuesto sobre bienes inmuebles", "El IBI."),
        en=texts("en", "Property tax", "The IBI.", fees="See the ordinance."),
        **changes,
    )


def count(db: Database, model: type[Any]) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_good_file_is_imported(db: Database, tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "c.json", [entry_data(), ibi()])
    with db.session() as session:
        report = import_file(session, path, now=T1)
    assert report.ok and report.entries == 2
    assert sorted(report.added) == ["ibi", "volant-padro"]
    assert format_report(report) == "Imported 2 entries: 2 added, 0 updated, 0 unchanged"
    with db.session() as session:
        entries = {entry.slug: entry for entry in load_entries(session)}
    volant = entries["volant-padro"]
    assert volant.category is Category.CENSUS
    assert volant.channels == (Channel.BOOTH, Channel.OFFICE)
    assert volant.free is True and volant.updated_at == T1
    assert set(volant.texts) == {"ca", "es", "en"}
    assert volant.texts["ca"].requirements == ("Document d'identitat",)
    assert volant.texts["ca"].links == (Link("Seu electrònica", "https://example.org/ca"),)
    assert volant.texts["es"].title == "Volante de padrón"
    assert entries["ibi"].texts["en"].fees == "See the ordinance."
    assert count(db, CatalogueTextRow) == 6


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        (entry_data(es={"summary": "Sense títol"}), "es.title", "Field required"),
        (entry_data(en={"title": "", "summary": "x"}), "en.title", "at least 1 character"),
        (entry_data(slug="Volant Padró"), "slug", "lower-case letters"),
        (entry_data(category="parking"), "category", "'parking'"),
        (entry_data(channels=[]), "channels", "at least 1 item"),
        (entry_data(channels=["booth", "booth"]), "channels", "listed twice"),
        (entry_data(channels=["fax"]), "channels[0]", "'fax'"),
        (entry_data(free=False), "", "ca.fees required"),
        (entry_data(ca={"title": "T", "summary": "S"}), "", "ca.who, ca.where_when required"),
        (
            entry_data(ca=texts("ca", "T", "S", links=[{"label": "Web", "url": "ftp://x"}])),
            "ca.links[0].url",
            "http(s)://",
        ),
        (entry_data(ca=texts("ca", "T", "S", keyword=["x"])), "ca.keyword", "unknown field"),
        (entry_data(updated_at="2026-01-01T10:00:00"), "updated_at", "with its zone"),
    ],
)
def test_an_invalid_entry_writes_nothing_and_says_where(
    db: Database, tmp_path: Path, entry: dict[str, Any], field: str, message: str
) -> None:
    path = write_catalogue(tmp_path / "c.json", [ibi(), entry])
    with db.session() as session:
        report = import_file(session, path)
    assert not report.ok
    assert report.added == []
    assert len(report.errors) == 1, report.errors
    error = report.errors[0]
    assert (error.index, error.slug, error.field) == (2, entry["slug"], field)
    assert message in error.message
    text = format_report(report)
    assert text.startswith("Nothing imported: 1 problem(s)")
    assert f'entry 2 "{entry["slug"]}": {field + ": " if field else ""}' in text
    assert count(db, CatalogueEntryRow) == 0  # not even the valid first entry


def test_a_duplicate_slug_is_refused(db: Database, tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "c.json", [entry_data(), ibi(), entry_data()])
    with db.session() as session:
        report = import_file(session, path)
    assert [str(error) for error in report.errors] == [
        'entry 3 "volant-padro": slug: already used by entry 1'
    ]
    assert count(db, CatalogueEntryRow) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "finestreta-catalogue/1", "entries": [}', "not valid JSON"),
        ('{"entries": []}', "format: Field required"),
        ('{"format": "other/2", "entries": []}', "format: Input should be"),
        ('{"format": "finestreta-catalogue/1"}', "entries: Field required"),
        ('{"format": "finestreta-catalogue/1", "entries": [], "extra": 1}', "extra: unknown"),
    ],
)
def test_a_broken_file_is_refused(db: Database, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    with db.session() as session:
        report = import_file(session, path)
    assert not report.ok
    assert message in str(report.errors[0]) and str(report.errors[0]).startswith("file: ")


def test_a_missing_file_is_reported(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        report = import_file(session, tmp_path / "nowhere.json")
    assert not report.ok and "cannot read" in report.errors[0].message


def test_importing_again_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "c.json", [entry_data(), ibi()])
    with db.session() as session:
        import_file(session, path, now=T1)
    with db.session() as session:
        report = import_file(session, path, now=T2)
    assert report.ok and not report.changed
    assert sorted(report.unchanged) == ["ibi", "volant-padro"]
    with db.session() as session:
        rows = session.scalars(select(CatalogueEntryRow)).all()
        assert {(row.updated_at, row.changed_at) for row in rows} == {(T1, T1)}
    assert count(db, CatalogueTextRow) == 6


def test_a_changed_entry_is_updated(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        import_file(session, write_catalogue(tmp_path / "a.json", [entry_data(), ibi()]), now=T1)
    changed = entry_data(
        en=texts("en", "Census registration note", "Where you are registered."),
        updated_at="2026-02-15",
    )
    path = write_catalogue(tmp_path / "b.json", [changed, ibi()])
    with db.session() as session:
        report = import_file(session, path, now=T2)
    assert (report.added, report.updated, report.unchanged) == ([], ["volant-padro"], ["ibi"])
    with db.session() as session:
        entries = {entry.slug: entry for entry in load_entries(session)}
    assert entries["volant-padro"].texts["en"].title == "Census registration note"
    assert entries["volant-padro"].updated_at.date().isoformat() == "2026-02-15"  # as given
    assert entries["ibi"].updated_at == T1
    assert count(db, CatalogueTextRow) == 6


def test_entries_missing_from_the_file_are_kept_unless_pruned(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        import_file(session, write_catalogue(tmp_path / "a.json", [entry_data(), ibi()]))
    only_ibi = write_catalogue(tmp_path / "b.json", [ibi()])
    with db.session() as session:
        report = import_file(session, only_ibi)
    assert report.kept == ["volant-padro"] and report.removed == []
    assert "1 not in the file kept (volant-padro; --prune removes them)" in format_report(report)
    assert count(db, CatalogueEntryRow) == 2

    with db.session() as session:
        report = import_file(session, only_ibi, prune=True)
    assert report.removed == ["volant-padro"] and report.unchanged == ["ibi"]
    assert "1 removed (volant-padro)" in format_report(report)
    with db.session() as session:
        assert [entry.slug for entry in load_entries(session)] == ["ibi"]
    assert count(db, CatalogueTextRow) == 3
