"""Translations of the web: the server pages (``messages``), the booth's script (``kiosk``) and
the clerk console's (``console``), on top of :mod:`finestreta.i18n`.

Message ids are English. Citizen-facing texts exist in Catalan, Spanish and English; clerk texts
at least in Catalan and Spanish. The booth's script gets its texts as JSON for all three
languages at once, since the citizen switches language on the booth itself.
"""

from __future__ import annotations

from collections.abc import Callable

from finestreta import i18n
from finestreta.i18n import LOCALE_DIR

__all__ = [
    "CITIZEN_LANGUAGES",
    "DOMAINS",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "STAFF_LANGUAGES",
    "catalogue",
    "console_messages",
    "kiosk_messages",
    "pick_language",
    "translator",
]

CITIZEN_LANGUAGES = ("ca", "es", "en")
STAFF_LANGUAGES = ("ca", "es")
LANGUAGE_NAMES = {"ca": "Català", "es": "Castellano", "en": "English"}


# One catalogue per part of the product, so that each can be extracted and kept on its own:
# ``messages`` (server pages), ``kiosk`` (the booth's script) and ``console`` (the clerk's).
DOMAINS = ("messages", "kiosk", "console")


def catalogue(lang: str, domain: str = "messages") -> dict[str, str]:
    """msgid → translation for ``lang`` in one domain (untranslated and fuzzy entries left out)."""
    return i18n.catalogue(lang, domain)


def translator(lang: str) -> Callable[[str], str]:
    """The server pages' ``_`` in ``lang``."""
    return i18n.translator(lang, "messages")


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
