"""Every booth text exists in Catalan, Spanish and English; every clerk text in Catalan and
Spanish; every printed text (documents, and each procedure's) in Catalan, Spanish and English;
and the catalogues are in step with the sources (scripts/i18n was run)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from finestreta.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "finestreta"
LOCALE = SRC / "locale"
CITIZEN = ("ca", "es", "en")
# Each domain: the folder its texts come from, how they are extracted (a pybabel method map
# and the keywords, as scripts/i18n does), the languages that must translate every text, and
# the folder of its catalogues. Printed documents, error texts and each procedure have
# domains of their own.
NOT_PAGES = [
    ("documents/pdf/**.py", "ignore"),
    ("registry/receipt.py", "ignore"),
    ("catalogue/sheet.py", "ignore"),
    ("procedures/*/**", "ignore"),
]
# pybabel keywords: a function's name and which of its arguments are texts (None: the first)
Keywords = Mapping[str, tuple[int, ...] | None]
SCRIPT: Keywords = {"t": None, "T": None}
DOMAINS: dict[str, tuple[str, list[tuple[str, str]], Keywords, tuple[str, ...], Path]] = {
    "kiosk": ("web/static/kiosk", [("**.js", "javascript")], SCRIPT, ("ca", "es"), LOCALE),
    "console": ("web/static/console", [("**.js", "javascript")], SCRIPT, ("ca", "es"), LOCALE),
    "messages": (
        ".",
        [*NOT_PAGES, ("**.py", "python"), ("web/templates/**.html", "jinja2")],
        {"_": None},
        ("ca", "es"),
        LOCALE,
    ),
    "documents": (
        ".",
        [
            ("documents/pdf/**.py", "python"),
            ("registry/receipt.py", "python"),
            ("catalogue/sheet.py", "python"),
        ],
        {"_": None, "N_": None},
        CITIZEN,
        LOCALE,
    ),
    "errors": (
        ".",
        [("registry/receipt.py", "ignore"), ("procedures/*/**", "ignore"), ("**.py", "python")],
        {"N_": None},
        CITIZEN,
        LOCALE,
    ),
}
# Every procedure's own domain, from its folder (a new procedure is covered as it comes).
for _folder in sorted((SRC / "procedures").iterdir()):
    if (_folder / "__init__.py").exists():
        DOMAINS[_folder.name] = (
            f"procedures/{_folder.name}",
            [
                ("**.py", "python"),
                ("templates/**.html", "jinja2"),
                ("static/**.js", "javascript"),
            ],
            {"_": None, "N_": None, "t": None, "T": None, "Rule": (3,)},
            CITIZEN,
            _folder / "locale",
        )


def extracted(domain: str) -> set[str]:
    folder, method_map, keywords, _, _ = DOMAINS[domain]
    base = SRC / folder
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        base,
        method_map,
        keywords=keywords,
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def table(lang: str, domain: str) -> dict[str, str]:
    return catalogue(lang, domain, DOMAINS[domain][4])


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_sources_have_texts(domain: str) -> None:
    assert extracted(domain), f"no translatable texts found for {domain}"


@pytest.mark.parametrize(
    ("domain", "lang"),
    [(d, lang) for d, (_f, _m, _k, langs, _l) in DOMAINS.items() for lang in langs],
)
def test_every_text_is_translated(domain: str, lang: str) -> None:
    translated = table(lang, domain)
    missing = sorted(m for m in extracted(domain) if not translated.get(m))
    assert not missing, f"{len(missing)} {domain} texts lack a {lang} translation: {missing[:10]}"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_english_catalogue_knows_every_text(domain: str) -> None:
    """English ids serve as English texts, but the en catalogue must list them (in step)."""
    po = DOMAINS[domain][4] / "en" / "LC_MESSAGES" / f"{domain}.po"
    with po.open("rb") as handle:
        known = {m.id for m in read_po(handle, locale="en") if m.id}
    missing = sorted(m for m in extracted(domain) if m not in known)
    assert not missing, f"run scripts/i18n: en/{domain}.po lacks {missing[:10]}"


def test_placeholders_survive_translation() -> None:
    for domain in DOMAINS:
        for lang in ("ca", "es", "en"):
            for msgid, msgstr in table(lang, domain).items():
                for token in re.findall(r"\{\w*\}", msgid):
                    assert token in msgstr, f"{lang}/{domain}: {msgid!r} → {msgstr!r} lost {token}"
