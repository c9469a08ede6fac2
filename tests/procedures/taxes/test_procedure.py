"""The taxes procedure on the platform: its settings (checked at start, documented), the
register it builds (the built-in one or a city's adapter), its import command, its demo data
and what it keeps out of the logs."""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestreta.cli import main
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from finestreta.logs import RedactingFilter
from finestreta.procedures import registry
from finestreta.procedures.taxes import Taxes
from finestreta.procedures.taxes.factory import tax_register
from finestreta.procedures.taxes.lookups import TaxLookups
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.register import PaymentPosting, Receipt, Taxpayer
from finestreta.procedures.taxes.settings import DEFAULT_INTEREST_RATES, TaxesSettings
from finestreta.procedures.taxes.sql_register import SqlTaxRegister
from tests.procedures.taxes.conftest import MALLORCA_REF, row, write_rows

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "taxes.md").read_text(encoding="utf-8")


class CityRegister:
    """A city's own adapter (``FINESTRETA_TAXES_REGISTER=tests...:city_register``)."""

    def __init__(self, settings: TaxesSettings, db: Database) -> None:
        self.issuer = settings.issuer
        self.db = db

    def taxpayer(self, nif: str) -> Taxpayer | None:
        return Taxpayer(nif, "From the city's system")

    def receipts_of(self, nif: str) -> list[Receipt]:
        return []

    def receipt(self, reference: str) -> Receipt | None:
        return None

    def record_payment(
        self, reference: str, *, paid_on: date, amount: Cents, channel: str, payment_reference: str
    ) -> PaymentPosting:
        return PaymentPosting.RECORDED


def city_register(settings: TaxesSettings, db: Database) -> CityRegister:
    return CityRegister(settings, db)


def not_a_register(settings: TaxesSettings, db: Database) -> object:
    return object()


ADAPTER = f"{__name__}:city_register"


def test_it_is_installed_and_set_up_with_the_built_in_register(ctx: Any) -> None:
    taxes = ctx.procedure("taxes")
    assert isinstance(taxes, Taxes) and "taxes" in ctx.hub.topics
    # the booth's taxes topic is this procedure's now, no longer the information one's
    assert registry.topics(ctx.procedures.values())["taxes"][1] is taxes
    assert isinstance(taxes.register, SqlTaxRegister) and isinstance(taxes.lookups, TaxLookups)
    assert taxes.lookups.register is taxes.register
    assert taxes.settings == TaxesSettings(_env_file=None)


def test_a_citys_adapter_is_plugged_in(monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
    monkeypatch.setenv("FINESTRETA_TAXES_REGISTER", ADAPTER)
    monkeypatch.setenv("FINESTRETA_TAXES_ISSUER", "080193")
    settings = TaxesSettings(_env_file=None)
    register = tax_register(settings, db)
    assert isinstance(register, CityRegister) and register.issuer == "080193"
    # and the procedure builds its look-ups over it
    ctx = build_context(Settings(_env_file=None, database_url=str(db.engine.url)), db)
    assert isinstance(ctx.procedure("taxes").register, CityRegister)  # type: ignore[attr-defined]


def test_a_broken_adapter_is_said_plainly(db: Database) -> None:
    missing = TaxesSettings(_env_file=None, register="tests.nowhere:factory")
    with pytest.raises(ValueError, match=r"tests\.nowhere:factory cannot be loaded"):
        tax_register(missing, db)
    wrong = TaxesSettings(_env_file=None, register=f"{__name__}:not_a_register")
    with pytest.raises(TypeError, match="did not return a TaxRegister"):
        tax_register(wrong, db)


def test_the_defaults() -> None:
    settings = TaxesSettings(_env_file=None)
    assert settings.register_spec == "builtin" and re.fullmatch(r"[0-9]{6}", settings.issuer)
    assert settings.interest_rates == {
        2020: Decimal("3.75"),
        2021: Decimal("3.75"),
        2022: Decimal("3.75"),
        2023: Decimal("4.0625"),
        2024: Decimal("4.0625"),
        2025: Decimal("4.0625"),
        2026: Decimal("4.0625"),
    }
    assert settings.interest_rates is not DEFAULT_INTEREST_RATES


def test_rates_are_read_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINESTRETA_TAXES_INTEREST_RATES", " 2026:4.0625 , 2027:4.1,")
    rates = TaxesSettings(_env_file=None).interest_rates
    assert rates == {2026: Decimal("4.0625"), 2027: Decimal("4.1")}
    assert all(type(rate) is Decimal for rate in rates.values())


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("FINESTRETA_TAXES_ISSUER", "12345", "6 digits"),
        ("FINESTRETA_TAXES_ISSUER", "12345A", "6 digits"),
        ("FINESTRETA_TAXES_REGISTER", "my_register", "package.module:factory"),
        ("FINESTRETA_TAXES_INTEREST_RATES", "2026=4", "YEAR:RATE"),
        ("FINESTRETA_TAXES_INTEREST_RATES", "26:4", "a year 2000–2099"),
        ("FINESTRETA_TAXES_INTEREST_RATES", "2026:four", "a number"),
        ("FINESTRETA_TAXES_INTEREST_RATES", "2026:-1", "between 0 and 50"),
        ("FINESTRETA_TAXES_INTEREST_RATES", "2026:NaN", "between 0 and 50"),
        ("FINESTRETA_TAXES_INTEREST_RATES", "2026:4,2026:5", "twice"),
        ("FINESTRETA_TAXES_INTEREST_RATES", " , ", "at least one"),
    ],
)
def test_bad_settings_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, db: Database, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=says):
        TaxesSettings(_env_file=None)
    with pytest.raises(ValidationError, match=says):  # the server does not start
        build_context(Settings(_env_file=None, database_url=str(db.engine.url)), db)


