"""Translations for every part of the platform: gettext catalogues read with Babel.

A catalogue is ``<locale_dir>/<lang>/LC_MESSAGES/<domain>.po``. The platform's domains live in
``finestreta/locale`` (``messages``, ``kiosk``, ``console`` for the web, ``documents`` for the
printed documents); a procedure keeps its own next to its code (``procedures/census/locale``
holds ``census``). Message ids are English: a text missing from a catalogue is printed as its
id. The .po files are read once per process, with no compiled .mo files to keep in step.

This module imports nothing of the web, so that documents can be rendered without it
(:mod:`finestreta.web.i18n` builds on it).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Marks ``message`` for extraction where it is not translated yet (a table of texts at
    module level): translate it with ``_`` where it is printed."""
    return message


@cache
def catalogue(lang: str, domain: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """msgid → translation for ``lang`` in one domain (untranslated and fuzzy entries left
    out; an empty table when the catalogue does not exist)."""
    path = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@cache
def translator(
    lang: str, domain: str = "messages", locale_dir: Path = LOCALE_DIR
) -> Callable[[str], str]:
    """The ``_`` of one language and domain: a text's translation, or the text itself."""
    table = catalogue(lang, domain, locale_dir)

    def gettext(message: str) -> str:
        return table.get(message, message)

    return gettext


@cache
def _plurals(
    lang: str, domain: str, locale_dir: Path
) -> tuple[dict[str, tuple[str, ...]], Callable[[int], int]]:
    """singular msgid → its translated forms, and the language's rule (``Plural-Forms``)."""
    path = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return {}, lambda n: int(n != 1)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    forms = {
        str(m.id[0]): tuple(str(s) for s in m.string)
        for m in catalog
        if isinstance(m.id, tuple) and isinstance(m.string, tuple) and all(m.string)
        if not m.fuzzy
    }
    rule: Callable[[int], int] = _gettext.c2py(catalog.plural_expr)
    return forms, rule


def plural_translator(
    lang: str, domain: str = "messages", locale_dir: Path = LOCALE_DIR
) -> Callable[[str, str, int], str]:
    """The ``ngettext`` of one language and domain ("1 cabina", "3 cabines"): the form the
    language's rule picks for ``n``, or the English one when the text is not translated."""
    forms, rule = _plurals(lang, domain, locale_dir)

    def ngettext(singular: str, plural: str, n: int) -> str:
        found = forms.get(singular)
        if not found:
            return singular if n == 1 else plural
        return found[min(rule(n), len(found) - 1)]

    return ngettext
