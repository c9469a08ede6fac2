"""The demo catalogue: at least 30 realistic entries, each complete in Catalan, Spanish and
English, loads into the database and can be loaded again without change."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from finestreta.catalogue import DEMO_CATALOGUE, load_entries, seed_demo
from finestreta.catalogue.importer import ImportReport, validate
from finestreta.catalogue.model import LANGUAGES, Category
from finestreta.db import Database

DATA = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))


def test_the_demo_file_is_valid() -> None:
    report = ImportReport()
    parsed = validate(DATA, report)
    assert report.errors == [] and len(parsed) >= 30


@pytest.mark.parametrize("raw", DATA["entries"], ids=[e["slug"] for e in DATA["entries"]])
def test_each_demo_entry_is_complete_in_the_three_languages(raw: dict[str, object]) -> None:
    for lang in LANGUAGES:
        texts = raw[lang]
        assert isinstance(texts, dict)
        missing = [
            name
            for name in ("title", "summary", "who", "requirements", "where_when", "keywords")
            if not texts.get(name)
        ]
        if not raw["free"]:
            missing += [] if texts.get("fees") else ["fees"]
        assert missing == [], f"{raw['slug']}: {lang} lacks {missing}"
        assert texts["links"], f"{raw['slug']}: {lang} has no link"
        for link in texts["links"]:
            assert re.match(r"^(https://|tel:010$)", link["url"]), link
        # no invented amounts: fees are described, never priced
        assert not re.search(r"\d+([.,]\d+)?\s*(€|euros?|EUR)", json.dumps(texts)), raw["slug"]
    # the three languages say the same: as many requirements and links
    assert len({len(raw[lang]["requirements"]) for lang in LANGUAGES}) == 1  # type: ignore[index]
    assert len({len(raw[lang]["links"]) for lang in LANGUAGES}) == 1  # type: ignore[index]


def test_the_demo_covers_the_city_services() -> None:
    slugs = {entry["slug"] for entry in DATA["entries"]}
    for slug in (
        "alta-padro",
        "volant-padro-individual",
        "volant-padro-collectiu",
        "certificat-padro-historic",
        "ibi",
        "ivtm",
        "taxa-residus",
        "comunicat-obres",
        "queixes-suggeriments",
        "targeta-rosa",
        "area-verda-residents",
        "registre-habitatge-protegit",
        "idcat-certificat-digital",
    ):
        assert slug in slugs
    categories = Counter(entry["category"] for entry in DATA["entries"])
    assert len(categories) >= 12 and set(categories) <= {c.value for c in Category}


def test_the_demo_loads_and_reloads(db: Database) -> None:
    with db.session() as session:
        first = seed_demo(session)
    assert first.ok and len(first.added) == len(DATA["entries"]) >= 30
    with db.session() as session:
        again = seed_demo(session)
    assert again.ok and not again.changed and len(again.unchanged) == len(first.added)
    with db.session() as session:
        entries = load_entries(session)
    assert len(entries) == len(DATA["entries"])
    assert all(set(entry.texts) == set(LANGUAGES) for entry in entries)
    assert all(entry.localized("en").fallback == () for entry in entries)
