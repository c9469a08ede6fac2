"""The complaints procedure's settings (``FINESTRETA_COMPLAINTS_*``, environment or ``.env``),
checked when the server starts: a bad value stops it with the setting named.

Both settings change the defaults of ``types.py`` for the types or themes they name and leave
the others as they are. ``docs/complaints.md`` lists them; a test fails when one is missing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from finestreta.procedures.complaints.catalogue import Catalogue, apply, load
from finestreta.procedures.complaints.types import THEMES, TYPES, UNITS

log = logging.getLogger(__name__)

ALL_UNITS = "*"  # in handler_units: every unit's cases
MAX_DUE_DAYS = 365  # a sanity bound: a year of business days is already far beyond any charter
_UNIT = re.compile(r"[a-z][a-z0-9_-]{1,39}")


def _pairs(value: Any, what: str) -> dict[str, str]:
    """``"a:1, b:2"`` → ``{"a": "1", "b": "2"}`` (a dict passes through)."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError(f"expected comma-separated {what} pairs")
    pairs: dict[str, str] = {}
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, item = part.partition(":")
        if not sep:
            raise ValueError(f"expected {what}, not {part!r}")
        key = key.strip()
        if key in pairs:
            raise ValueError(f"{key!r} is given twice")
        pairs[key] = item.strip()
    return pairs


class ComplaintsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINESTRETA_COMPLAINTS_", env_file=".env", extra="ignore", frozen=True
    )

    due_days: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict,
        description="Business days to answer, by case type: comma-separated `TYPE:DAYS` pairs "
        "(`incident:5,complaint:20`) changing the defaults (incident 10, complaint 30, "
        "suggestion 30, query 15, thanks 30) for the types named.",
    )
    units: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="The unit responsible for a theme's cases: comma-separated `THEME:UNIT` "
        "pairs (`noise:urban_police`) changing the defaults of the themes named; a unit is "
        "2–40 lower-case letters, digits, `_` or `-`.",
    )

    handler_units: Annotated[dict[str, tuple[str, ...]], NoDecode] = Field(
        default_factory=dict,
        description="The units whose cases a case handler works: comma-separated "
        "`USERNAME:UNIT|UNIT` pairs (`marta:cleaning|parks`), `*` for every unit "
        "(`rosa:*`); a handler not named works no cases (the demo gives `rosa` `*`).",
    )

    registry_language: Literal["ca", "es"] = Field(
        "ca",
        description="The language of the registry book: the incoming entries of cases (party "
        "*Anonymous*, subject, where, unit) are written in it whatever the citizen's language; "
        "only the receipt is in the citizen's.",
    )

    catalogue: Path | None = Field(
        None,
        description="A TOML file changing the built-in types' and themes' flags and adding "
        "the city's own (labels in ca, es and en): docs/complaints.md#types-and-themes-from-a-file.",
    )
    _catalogue: Catalogue | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _read_catalogue(self) -> ComplaintsSettings:
        if self.catalogue is not None:
            self._catalogue = load(self.catalogue, dict(TYPES), dict(THEMES))
        return self

    def apply_catalogue(self) -> None:
        """The file's types and themes, into ``types.TYPES`` and ``types.THEMES`` (at start)."""
        if self._catalogue is not None:
            apply(self._catalogue, TYPES, THEMES)  # type: ignore[arg-type]

    @field_validator("due_days", mode="before")
    @classmethod
    def _due_days(cls, value: Any) -> dict[str, int]:
        days: dict[str, int] = {}
        for code, text in _pairs(value, "TYPE:DAYS").items():
            if code not in TYPES:
                raise ValueError(f"{code!r} is not a case type ({', '.join(TYPES)})")
            try:
                number = int(text)
            except ValueError:
                raise ValueError(f"{code}: expected a whole number of days, not {text!r}") from None
            if not 1 <= number <= MAX_DUE_DAYS:
                raise ValueError(f"{code}: expected between 1 and {MAX_DUE_DAYS} days")
            days[code] = number
        return days

    @field_validator("units", mode="before")
    @classmethod
    def _units(cls, value: Any) -> dict[str, str]:
        units: dict[str, str] = {}
        for code, unit in _pairs(value, "THEME:UNIT").items():
            if code not in THEMES:
                raise ValueError(f"{code!r} is not a theme ({', '.join(THEMES)})")
            if not _UNIT.fullmatch(unit):
                raise ValueError(f"{code}: expected a unit code, not {unit!r}")
            units[code] = unit
        return units

    @field_validator("handler_units", mode="before")
    @classmethod
    def _handler_units(cls, value: Any) -> dict[str, tuple[str, ...]]:
        if isinstance(value, dict):
            value = {
                k: "|".join(v) if isinstance(v, (list, tuple)) else v for k, v in value.items()
            }
        handlers: dict[str, tuple[str, ...]] = {}
        for username, text in _pairs(value, "USERNAME:UNIT|UNIT").items():
            units = tuple(u.strip() for u in text.split("|") if u.strip())
            bad = [u for u in units if not (_UNIT.fullmatch(u) or u == ALL_UNITS)]
            if not units or bad:
                raise ValueError(f"{username}: expected unit codes separated by |, not {text!r}")
            handlers[username] = units
        return handlers

    def days_for(self, case_type: str) -> int:
        return self.due_days.get(case_type, TYPES[case_type].due_days)

    def unit_for(self, theme: str) -> str:
        return self.units.get(theme, THEMES[theme].unit)

    def known_units(self) -> dict[str, str]:
        """The units a case may be assigned to (code → label): the built-in ones and those the
        settings give themes (a configured unit's label is its code)."""
        given = [*self.units.values(), *(theme.unit for theme in THEMES.values())]
        extra = {unit: unit for unit in given if unit not in UNITS}
        return {**UNITS, **extra}


DEMO_HANDLER = "rosa"  # seeded by the procedure's seed_demo


def handlers_at_start(settings: ComplaintsSettings, *, demo: bool) -> ComplaintsSettings:
    """The settings the server runs with: in demo mode the demo's handler works every unit;
    with no handler given units, a warning says that case handlers will see no cases."""
    if demo and DEMO_HANDLER not in settings.handler_units:
        units = {**settings.handler_units, DEMO_HANDLER: (ALL_UNITS,)}
        settings = settings.model_copy(update={"handler_units": units})
    if not settings.handler_units:
        log.warning(
            "complaints: no case handler has units (FINESTRETA_COMPLAINTS_HANDLER_UNITS), so "
            "case handlers see no cases; give each one units, or * for every unit"
        )
    return settings
