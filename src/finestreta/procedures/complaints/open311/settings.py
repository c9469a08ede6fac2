"""Open311's settings (``FINESTRETA_COMPLAINTS_OPEN311_*``, environment or ``.env``), read when
the server starts: a bad value stops it with the setting named (docs/open311.md)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_JURISDICTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class Open311Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINESTRETA_COMPLAINTS_OPEN311_", env_file=".env", extra="ignore", frozen=True
    )

    jurisdiction: str = Field(
        "finestreta",
        description="The `jurisdiction_id` this endpoint answers for (letters, digits, `.`, "
        "`_`, `-`); a call naming another is refused with 404.",
    )
    posts_per_minute: int = Field(
        10,
        ge=1,
        le=10_000,
        description="Requests one API key may file (POST) in any 60 seconds; more are refused "
        "with 429. Counted in the database, so it holds across processes and restarts.",
    )

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        if not _JURISDICTION.fullmatch(value):
            raise ValueError("expected letters, digits, '.', '_' or '-' (at most 100)")
        return value
