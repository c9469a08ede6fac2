"""Every look-up in the tax register is audited: found, not found, failed; bad input is
refused before it reaches the register or the audit (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from finestreta.db import Database
from finestreta.errors import InvalidInput
from finestreta.procedures.taxes.importer import import_csv
from finestreta.procedures.taxes.lookups import TaxLookups
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.records import TaxLookupRow
from finestreta.procedures.taxes.register import (
    PaymentPosting,
    Receipt,
    Taxpayer,
    TaxRegisterUnavailable,
)
from finestreta.procedures.taxes.sql_register import SqlTaxRegister
from tests.procedures.taxes.conftest import TODAY, row, write_rows

NOW = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)


@pytest.fixture
def lookups(db: Database, tmp_path: Path) -> TaxLookups:
    rows = [row("2610000001"), row("2630000002", tax="fee", tax_code="300")]
    with db.session() as session:
        assert import_csv(session, write_rows(tmp_path / "rebuts.csv", rows), today=TODAY).ok
    return TaxLookups(SqlTaxRegister(db.session), db.session, clock=lambda: NOW)


def audit(db: Database) -> list[tuple[object, ...]]:
    with db.session() as session:
        return [
            (r.clerk_id, r.call_id, r.action, r.nif, r.reference, r.found, r.purpose, r.at)
            for r in session.scalars(select(TaxLookupRow).order_by(TaxLookupRow.id))
        ]


def test_every_lookup_is_audited(db: Database, lookups: TaxLookups) -> None:
    receipts = lookups.receipts_of("11111111-h", clerk_id=7, call_id="c1", purpose=" pay  ")
    assert [r.reference for r in receipts] == ["2630000002", "2610000001"]
    assert lookups.receipts_of("33333333P", clerk_id=7, call_id="c1", purpose="pay") == []
    one = lookups.receipt("26 1000 0001", clerk_id=8, call_id=None, purpose="pay by reference")
    assert one is not None and one.taxpayer.nif == "11111111H"
    assert lookups.receipt("2699999999", clerk_id=8, call_id=None, purpose="pay") is None
    who = lookups.taxpayer("11111111H", clerk_id=8, call_id="c2", purpose="certificate")
    assert who == Taxpayer("11111111H", "Marta Soler Puig")
    assert audit(db) == [
        (7, "c1", "receipts_of", "11111111H", None, True, "pay", NOW),
        (7, "c1", "receipts_of", "33333333P", None, False, "pay", NOW),
        (8, None, "receipt", "11111111H", "2610000001", True, "pay by reference", NOW),
        (8, None, "receipt", None, "2699999999", False, "pay", NOW),
        (8, "c2", "taxpayer", "11111111H", None, True, "certificate", NOW),
    ]


def test_bad_input_and_no_purpose_are_refused_unaudited(db: Database, lookups: TaxLookups) -> None:
    with pytest.raises(InvalidInput) as bad_nif:
        lookups.receipts_of("11111111X", clerk_id=7, call_id="c1", purpose="pay")
    assert bad_nif.value.code == "bad_nif"
    with pytest.raises(InvalidInput) as bad_reference:
        lookups.receipt("12345", clerk_id=7, call_id="c1", purpose="pay")
    assert bad_reference.value.code == "bad_reference"
    with pytest.raises(ValueError, match="purpose"):
        lookups.receipts_of("11111111H", clerk_id=7, call_id="c1", purpose="  ")
    assert audit(db) == []


class Down:
    """A city's register whose back end does not answer."""

    def taxpayer(self, nif: str) -> Taxpayer | None:
        raise TaxRegisterUnavailable()

    def receipts_of(self, nif: str) -> list[Receipt]:
        raise TaxRegisterUnavailable()

    def receipt(self, reference: str) -> Receipt | None:
        raise TaxRegisterUnavailable()

    def record_payment(
        self, reference: str, *, paid_on: date, amount: Cents, channel: str, payment_reference: str
    ) -> PaymentPosting:
        raise TaxRegisterUnavailable()


def test_a_failing_register_is_audited_and_the_error_passes(db: Database) -> None:
    lookups = TaxLookups(Down(), db.session, clock=lambda: NOW)
    with pytest.raises(TaxRegisterUnavailable) as failed:
        lookups.receipts_of("X1234567L", clerk_id=3, call_id="c9", purpose="pay")
    assert failed.value.code == "tax_register_unavailable"
    assert audit(db) == [(3, "c9", "receipts_of", "X1234567L", None, None, "pay", NOW)]
