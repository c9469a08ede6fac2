"""Translations: gettext catalogues (``locale/<lang>/LC_MESSAGES/messages.po``) read with Babel.

Message ids are English. Citizen-facing texts exist in Catalan, Spanish and English; clerk texts
at least in Catalan and Spanish. The .po files are read at start-up (no compiled .mo files to
keep in step), and the booth's script gets its texts as JSON for all three languages at once,
since the citizen switches language on the booth itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
CITIZEN_LANGUAGES = ("ca", "es", "en")
STAFF_LANGUAGES = ("ca", "es")
LANGUAGE_NAMES = {"ca": "Català", "es": "Castellano", "en": "English"}


# One catalogue per part of the product, so that each can be extracted and kept on its own:
# ``messages`` (server pages), ``kiosk`` (the booth's script) and ``console`` (the clerk's).
DOMAINS = ("messages", "kiosk", "console")


@cache
def catalogue(lang: str, domain: str = "messages") -> dict[str, str]:
    """msgid → translation for ``lang`` in one domain (untranslated and fuzzy entries left out)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def translator(lang: str) -> Callable[[str], str]:
    table = catalogue(lang)

    def gettext(message: str) -> str:
        return table.get(message, message)

    return gettext


def pick_language(candidates: list[str | None], allowed: tuple[str, ...]) -> str:
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in allowed:
                return code
    return allowed[0]


def kiosk_messages() -> dict[str, dict[str, str]]:
    """Every language's table for the booth script (English ids map to themselves)."""
    return {lang: catalogue(lang, "kiosk") for lang in CITIZEN_LANGUAGES}


def console_messages(lang: str) -> dict[str, str]:
    return catalogue(lang, "console")