@pytest.mark.parametrize("name", sorted(TaxesSettings.model_fields))
def test_every_setting_is_documented_with_its_default(name: str) -> None:
    variable = (
        "FINESTRETA_TAXES_REGISTER"
        if name == "register_spec"
        else f"FINESTRETA_TAXES_{name.upper()}"
    )
    line = next((line for line in DOCS.splitlines() if line.startswith(f"| `{variable}` |")), "")
    assert line, f"{variable} has no row in docs/taxes.md"
    default = TaxesSettings.model_fields[name].get_default(call_default_factory=True)
    shown = (
        ",".join(f"{y}:{r}" for y, r in default.items()) if isinstance(default, dict) else default
    )
    assert f"`{shown}`" in line


def test_the_import_command(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, db: Database, tmp_path: Path
) -> None:
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", str(db.engine.url))
    good = write_rows(tmp_path / "good.csv", [row("2610000001")])
    main(["taxes", "import", str(good)])
    assert "Imported 1 receipt(s): 1 added" in capsys.readouterr().out
    receipt = SqlTaxRegister(db.session).receipt("2610000001")
    assert receipt is not None and receipt.object_id == MALLORCA_REF
    bad = write_rows(tmp_path / "bad.csv", [row("2610000002", nif="nobody")])
    with pytest.raises(SystemExit) as failed:
        main(["taxes", "import", str(bad)])
    assert failed.value.code == 1
    assert "line 2, nif: invalid_nif" in capsys.readouterr().out
    with pytest.raises(SystemExit) as missing:
        main(["taxes", "import", str(tmp_path / "none.csv")])
    assert missing.value.code == 2


def test_its_demo_data(db: Database) -> None:
    (taxes,) = registry.load(["taxes"])
    with db.session() as session:
        taxes.seed_demo(session)
    receipts = SqlTaxRegister(db.session).receipts_of("11111111H")
    assert len(receipts) == 3 and receipts[0].taxpayer.name == "Marta Soler Puig"


@pytest.mark.parametrize(
    "secret",
    [
        "11111111H",
        "X-1234567-L",
        "B58378431",
        "0758218DF3805H0012SH",
        "0758218 DF3805H 0012 SH",
        "4821 KLM",
        "4821-KLM",
    ],
)
def test_personal_data_never_reaches_a_log(caplog: pytest.LogCaptureFixture, secret: str) -> None:
    (taxes,) = registry.load(["taxes"])
    redacting = RedactingFilter(taxes.redact)
    logger = logging.getLogger("tests.taxes")
    caplog.handler.addFilter(redacting)
    try:
        with caplog.at_level(logging.INFO, logger="tests.taxes"):
            logger.info("looked up %s for receipt 2610000001 of 456,78 €", secret)
    finally:
        caplog.handler.removeFilter(redacting)
    assert secret not in caplog.text and "[redacted]" in caplog.text
    assert "2610000001" in caplog.text  # a receipt's reference names no one
