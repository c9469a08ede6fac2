"""What the information catalogue says, as plain immutable values.

An :class:`Entry` is one service of the city's counters (a census certificate, a tax, a permit…)
with its texts in Catalan, Spanish and English. Title and summary exist in the three languages;
every other text may be left out in Spanish or English, and is then shown in Catalan (the
reference language): :meth:`Entry.localized` does that fallback, field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

LANGUAGES = ("ca", "es", "en")
REFERENCE_LANGUAGE = "ca"


class Category(StrEnum):
    """Kinds of service, in the order a booth shows them."""

    CENSUS = "census"
    CIVIL_STATUS = "civil_status"
    TAXES = "taxes"
    WORKS = "works"
    PUBLIC_SPACE = "public_space"
    COMPLAINTS = "complaints"
    SOCIAL_SERVICES = "social_services"
    HOUSING = "housing"
    MOBILITY = "mobility"
    ENVIRONMENT = "environment"
    CULTURE = "culture"
    SPORTS = "sports"
    BUSINESS = "business"
    ANIMALS = "animals"
    DIGITAL_ID = "digital_id"
    GENERAL = "general"


CATEGORY_ORDER: dict[Category, int] = {category: n for n, category in enumerate(Category)}

CATEGORY_LABELS: dict[Category, dict[str, str]] = {
    Category.CENSUS: {"ca": "Padró", "es": "Padrón", "en": "Census register"},
    Category.CIVIL_STATUS: {"ca": "Estat civil", "es": "Estado civil", "en": "Civil status"},
    Category.TAXES: {"ca": "Tributs", "es": "Tributos", "en": "Taxes"},
    Category.WORKS: {"ca": "Obres", "es": "Obras", "en": "Building works"},
    Category.PUBLIC_SPACE: {"ca": "Via pública", "es": "Vía pública", "en": "Public space"},
    Category.COMPLAINTS: {
        "ca": "Queixes i suggeriments",
        "es": "Quejas y sugerencias",
        "en": "Complaints and suggestions",
    },
    Category.SOCIAL_SERVICES: {
        "ca": "Serveis socials",
        "es": "Servicios sociales",
        "en": "Social services",
    },
    Category.HOUSING: {"ca": "Habitatge", "es": "Vivienda", "en": "Housing"},
    Category.MOBILITY: {"ca": "Mobilitat", "es": "Movilidad", "en": "Getting around"},
    Category.ENVIRONMENT: {
        "ca": "Medi ambient i residus",
        "es": "Medio ambiente y residuos",
        "en": "Environment and waste",
    },
    Category.CULTURE: {"ca": "Cultura", "es": "Cultura", "en": "Culture"},
    Category.SPORTS: {"ca": "Esports", "es": "Deportes", "en": "Sports"},
    Category.BUSINESS: {
        "ca": "Empreses i comerç",
        "es": "Empresas y comercio",
        "en": "Business and shops",
    },
    Category.ANIMALS: {"ca": "Animals", "es": "Animales", "en": "Animals"},
    Category.DIGITAL_ID: {
        "ca": "Identitat digital",
        "es": "Identidad digital",
        "en": "Digital identity",
    },
    Category.GENERAL: {
        "ca": "Atenció ciutadana",
        "es": "Atención ciudadana",
        "en": "Citizen service",
    },
}


class Channel(StrEnum):
    """Where the service can be asked for."""

    BOOTH = "booth"  # this virtual office: a clerk on video
    OFFICE = "office"  # in person at a citizen-service office (OAC)
    ONLINE = "online"  # the city's electronic office
    PHONE = "phone"  # 010, the city's information line


CHANNEL_LABELS: dict[Channel, dict[str, str]] = {
    Channel.BOOTH: {
        "ca": "Aquesta cabina (atenció per vídeo)",
        "es": "Esta cabina (atención por vídeo)",
        "en": "This booth (video service)",
    },
    Channel.OFFICE: {
        "ca": "Oficina d'Atenció Ciutadana",
        "es": "Oficina de Atención Ciudadana",
        "en": "Citizen service office",
    },
    Channel.ONLINE: {"ca": "En línia", "es": "En línea", "en": "Online"},
    Channel.PHONE: {"ca": "Telèfon 010", "es": "Teléfono 010", "en": "Phone 010"},
}

FREE_LABELS = {"ca": "Gratuït", "es": "Gratuito", "en": "Free of charge"}

# The localised text fields, in the order an information sheet shows them.
TEXT_FIELDS = (
    "title",
    "summary",
    "who",
    "requirements",
    "fees",
    "where_when",
    "links",
    "keywords",
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Texts:
    """One language's texts of an entry. Empty means "not given" (the Catalan text is shown)."""

    title: str
    summary: str
    who: str = ""
    requirements: tuple[str, ...] = ()
    fees: str = ""  # what it costs; with ``Entry.free`` a note, or nothing
    where_when: str = ""  # where and when, in words (opening hours, offices, deadlines)
    links: tuple[Link, ...] = ()
    keywords: tuple[str, ...] = ()

    def given(self, name: str) -> bool:
        return bool(getattr(self, name))


@dataclass(frozen=True)
class LocalizedEntry:
    """An entry in one language, every missing text taken from Catalan (``fallback`` names
    the fields that were)."""

    slug: str
    category: Category
    channels: tuple[Channel, ...]
    free: bool
    lang: str
    title: str
    summary: str
    who: str
    requirements: tuple[str, ...]
    fees: str
    where_when: str
    links: tuple[Link, ...]
    keywords: tuple[str, ...]
    updated_at: datetime
    fallback: tuple[str, ...] = ()

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category][self.lang]

    @property
    def fees_text(self) -> str:
        """What a citizen reads under "fees": "Free of charge", maybe with a note."""
        if not self.free:
            return self.fees
        label = FREE_LABELS[self.lang]
        return f"{label}. {self.fees}" if self.fees else label

    def channel_labels(self) -> list[str]:
        return [CHANNEL_LABELS[channel][self.lang] for channel in self.channels]


@dataclass(frozen=True)
class Entry:
    slug: str  # stable id: lower-case letters, digits and hyphens
    category: Category
    channels: tuple[Channel, ...]
    free: bool
    texts: Mapping[str, Texts] = field(hash=False)  # "ca", "es", "en"
    updated_at: datetime  # when the content was last revised (aware, UTC)

    def localized(self, lang: str) -> LocalizedEntry:
        """The entry in ``lang`` (ca, es or en), missing texts taken from Catalan."""
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
        own = self.texts.get(lang)
        reference = self.texts[REFERENCE_LANGUAGE]
        fallback: list[str] = []

        def pick(name: str) -> Any:
            if own is not None and own.given(name):
                return getattr(own, name)
            if lang != REFERENCE_LANGUAGE and reference.given(name):
                fallback.append(name)
            return getattr(reference, name)

        return LocalizedEntry(
            slug=self.slug,
            category=self.category,
            channels=self.channels,
            free=self.free,
            lang=lang,
            title=pick("title"),
            summary=pick("summary"),
            who=pick("who"),
            requirements=pick("requirements"),
            fees=pick("fees"),
            where_when=pick("where_when"),
            links=pick("links"),
            keywords=pick("keywords"),
            updated_at=self.updated_at,
            fallback=tuple(fallback),
        )
