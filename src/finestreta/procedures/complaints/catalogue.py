"""Types and themes from a file (``FINESTRETA_COMPLAINTS_CATALOGUE``): a city changes the flags
of the built-in ones, and adds its own (none is dropped: old cases keep theirs), IRIS-like, without touching the code.

A TOML file; every table optional::

    [types.incident]          # a built-in type: only what is given changes
    due_days = 7
    open311 = false

    [types.petition]          # a new type: its labels in ca, es and en, and every flag
    label = { ca = "Petició", es = "Petición", en = "Petition" }
    description = { ca = "…", es = "…", en = "…" }
    anonymous_allowed = false
    due_days = 30
    open311 = false

    [themes.graffiti]         # a new theme: labels, its unit, whether it is about people
    label = { ca = "Pintades", es = "Pintadas", en = "Graffiti" }
    unit = "cleaning"
    about_people = false

It is read and checked when the server starts (a bad file stops it with the reason) and applied
once to ``types.TYPES`` and ``types.THEMES``, which every part of the procedure (the panel, the
pages, Open311) reads; a new entry's labels join the procedure's translations.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from finestreta.procedures.complaints.types import CaseType, Theme

LANGUAGES = ("ca", "es", "en")
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
_UNIT = re.compile(r"[a-z][a-z0-9_-]{1,39}")
TYPE_FLAGS = {"anonymous_allowed": bool, "due_days": int, "open311": bool}
THEME_FLAGS = {"unit": str, "about_people": bool}
MAX_DUE_DAYS = 365


@dataclass(frozen=True)
class Catalogue:
    types: dict[str, CaseType] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # lang → msgid → text


def _labels(where: str, value: Any, labels: dict[str, dict[str, str]]) -> str:
    """A ``{ca, es, en}`` table → its English text as the msgid, the others as translations."""
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise ValueError(f"{where}: give it in ca, es and en ({{ ca = …, es = …, en = … }})")
    texts = {lang: value[lang] for lang in LANGUAGES}
    if not all(
        isinstance(text, str) and text.strip() and len(text) <= 200 for text in texts.values()
    ):
        raise ValueError(f"{where}: each text is 1–200 characters")
    msgid = str(texts["en"]).strip()
    for lang in LANGUAGES:
        labels.setdefault(lang, {})[msgid] = texts[lang].strip()
    return msgid


def _flags(where: str, table: dict[str, Any], kinds: dict[str, type]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for name, kind in kinds.items():
        if name not in table:
            continue
        value = table[name]
        if type(value) is not kind:
            raise ValueError(f"{where}.{name}: expected {kind.__name__}")
        flags[name] = value
    if "due_days" in flags and not 1 <= flags["due_days"] <= MAX_DUE_DAYS:
        raise ValueError(f"{where}.due_days: between 1 and {MAX_DUE_DAYS}")
    if "unit" in flags and not _UNIT.fullmatch(flags["unit"]):
        raise ValueError(f"{where}.unit: a unit code (2–40 lower-case letters, digits, _ or -)")
    return flags


def _entries(
    data: dict[str, Any], section: str, allowed: set[str]
) -> list[tuple[str, str, dict[str, Any]]]:
    tables = data.get(section, {})
    if not isinstance(tables, dict):
        raise ValueError(f"[{section}] is a table of tables")
    out = []
    for code, table in tables.items():
        where = f"{section}.{code}"
        if not _CODE.fullmatch(code) or not isinstance(table, dict):
            raise ValueError(f"{where}: a code of 2–40 lower-case letters, digits or _")
        unknown = set(table) - allowed
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        out.append((code, where, table))
    return out


def load(path: Path, types: dict[str, CaseType], themes: dict[str, Theme]) -> Catalogue:
    """The file checked against the built-in ``types`` and ``themes`` (ValueError: why not)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({type(error).__name__})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not TOML ({error})") from None
    unknown = set(data) - {"types", "themes"}
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}: only [types.X] and [themes.X]")
    catalogue = Catalogue()
    keys = {"label", "description", *TYPE_FLAGS}
    for code, where, table in _entries(data, "types", keys):
        flags = _flags(where, table, TYPE_FLAGS)
        if code in types:
            given: dict[str, Any] = dict(flags)
            if "label" in table:
                given["label"] = _labels(f"{where}.label", table["label"], catalogue.labels)
            if "description" in table:
                given["description"] = _labels(
                    f"{where}.description", table["description"], catalogue.labels
                )
            catalogue.types[code] = replace(types[code], **given)
            continue
        missing = [k for k in ("label", "description", *TYPE_FLAGS) if k not in table]
        if missing:
            raise ValueError(f"{where}: a new type needs {', '.join(missing)}")
        catalogue.types[code] = CaseType(
            code,
            _labels(f"{where}.label", table["label"], catalogue.labels),
            _labels(f"{where}.description", table["description"], catalogue.labels),
            **flags,
        )
    keys = {"label", *THEME_FLAGS}
    for code, where, table in _entries(data, "themes", keys):
        flags = _flags(where, table, THEME_FLAGS)
        if code in themes:
            given = dict(flags)
            if "label" in table:
                given["label"] = _labels(f"{where}.label", table["label"], catalogue.labels)
            catalogue.themes[code] = replace(themes[code], **given)
            continue
        missing = [k for k in ("label", "unit") if k not in table]
        if missing:
            raise ValueError(f"{where}: a new theme needs {', '.join(missing)}")
        catalogue.themes[code] = Theme(
            code,
            _labels(f"{where}.label", table["label"], catalogue.labels),
            flags["unit"],
            about_people=flags.get("about_people", False),
        )
    return catalogue


def apply(catalogue: Catalogue, types: dict[str, Any], themes: dict[str, Any]) -> None:
    """Change ``types`` and ``themes`` in place; new labels join the translations."""
    from finestreta.i18n import catalogue as translations
    from finestreta.procedures.complaints.types import DOMAIN

    locale = Path(__file__).parent / "locale"
    for lang, texts in catalogue.labels.items():
        translations(lang, DOMAIN, locale).update(texts)  # the cached table every _ reads
    types.update(catalogue.types)
    themes.update(catalogue.themes)
