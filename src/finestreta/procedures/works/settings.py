"""The works procedure's settings (``FINESTRETA_WORKS_*``, environment or ``.env``), checked when
the server starts: a bad value stops it with the setting named. docs/configuration.md lists
them."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_FEE_CENTS = 1_000_000  # a sanity bound (10,000 €): a notice's fee is a few euros if any


class WorksSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINESTRETA_WORKS_", env_file=".env", extra="ignore", frozen=True
    )

    fee_cents: int = Field(
        0,
        ge=0,
        le=MAX_FEE_CENTS,
        description="The fee for a works notice in euro cents (0: free, the default). When "
        "set, the notice states it; it is paid as the city's fiscal ordinance says (not by "
        "card at the booth).",
    )
    max_duration_days: int = Field(
        180,
        ge=1,
        le=3650,
        description="The longest duration of the works a notice may state, in days.",
    )
    max_start_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="How far ahead the works may start, in days after the notice.",
    )
    unit: str = Field(
        "Oficina tècnica d'obres · Districte {district}",
        min_length=1,
        max_length=200,
        description="The addressee unit of the notice's incoming registry entry; `{district}` "
        "is replaced by the address's district (the street register's).",
    )

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        value = value.strip()
        try:
            value.format(district="x")
        except (KeyError, IndexError, ValueError):
            raise ValueError(f"only {{district}} may be named in the unit, not {value!r}") from None
        return value
