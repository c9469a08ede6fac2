"""Who issues a document: the city hall's heading, as the settings describe it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Spacer

from finestreta.documents.pdf.styles import ACCENT, Styles, para

if TYPE_CHECKING:
    from finestreta.config import Settings


@dataclass(frozen=True)
class CityHeading:
    """``name`` (Barcelona), ``council`` (Ajuntament de Barcelona), the address line of the
    city hall, and any further lines (NIF, web site)."""

    name: str
    council: str
    address: str
    lines: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> CityHeading:
        """From ``city_name``, ``city_council`` (empty: "Ajuntament de <name>"),
        ``city_address`` and ``city_lines``."""
        return cls(
            name=settings.city_name,
            council=settings.city_council or f"Ajuntament de {settings.city_name}",
            address=settings.city_address,
            lines=tuple(settings.city_lines),
        )

    @property
    def details(self) -> tuple[str, ...]:
        """The lines under the council's name: the address, then the others (empty ones out)."""
        return tuple(line for line in (self.address, *self.lines) if line)


def heading_story(city: CityHeading, styles: Styles) -> list[Any]:
    """The top of a document's first page: the council, its details, and a rule."""
    return [
        para(city.council, styles.council),
        *(para(line, styles.small) for line in city.details),
        Spacer(1, 3 * mm),
        HRFlowable(width="100%", thickness=1.2, color=ACCENT),
        Spacer(1, 4 * mm),
    ]
