"""The receipts importer: all or nothing with every bad row named, idempotent, and never
undoing a payment (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.procedures.taxes.importer import ImportReport, format_report, import_csv, plate
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.records import ReceiptRow, TaxpayerRow
from finestreta.procedures.taxes.register import ObjectKind, PaymentPosting, ReceiptState
from finestreta.procedures.taxes.sql_register import SqlTaxRegister
from tests.procedures.taxes.conftest import LANTEIRA_REF, TODAY, row, write_rows

CAR = {"tax": "ivtm", "tax_code": "200", "object_kind": "vehicle", "object_label": "Turisme"}


def load(db: Database, path: Path) -> ImportReport:
    with db.session() as session:
        return import_csv(session, path, today=TODAY)


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        taxpayers = session.scalar(select(func.count()).select_from(TaxpayerRow))
        receipts = session.scalar(select(func.count()).select_from(ReceiptRow))
        return taxpayers or 0, receipts or 0


def good_rows() -> list[dict[str, str]]:
    return [
        row("2610000001"),
        row("2620000002", **CAR, object_id="4821-klm", domiciled="yes", charge_date="2026-12-20"),
        row(
            "2510000003", year="2025", period="2025", voluntary_from="2025-11-01",
            voluntary_until="2025-12-31", state="paid", paid_on="2025-12-10",
            paid_cents="44321", paid_channel="bank", payment_reference="BANC-1",
        ),
        row(
            "2510000004", nif="33.333.333-p", name="Joan Martí Serra", object_id=LANTEIRA_REF,
            year="2025", voluntary_from="2025-06-01", voluntary_until="2025-07-31",
            state="enforcement", enforcement_notified_on="2025-10-02",
        ),
        row(
            "2630000005", nif="B58378431", name="Forn Vidal SL", tax="fee", tax_code="300",
            object_kind="activity", object_id="act-2019-00412", object_label="Forn, Sants 12",
        ),
    ]  # fmt: skip


def test_a_good_file_fills_the_register(db: Database, tmp_path: Path) -> None:
    report = load(db, write_rows(tmp_path / "rebuts.csv", good_rows()))
    assert report.ok, format_report(report)
    assert (report.rows, report.taxpayers_created, report.receipts_created) == (5, 3, 5)
    assert counts(db) == (3, 5)
    register = SqlTaxRegister(db.session)
    car = register.receipt("2620000002")
    assert car is not None and car.object_id == "4821KLM" and car.object_kind is ObjectKind.VEHICLE
    assert (
        car.domiciled
        and car.charge_date is not None
        and car.charge_date.isoformat() == "2026-12-20"
    )
    paid = register.receipt("2510000003")
    assert paid is not None and paid.state is ReceiptState.PAID
    assert (paid.paid_amount, paid.paid_channel, paid.payment_reference) == (
        44321,
        "bank",
        "BANC-1",
    )
    joan = register.receipts_of("33333333P")  # the NIF was normalised
    assert [r.reference for r in joan] == ["2510000004"] and joan[0].principal == 45678
    assert joan[0].object_id == LANTEIRA_REF
    company = register.taxpayer("B58378431")
    assert company is not None and company.name == "Forn Vidal SL"
    assert "Imported 5 receipt(s): 5 added" in format_report(report)


def test_one_bad_row_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    rows = [*good_rows(), row("2610000009", nif="11111111X")]  # wrong check letter
    report = load(db, write_rows(tmp_path / "rebuts.csv", rows))
    assert not report.ok
    assert [(e.line, e.column, e.code) for e in report.errors] == [(7, "nif", "invalid_nif")]
    assert counts(db) == (0, 0)
    assert format_report(report).startswith("Nothing imported: 1 problem(s) in 6 row(s)")


def test_every_bad_row_is_reported_with_its_line_and_reason(db: Database, tmp_path: Path) -> None:
    rows = [
        row("2610000001"),
        row("261000002"),  # line 3: nine digits
        row("2610000003", object_id="0758218DF3805H0012SS"),  # 4: wrong check letters
        row("2620000004", **CAR, object_id="12-ABC"),  # 5: not a plate
        row("2610000005", object_kind="vehicle"),  # 6: an IBI is on a property
        row("2610000006", principal_cents="456.78"),  # 7: cents, not euros
        row("2610000007", voluntary_until="2026-10-01"),  # 8: ends before it starts
        row("2610000008", state="paid"),  # 9: how was it paid?
        row("2610000009", paid_channel="cash"),  # 10: a channel, and on a pending receipt
        row("2610000010", domiciled="yes"),  # 11: no charge date
        row("2610000011", state="enforcement"),  # 12: its voluntary period is running
        row("2610000012", state="enforcement", voluntary_from="2025-01-01",
            voluntary_until="2025-02-01", enforcement_notified_on="2025-01-15"),  # 13: too soon
        row("2610000001"),  # 14: twice in the file
        row("2610000013", name="Marta Soler"),  # 15: one NIF, two names
        row("2610000014", year="2015"),  # 16: its deadline's year cannot go on a slip
        row("2610000015", voluntary_from="2026-02-30"),  # 17: no such day
    ]  # fmt: skip
    report = load(db, write_rows(tmp_path / "rebuts.csv", rows))
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (3, "reference", "bad_value"),
        (4, "object_id", "invalid_cadastral_reference"),
        (5, "object_id", "invalid_plate"),
        (6, "object_kind", "object_mismatch"),
        (7, "principal_cents", "bad_amount"),
        (8, "voluntary_until", "date_order"),
        (9, "paid_on", "missing_field"),
        (9, "paid_cents", "missing_field"),
        (9, "paid_channel", "missing_field"),
        (10, "paid_channel", "bad_value"),
        (10, "paid_channel", "bad_value"),
        (11, "charge_date", "missing_field"),
        (12, "state", "date_order"),
        (13, "enforcement_notified_on", "date_order"),
        (14, "reference", "duplicate_reference"),
        (15, "name", "taxpayer_conflict"),
        (16, "voluntary_until", "date_order"),
        (17, "voluntary_from", "bad_date"),
    ]
    assert counts(db) == (0, 0)


def test_header_problems_stop_the_import(db: Database, tmp_path: Path) -> None:
    columns = ("reference", "nif", "name", "tax", "colour")
    path = write_rows(tmp_path / "rebuts.csv", [], columns=columns)
    report = load(db, path)
    codes = {(e.column, e.code) for e in report.errors}
    assert ("colour", "unknown_column") in codes and ("principal_cents", "missing_column") in codes
    assert all(e.line == 1 for e in report.errors)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert [e.code for e in load(db, empty).errors] == ["empty_file"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("reference,name\n1,Martí\n".encode("latin-1"))
    assert [e.code for e in load(db, latin).errors] == ["bad_encoding"]


def test_reimporting_the_same_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "rebuts.csv", good_rows(), delimiter=";")
    assert load(db, path).ok
    before = SqlTaxRegister(db.session).receipts_of("11111111H")
    again = load(db, path)
    assert again.ok and not again.changed
    assert (again.receipts_unchanged, again.receipts_created, again.taxpayers_created) == (5, 0, 0)
    assert counts(db) == (3, 5)
    assert SqlTaxRegister(db.session).receipts_of("11111111H") == before


def test_a_later_file_updates_but_never_undoes_a_payment(db: Database, tmp_path: Path) -> None:
    assert load(db, write_rows(tmp_path / "first.csv", good_rows())).ok
    register = SqlTaxRegister(db.session)
    posted = register.record_payment(
        "2610000001", paid_on=TODAY, amount=Cents(45678), channel="card_booth",
        payment_reference="0001A0000001",
    )  # fmt: skip
    assert posted is PaymentPosting.RECORDED
    # the treasury's next file: still pending (older than the booth's payment), a new name,
    # a corrected amount for the car, the enforcement receipt paid at a bank meanwhile
    rows = good_rows()
    rows[0]["name"] = "Marta Soler i Puig"
    rows[1]["name"] = "Marta Soler i Puig"
    rows[2]["name"] = "Marta Soler i Puig"
    rows[1]["principal_cents"] = "14230"
    rows[3].update(state="paid", paid_on="2026-11-20", paid_cents="50246", paid_channel="bank")
    report = load(db, write_rows(tmp_path / "second.csv", rows))
    assert report.ok, format_report(report)
    assert (report.taxpayers_updated, report.receipts_updated, report.payments_kept) == (1, 2, 1)
    kept = register.receipt("2610000001")
    assert kept is not None and kept.state is ReceiptState.PAID
    assert (kept.paid_channel, kept.payment_reference) == ("card_booth", "0001A0000001")
    assert kept.taxpayer.name == "Marta Soler i Puig"
    car = register.receipt("2620000002")
    assert car is not None and car.principal == 14230
    bank = register.receipt("2510000004")
    assert bank is not None and bank.state is ReceiptState.PAID and bank.paid_amount == 50246


def test_plates_loosely() -> None:
    assert [plate(p) for p in ("4821 KLM", "4821-klm", "B-1234-XZ", "M 123456", "C1234BCD")] == [
        "4821KLM",
        "4821KLM",
        "B1234XZ",
        "M123456",
        "C1234BCD",
    ]
    assert [plate(p) for p in ("4821 KAM", "12-ABC", "48210KLM", "")] == [None] * 4


def test_the_documented_example_imports(db: Database, tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "taxes.md").read_text(encoding="utf-8")
    example = docs.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")
    report = load(db, path)
    assert report.ok, format_report(report)
    assert report.receipts_created == len(example.strip().splitlines()) - 1 == 3
