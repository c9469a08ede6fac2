"""A procedure's texts: its own gettext domain (``<package>/locale/<lang>/LC_MESSAGES/<name>.po``)
for everything it shows — its panel, its booth screens, its documents, its error messages — with
the platform's page texts as a fallback."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from finestreta.i18n import catalogue, translator
from finestreta.procedures.base import Procedure


def table(procedure: Procedure, lang: str) -> dict[str, str]:
    return catalogue(lang, procedure.name, procedure.locale) if procedure.locale else {}


def procedure_translator(procedure: Procedure, lang: str) -> Callable[[str], str]:
    """The ``_`` of a procedure's templates: its domain first, then the platform's pages."""
    own = table(procedure, lang)
    pages = translator(lang)

    def gettext(message: str) -> str:
        return own.get(message) or pages(message)

    return gettext


def merged(procedures: Iterable[Procedure], lang: str, base: dict[str, str]) -> dict[str, str]:
    """``base`` (a page script's own domain) with every procedure's texts added."""
    texts = dict(base)
    for procedure in procedures:
        for msgid, text in table(procedure, lang).items():
            texts.setdefault(msgid, text)
    return texts
