"""Search: folding (accents, case, ela geminada), prefixes, ranking, language fallback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from tests.catalogue.bench_search import run

from finestreta.catalogue.model import Category, Channel, Entry, Texts
from finestreta.catalogue.search import SearchIndex, fold, highlight, query_words, words

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def entry(
    slug: str,
    ca: Texts,
    es: Texts | None = None,
    en: Texts | None = None,
    category: Category = Category.CENSUS,
) -> Entry:
    return Entry(
        slug,
        category,
        (Channel.BOOTH,),
        True,
        {
            "ca": ca,
            "es": es or Texts(ca.title, ca.summary),
            "en": en or Texts(ca.title, ca.summary),
        },
        NOW,
    )


PADRO = entry(
    "alta-padro",
    Texts(
        "Alta al Padró",
        "Inscriure's al padró municipal d'habitants.",
        who="Qui viu a la ciutat.",
        requirements=("Document d'identitat (DNI, NIE o passaport)",),
        keywords=("empadronar",),
    ),
    Texts("Alta en el padrón", "Inscribirse en el padrón municipal."),
    Texts(
        "Registering on the census",
        "Register on the municipal census.",
        # no who, requirements or keywords in English: they fall back to Catalan
    ),
)
VOLANT = entry(
    "volant-collectiu",
    Texts(
        "Volant col·lectiu",
        "Les persones empadronades en un domicili: serveix com a certificat de convivència.",
        who="Persones empadronades al domicili.",
    ),
)
CERTIFICATS = entry(
    "certificats",
    Texts("Certificats de pagament", "Acredita que heu pagat un tribut.", who="Contribuents."),
    category=Category.TAXES,
)
GUAL = entry(
    "gual",
    Texts("Gual", "Entrada de vehicles a un garatge.", who="Propietaris."),
    category=Category.PUBLIC_SPACE,
)
INDEX = SearchIndex([PADRO, VOLANT, CERTIFICATS, GUAL])


def slugs(query: str, lang: str = "ca", **kwargs: object) -> list[str]:
    return [hit.entry.slug for hit in INDEX.search(query, lang, **kwargs).hits]  # type: ignore[arg-type]


def test_folding() -> None:
    assert fold("Padró") == fold("PADRÓ") == fold("padro") == "padro"
    assert words("Col·lectiu COL.LECTIU coŀlectiu collectiu") == ["collectiu"] * 4
    assert words("d'obres, Àrea Verda: 010") == ["d", "obres", "area", "verda", "010"]
    assert fold("Straße") == "strasse" and fold("Ñandú") == "nandu"


@pytest.mark.parametrize("query", ["padro", "PADRO", "Padró", "padró", "PaDrÓ", "pad"])
def test_accents_and_case_do_not_matter(query: str) -> None:
    assert slugs(query)[0] == "alta-padro"


def test_a_word_is_found_by_its_beginning() -> None:
    assert slugs("certificat") == ["certificats", "volant-collectiu"]  # title, then summary
    assert slugs("empad") == ["alta-padro", "volant-collectiu"]  # a keyword > summary + who
    assert slugs("collec") == ["volant-collectiu"]
    assert slugs("col·lec") == ["volant-collectiu"]
    assert slugs("atificat") == []  # the middle of a word is not its beginning


def test_every_word_must_match_and_meaningless_ones_are_ignored() -> None:
    assert slugs("certificat pagament") == ["certificats"]
    assert slugs("certificat de pagament") == ["certificats"]
    assert slugs("certificat garatge") == []
    assert query_words("el de la") == ["el", "de", "la"]  # only meaningless words: kept
    assert query_words("Certificat de  PADRÓ!") == ["certificat", "padro"]


def test_the_title_ranks_above_the_summary() -> None:
    # "padró" is in PADRO's title; VOLANT is only in the category "Padró" (searched as body)
    found = INDEX.search("padro", "ca").hits
    assert [hit.entry.slug for hit in found] == ["alta-padro", "volant-collectiu"]
    assert found[0].score > 2 * found[1].score
    title_hit = INDEX.search("certificat", "ca").hits
    assert title_hit[0].entry.slug == "certificats"
    assert title_hit[0].score > title_hit[1].score
    # a title beginning with the query gets a bonus over a title containing it elsewhere
    assert slugs("alta") == ["alta-padro"]
    assert INDEX.search("alta", "ca").hits[0].score > INDEX.search("padro", "ca").hits[0].score


def test_highlights_are_offsets_into_the_shown_text() -> None:
    hit = INDEX.search("volant col", "ca").hits[0]
    assert [hit.entry.title[a:b] for a, b in hit.title_spans] == ["Volant", "col"]
    hit = INDEX.search("padro", "ca").hits[0]
    assert [hit.entry.title[a:b] for a, b in hit.title_spans] == ["Padró"]
    assert [hit.snippet[a:b] for a, b in hit.snippet_spans] == ["padró"]
    assert hit.snippet_field == "summary"
    spans = highlight("Col·lectiu i COL.LECTIU", ["collect"])
    assert [("Col·lectiu i COL.LECTIU")[a:b] for a, b in spans] == ["Col·lect", "COL.LECT"]


def test_the_snippet_shows_where_a_word_was_found_outside_the_summary() -> None:
    hit = INDEX.search("passaport", "ca").hits[0]
    assert hit.snippet_field == "requirements"
    assert hit.snippet == "Document d'identitat (DNI, NIE o passaport)"
    assert [hit.snippet[a:b] for a, b in hit.snippet_spans] == ["passaport"]


def test_each_language_has_its_own_index_with_catalan_as_fallback() -> None:
    assert slugs("padron", "es") == ["alta-padro", "volant-collectiu"]  # title, category
    assert slugs("padron", "ca") == []  # "padrón" is only in the Spanish texts
    assert slugs("census", "en") == ["alta-padro", "volant-collectiu"]
    # English has no keywords or requirements for PADRO: the Catalan ones are searched
    assert slugs("empadronar", "en") == ["alta-padro"]
    assert slugs("passaport", "en") == ["alta-padro"]
    local = INDEX.search("census", "en").hits[0].entry
    assert local.lang == "en" and local.title == "Registering on the census"
    assert local.who == "Qui viu a la ciutat." and "who" in local.fallback
    # an unknown language is searched in Catalan
    assert INDEX.search("padro", "fr").lang == "ca"


def test_an_empty_query_lists_the_categories_and_the_first_entries() -> None:
    results = INDEX.search("", "en", limit=3)
    assert results.total == 4 and results.words == ()
    assert [(c.category, c.label, c.count) for c in results.categories] == [
        (Category.CENSUS, "Census register", 2),
        (Category.TAXES, "Taxes", 1),
        (Category.PUBLIC_SPACE, "Public space", 1),
    ]
    # by category (in the catalogue's order), then by title
    assert [hit.entry.slug for hit in results.hits] == [
        "alta-padro",
        "volant-collectiu",
        "certificats",
    ]
    assert slugs("  ", "ca") == slugs("", "ca")


@pytest.mark.parametrize("query", ["%%%", '"', "\\", " · - ", "¿?"])
def test_a_query_of_punctuation_alone_finds_nothing(query: str) -> None:
    """Issue 9 #15: it listed the whole catalogue, as a blank query does."""
    for category in (None, Category.CENSUS):
        results = INDEX.search(query, "ca", category=category)
        assert (results.total, results.hits, results.categories) == (0, (), ())


def test_a_category_narrows_the_results() -> None:
    assert slugs("", "ca", category=Category.TAXES) == ["certificats"]
    assert slugs("certificat", "ca", category=Category.CENSUS) == ["volant-collectiu"]
    assert INDEX.search("certificat", "ca").total == 2
    assert [c.count for c in INDEX.search("certificat", "ca").categories] == [1, 1]


def test_limit_and_total() -> None:
    results = INDEX.search("", "ca", limit=1)
    assert len(results.hits) == 1 and results.total == 4


def test_benchmark_figures(record_property: Callable[[str, object], None]) -> None:
    """Not a timed test: runs the micro-benchmark (1,000 entries) and records its figures
    (``-rA`` or the JUnit XML shows them); it only checks that the queries find things."""
    figures = run(1000)
    record_property("catalogue_search_benchmark", str(figures))
    print(f"\ncatalogue search: {figures}")
    assert figures.entries == 1000 and figures.padro_matches > 50
