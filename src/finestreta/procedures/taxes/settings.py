"""The taxes procedure's settings (``FINESTRETA_TAXES_*``, environment or ``.env``), checked
when the server starts: a bad value stops it with the setting named, never a wrong amount later.

``docs/taxes.md`` lists them; a test fails when one is missing there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BUILTIN = "builtin"
# Late-payment interest (interés de demora tributario, General Tax Law art. 26.6) as each
# year's State budget law sets it, in per cent; docs/taxes.md gives the sources. 2024–2026
# are the 2023 law's figure, carried over while the budget is extended.
DEFAULT_INTEREST_RATES: Mapping[int, Decimal] = {
    2020: Decimal("3.75"),
    2021: Decimal("3.75"),
    2022: Decimal("3.75"),
    2023: Decimal("4.0625"),
    2024: Decimal("4.0625"),
    2025: Decimal("4.0625"),
    2026: Decimal("4.0625"),
}
DEMO_ISSUER = "999999"
MAX_RATE = Decimal(50)  # a sanity bound: no Spanish rate has come near it

_SPEC = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_ISSUER = re.compile(r"[0-9]{6}")
_YEAR = re.compile(r"[0-9]{4}")


class TaxesSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINESTRETA_TAXES_", env_file=".env", extra="ignore", frozen=True
    )

    # ``register`` would shadow BaseSettings' (ABC's) ``register``: the field has another name,
    # the setting keeps its own (FINESTRETA_TAXES_REGISTER).
    register_spec: str = Field(
        BUILTIN,
        validation_alias=AliasChoices("FINESTRETA_TAXES_REGISTER", "register"),
        description="`builtin` (the tax register in Finestreta's own database, filled by "
        "`finestreta taxes import`), or a city's adapter: `package.module:factory`, called "
        "with these settings and the database, returning a `TaxRegister`.",
    )
    issuer: str = Field(
        DEMO_ISSUER,
        description="The city's 6-digit issuer code at the banks (Cuaderno 60, *emisora*), "
        "printed in every payment slip's barcode. The default is a demo code.",
    )
    interest_rates: Annotated[dict[int, Decimal], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_INTEREST_RATES),
        description="Late-payment interest rate of each year in per cent, comma-separated "
        "`YEAR:RATE` pairs (`2025:4.0625,2026:4.0625`); replaces the whole default table, "
        "which holds the State budget laws' rates for 2020–2026.",
    )

    @field_validator("register_spec")
    @classmethod
    def _register(cls, value: str) -> str:
        value = value.strip()
        if value != BUILTIN and not _SPEC.fullmatch(value):
            raise ValueError(f"expected `builtin` or `package.module:factory`, not {value!r}")
        return value

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        value = value.strip()
        if not _ISSUER.fullmatch(value):
            raise ValueError(f"expected the issuer code as 6 digits, not {value!r}")
        return value

    @field_validator("interest_rates", mode="before")
    @classmethod
    def _rates(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_rates(value)
        if isinstance(value, Mapping):
            return {_year(str(year)): _rate(str(year), rate) for year, rate in value.items()}
        return value


def parse_rates(text: str) -> dict[int, Decimal]:
    """``"2025:4.0625, 2026:4.0625"`` as ``{2025: Decimal("4.0625"), ...}`` (ValueError
    naming the bad pair otherwise)."""
    rates: dict[int, Decimal] = {}
    for pair in (part.strip() for part in text.split(",")):
        if not pair:
            continue
        year_text, colon, rate_text = pair.partition(":")
        if not colon:
            raise ValueError(f"expected YEAR:RATE pairs, not {pair!r}")
        year = _year(year_text.strip())
        if year in rates:
            raise ValueError(f"the year {year} is given twice")
        rates[year] = _rate(str(year), rate_text.strip())
    if not rates:
        raise ValueError("expected at least one YEAR:RATE pair")
    return rates


def _year(text: str) -> int:
    if not _YEAR.fullmatch(text) or not 2000 <= int(text) <= 2099:
        raise ValueError(f"expected a year 2000–2099, not {text!r}")
    return int(text)


def _rate(year: str, value: object) -> Decimal:
    """A per cent rate as an exact Decimal: from text or an int, never from a float."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"expected the {year} rate as text or a Decimal, not {value!r}")
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"expected a number as the {year} rate, not {value!r}") from None
    if not rate.is_finite() or not 0 <= rate <= MAX_RATE:
        raise ValueError(
            f"expected a rate between 0 and {MAX_RATE} per cent for {year}, not {value}"
        )
    return rate
