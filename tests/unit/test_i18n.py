"""Every booth text exists in Catalan, Spanish and English; every clerk text in Catalan and
Spanish; every printed text (documents, and each procedure's) in Catalan, Spanish and English;
and the catalogues are in step with the sources (scripts/i18n was run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from finestreta.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "finestreta"
LOCALE = SRC / "locale"
CITIZEN = ("ca", "es", "en")
# Printed documents have domains of their own: the server pages' domain leaves them out.
PRINTED = [
    ("documents/**.py", "ignore"),
    ("registry/receipt.py", "ignore"),
    ("procedures/census/**.py", "ignore"),
    ("procedures/information/**.py", "ignore"),
]

DOMAINS = {
    # domain: (folder, extraction method map, languages that must translate every text,
    #          folder of its catalogues)
    "kiosk": ("web/static/kiosk", [("**.js", "javascript")], ("ca", "es"), LOCALE),
    "console": ("web/static/console", [("**.js", "javascript")], ("ca", "es"), LOCALE),
    "messages": (
        ".",
        [*PRINTED, ("**.py", "python"), ("web/templates/**.html", "jinja2")],
        ("ca", "es"),
        LOCALE,
    ),
    "documents": (
        ".",
        [("documents/**.py", "python"), ("registry/receipt.py", "python")],
        CITIZEN,
        LOCALE,
    ),
    "census": (
        "procedures/census",
        [("**.py", "python")],
        CITIZEN,
        SRC / "procedures/census/locale",
    ),
    "information": (
        "procedures/information",
        [("**.py", "python")],
        CITIZEN,
        SRC / "procedures/information/locale",
    ),
}


def extracted(domain: str) -> set[str]:
    folder, method_map, _, _ = DOMAINS[domain]
    base = SRC / folder
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        base, method_map, keywords={"t": None, "_": None, "T": None, "N_": None}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def table(lang: str, domain: str) -> dict[str, str]:
    return catalogue(lang, domain, DOMAINS[domain][3])


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_sources_have_texts(domain: str) -> None:
    assert extracted(domain), f"no translatable texts found for {domain}"


@pytest.mark.parametrize(
    ("domain", "lang"), [(d, lang) for d, (_f, _m, langs, _l) in DOMAINS.items() for lang in langs]
)
def test_every_text_is_translated(domain: str, lang: str) -> None:
    translated = table(lang, domain)
    missing = sorted(m for m in extracted(domain) if not translated.get(m))
    assert not missing, f"{len(missing)} {domain} texts lack a {lang} translation: {missing[:10]}"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_english_catalogue_knows_every_text(domain: str) -> None:
    """English ids serve as English texts, but the en catalogue must list them (in step)."""
    po = DOMAINS[domain][3] / "en" / "LC_MESSAGES" / f"{domain}.po"
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
