"""The CSV importer: good files, every bad row reported with its line, nothing written when
any row is bad, and a second import of the same file changing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.streets.importer import COLUMNS, format_report, import_csv
from finestreta.streets.records import StreetAddressRow, StreetRow
from finestreta.streets.sql_register import SqlStreetRegister
from tests.streets.conftest import BLAI_REF, MALLORCA_REF, row, sample, write_rows


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        streets = session.scalar(select(func.count()).select_from(StreetRow))
        addresses = session.scalar(select(func.count()).select_from(StreetAddressRow))
        return streets or 0, addresses or 0


def test_a_good_file_is_imported_and_a_second_time_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "streets.csv", sample())
    with db.session() as session:
        first = import_csv(session, path)
    assert first.ok and first.rows == 6
    assert (first.streets_created, first.addresses_created) == (5, 6)
    assert counts(db) == (5, 6)
    with db.session() as session:
        again = import_csv(session, path)
    assert again.ok and not again.changed
    assert counts(db) == (5, 6)
    assert "5 street(s) added" in format_report(first)


def test_semicolons_and_a_byte_order_mark_are_read(db: Database, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "streets.csv", sample(), delimiter=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with db.session() as session:
        assert import_csv(session, path).ok
    assert counts(db) == (5, 6)


def test_a_changed_row_updates_what_it_changes(filled: Database, tmp_path: Path) -> None:
    rows = sample()
    rows[0]["postcode"] = "08037"
    rows[3]["district"] = "Sant Martí"  # the street's, given on its only row
    with filled.session() as session:
        report = import_csv(session, write_rows(tmp_path / "changed.csv", rows))
    assert report.ok
    assert (report.streets_updated, report.addresses_updated) == (1, 1)
    register = SqlStreetRegister(filled.session)
    building = register.address("M1", "401")
    assert building is not None and building.postcode == "08037"
    street = register.street("S2")
    assert street is not None and street.district == "Sant Martí"


def test_a_cadastral_reference_can_move_between_addresses_of_one_file(
    filled: Database, tmp_path: Path
) -> None:
    rows = sample()
    rows[0]["cadastral_reference"] = MALLORCA_REF  # the building takes the flat's reference
    rows[1]["cadastral_reference"] = ""
    with filled.session() as session:
        report = import_csv(session, write_rows(tmp_path / "moved.csv", rows))
    assert report.ok, report.errors
    found = SqlStreetRegister(filled.session).by_cadastral(MALLORCA_REF)
    assert found is not None and (found.floor, found.door) == ("", "")


def test_a_reference_the_register_gives_another_address_is_refused(
    filled: Database, tmp_path: Path
) -> None:
    other = [row("M1", "carrer", "Carrer de Mallorca", "403", cadastral_reference=MALLORCA_REF)]
    with filled.session() as session:
        report = import_csv(session, write_rows(tmp_path / "taken.csv", other))
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (2, "cadastral_reference", "cadastral_reference_taken")
    ]
    assert counts(filled) == (5, 6)


BAD_ROWS = [
    ({"street_kind": "carreró de dalt"}, "street_kind", "unknown_kind"),
    ({"street_name": "Mallorca"}, "street_name", "name_without_kind"),
    ({"number": "dotze"}, "number", "bad_number"),
    ({"number": ""}, "number", "missing_value"),
    ({"postcode": "8013"}, "postcode", "bad_postcode"),
    ({"postcode": "99013"}, "postcode", "bad_postcode"),
    ({"cadastral_reference": MALLORCA_REF[:19] + "Z"}, "cadastral_reference",
     "bad_cadastral_reference"),
    ({"cadastral_reference": MALLORCA_REF[:14]}, "cadastral_reference",
     "bad_cadastral_reference"),
    ({"catalogued": "maybe"}, "catalogued", "bad_flag"),
    ({"street_code": "X" * 21}, "street_code", "too_long"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "column", "code"), BAD_ROWS)
def test_a_bad_row_is_refused_with_its_line_and_nothing_is_imported(
    db: Database, tmp_path: Path, change: dict[str, str], column: str, code: str
) -> None:
    rows = sample()
    rows[3].update(change)  # line 5
    with db.session() as session:
        report = import_csv(session, write_rows(tmp_path / "bad.csv", rows))
    assert [(e.line, e.column, e.code) for e in report.errors] == [(5, column, code)]
    assert counts(db) == (0, 0)
    assert format_report(report).startswith("Nothing imported: 1 problem(s) in 6 row(s)")


def test_every_bad_row_is_reported_at_once(db: Database, tmp_path: Path) -> None:
    rows = sample()
    rows.append(dict(rows[1]))  # line 8: the same flat again
    rows.append(row("M1", "carrer", "Carrer de Mallorca", "9", cadastral_reference=BLAI_REF))
    rows.append(row("M1", "avinguda", "Avinguda de Mallorca", "11"))  # line 10
    rows[2]["postcode"] = "0803"  # line 4
    with db.session() as session:
        report = import_csv(session, write_rows(tmp_path / "bad.csv", rows))
    assert [(e.line, e.code) for e in report.errors] == [
        (4, "bad_postcode"),
        (8, "duplicate_address"),
        (9, "duplicate_cadastral_reference"),
        (10, "street_differs"),
    ]
    assert counts(db) == (0, 0)


def test_a_wrong_header_or_field_count_is_refused(db: Database, tmp_path: Path) -> None:
    columns = (*(c for c in COLUMNS if c != "postcode"), "zip")
    rows = [{**{k: v for k, v in r.items() if k != "postcode"}, "zip": "08013"} for r in sample()]
    with db.session() as session:
        report = import_csv(session, write_rows(tmp_path / "h.csv", rows, columns=columns))
    assert [(e.line, e.code) for e in report.errors] == [
        (1, "missing_column"),
        (1, "unknown_column"),
    ]
    path = write_rows(tmp_path / "f.csv", sample())
    path.write_text(path.read_text(encoding="utf-8") + "Z9,carrer,Carrer Z\n", encoding="utf-8")
    with db.session() as session:
        report = import_csv(session, path)
    assert [(e.line, e.code) for e in report.errors] == [(8, "wrong_field_count")]
    assert counts(db) == (0, 0)


def test_a_file_that_is_not_utf8_is_refused(db: Database, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "latin1.csv", sample())
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with db.session() as session:
        report = import_csv(session, path)
    assert [e.code for e in report.errors] == ["bad_encoding"]
