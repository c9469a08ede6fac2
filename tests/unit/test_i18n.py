"""Every booth text exists in Catalan, Spanish and English; every clerk text in Catalan and
Spanish; and the catalogues are in step with the sources (scripts/i18n was run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from finestreta.web.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "finestreta"

DOMAINS = {
    # domain: (folder, extraction method map, languages that must translate every text)
    "kiosk": ("web/static/kiosk", [("**.js", "javascript")], ("ca", "es")),
    "console": ("web/static/console", [("**.js", "javascript")], ("ca", "es")),
    "messages": (".", [("**.py", "python"), ("web/templates/**.html", "jinja2")], ("ca", "es")),
}


def extracted(domain: str) -> set[str]:
    folder, method_map, _ = DOMAINS[domain]
    base = SRC / folder
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        base, method_map, keywords={"t": None, "_": None, "T": None}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_sources_have_texts(domain: str) -> None:
    assert extracted(domain), f"no translatable texts found for {domain}"


@pytest.mark.parametrize(
    ("domain", "lang"), [(d, lang) for d, (_f, _m, langs) in DOMAINS.items() for lang in langs]
)
def test_every_text_is_translated(domain: str, lang: str) -> None:
    table = catalogue(lang, domain)
    missing = sorted(m for m in extracted(domain) if not table.get(m))
    assert not missing, f"{len(missing)} {domain} texts lack a {lang} translation: {missing[:10]}"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_english_catalogue_knows_every_text(domain: str) -> None:
    """English ids serve as English texts, but the en catalogue must list them (in step)."""
    po = SRC / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
    with po.open("rb") as handle:
        known = {m.id for m in read_po(handle, locale="en") if m.id}
    missing = sorted(m for m in extracted(domain) if m not in known)
    assert not missing, f"run scripts/i18n: en/{domain}.po lacks {missing[:10]}"


def test_placeholders_survive_translation() -> None:
    for domain in DOMAINS:
        for lang in ("ca", "es", "en"):
            for msgid, msgstr in catalogue(lang, domain).items():
                for token in ("{n}", "{time}", "{name}", "{minutes}", "{seconds}", "{count}"):
                    if token in msgid:
                        assert token in msgstr, (
                            f"{lang}/{domain}: {msgid!r} → {msgstr!r} lost {token}"
                        )
