"""Searching the catalogue as the citizen or the clerk types: a pure, in-memory index.

Text is folded for matching: Unicode NFKD, combining marks dropped, case folded, the Catalan
*ela geminada* joined (``col·lectiu``, ``col.lectiu`` and ``collectiu`` are one word). So
"padro" finds "Padró" and "PADRÓ", "cami" finds "Camí".

Each word of the query must begin a word of the entry (prefix matching: "certificat" finds
"certificats", "empad" finds "empadronament"), in any field; words that carry no meaning
("de", "la", "the"…) are ignored unless the query has nothing else. An entry's score is the sum,
over the query's words, of the weights of the fields the word was found in — title 10,
keywords 5, summary 2, anything else 1, so that a whole word in the title outranks the same
word everywhere else together — a whole word counting more than a prefix (×0.6); entries whose
title begins with the query get a bonus. Ties are broken by title.

Every language has its own index; a text an entry does not give in a language is indexed (and
shown) in Catalan, as :meth:`finestreta.catalogue.model.Entry.localized` does.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from finestreta.catalogue.model import (
    CATEGORY_LABELS,
    CATEGORY_ORDER,
    LANGUAGES,
    REFERENCE_LANGUAGE,
    Category,
    Entry,
    LocalizedEntry,
)

WEIGHTS = {"title": 10.0, "keywords": 5.0, "summary": 2.0, "body": 1.0}
PREFIX_FACTOR = 0.6  # a word found by its beginning only counts this much of a whole word
TITLE_START_BONUS = 5.0
SNIPPET_LENGTH = 180
MAX_QUERY_WORDS = 12
PREFIX_CACHE_SIZE = 2048

STOP_WORDS = frozenset(
    {
        # Catalan
        *("a", "al", "als", "amb", "d", "de", "del", "dels", "el", "els", "en", "es", "i"),
        *("l", "la", "les", "o", "pel", "pels", "per", "que", "s", "un", "una"),
        # Spanish
        *("con", "las", "lo", "los", "para", "por", "se", "u", "y"),
        # English
        *("an", "and", "for", "in", "is", "me", "my", "of", "on", "or", "the", "to"),
    }
)

_WORD = re.compile(r"\w+(?:(?<=[lLŀĿ])[·.](?=[lL])\w+)*")
_DROP = str.maketrans("", "", "·.")
Span = tuple[int, int]  # start, end offsets into the shown text


# -- folding ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.translate(_DROP).casefold()


@lru_cache(maxsize=65536)
def _folded(word: str) -> tuple[str, tuple[int, ...]]:
    """A word folded, and for each folded character the length of the original word up to
    and including the character it came from (to map a folded prefix back)."""
    folded = ""
    ends: list[int] = []
    for length, char in enumerate(word, start=1):
        folded += fold_char(char)
        ends.extend([length] * (len(folded) - len(ends)))
    return folded, tuple(ends)


def fold(word: str) -> str:
    """One word as the index stores it: "Padró" → "padro", "Col·lectiu" → "collectiu"."""
    return _folded(word)[0]


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return [folded for match in _WORD.finditer(text) if (folded := fold(match.group()))]


def query_words(query: str) -> list[str]:
    """The words of a query that must match: meaningless ones dropped unless nothing is left."""
    found = list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]
    meaningful = [word for word in found if word not in STOP_WORDS]
    return meaningful or found


def highlight(text: str, prefixes: Sequence[str]) -> list[Span]:
    """Where in ``text`` words begin with one of the (folded) ``prefixes``: the spans of the
    matching beginnings, in the original text's offsets."""
    return _spans(tokens(text), prefixes) if prefixes else []


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    entry: LocalizedEntry
    score: float
    title_spans: tuple[Span, ...]
    snippet: str  # the summary, or the line of another text where the query was found
    snippet_field: str  # summary | who | requirements | fees | where_when
    snippet_spans: tuple[Span, ...]


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    label: str
    count: int


@dataclass(frozen=True)
class Results:
    query: str
    lang: str
    words: tuple[str, ...]  # the folded words that had to match
    total: int  # how many entries matched (``hits`` may hold fewer)
    hits: tuple[Hit, ...]
    categories: tuple[CategoryCount, ...]  # of the matching entries (of all, for no query)


# -- the index ----------------------------------------------------------------------------


Token = tuple[str, int, tuple[int, ...]]  # folded word, start offset, ends (see _folded)


def tokens(text: str) -> tuple[Token, ...]:
    """The words of ``text`` folded, with what :func:`highlight` needs to find them."""
    found: list[Token] = []
    for match in _WORD.finditer(text):
        folded, ends = _folded(match.group())
        if folded:
            found.append((folded, match.start(), ends))
    return tuple(found)


def _spans(found: Sequence[Token], prefixes: Sequence[str]) -> list[Span]:
    spans: list[Span] = []
    for folded, start, ends in found:
        best = 0
        for prefix in prefixes:
            if len(prefix) > best and folded.startswith(prefix):
                best = len(prefix)
        if best:
            spans.append((start, start + ends[best - 1]))
    return spans


@dataclass(frozen=True)
class _Doc:
    local: LocalizedEntry
    title_tokens: tuple[Token, ...]
    summary_tokens: tuple[Token, ...]
    # where else a snippet may come from: (field, text, " folded words ") — the folded words
    # say cheaply whether a prefix is there before the text is cut into tokens
    other_texts: tuple[tuple[str, str, str], ...]


class _LanguageIndex:
    def __init__(self, entries: Sequence[Entry], lang: str) -> None:
        self.lang = lang
        self.docs: list[_Doc] = []
        postings: dict[str, dict[int, float]] = {}
        titles: list[tuple[str, int]] = []
        for number, entry in enumerate(entries):
            local = entry.localized(lang)
            title_tokens = tokens(local.title)
            others = [("who", local.who)]
            others += [("requirements", line) for line in local.requirements]
            others += [("where_when", local.where_when), ("fees", local.fees)]
            self.docs.append(
                _Doc(
                    local,
                    title_tokens,
                    tokens(local.summary),
                    tuple((name, text, f" {' '.join(words(text))}") for name, text in others),
                )
            )
            titles.append((" ".join(token[0] for token in title_tokens), number))
            found_in: dict[str, set[str]] = {}
            for name, texts in _fields(local):
                for text in texts:
                    for word in words(text):
                        found_in.setdefault(word, set()).add(name)
            for word, names in found_in.items():
                postings.setdefault(word, {})[number] = sum(WEIGHTS[name] for name in names)
        self.vocabulary = sorted(postings)
        self.postings = postings
        self.titles = sorted(titles)  # folded titles, to find those beginning with a phrase
        self.title_rank = [0] * len(self.docs)  # position of each document by title
        for rank, (_title, number) in enumerate(self.titles):
            self.title_rank[number] = rank
        self.category_of = [doc.local.category for doc in self.docs]
        self.browse_order = sorted(  # for no query: by category, then by title
            range(len(self.docs)),
            key=lambda n: (CATEGORY_ORDER[self.category_of[n]], self.title_rank[n]),
        )
        self._prefix_cache: dict[str, dict[int, float]] = {}
        # the first letter typed matches the most words: computed now, and kept
        self._initials = {initial: self._scan(initial) for initial in {w[0] for w in postings}}

    def titles_beginning(self, phrase: str) -> list[int]:
        found: list[int] = []
        position = bisect_left(self.titles, (phrase, -1))
        while position < len(self.titles) and self.titles[position][0].startswith(phrase):
            found.append(self.titles[position][1])
            position += 1
        return found

    def matches(self, prefix: str) -> dict[int, float]:
        """Document number → weight of the best word beginning with ``prefix``."""
        found = self._initials.get(prefix) or self._prefix_cache.get(prefix)
        if found is None:
            found = self._scan(prefix)
            if len(self._prefix_cache) >= PREFIX_CACHE_SIZE:
                self._prefix_cache.clear()
            self._prefix_cache[prefix] = found
        return found

    def _scan(self, prefix: str) -> dict[int, float]:
        found: dict[int, float] = dict(self.postings.get(prefix, {}))  # whole words
        vocabulary = self.vocabulary
        position = bisect_left(vocabulary, prefix)
        if position < len(vocabulary) and vocabulary[position] == prefix:
            position += 1
        while position < len(vocabulary) and vocabulary[position].startswith(prefix):
            for number, weight in self.postings[vocabulary[position]].items():
                weight *= PREFIX_FACTOR
                if found.get(number, 0.0) < weight:
                    found[number] = weight
            position += 1
        return found


def _fields(local: LocalizedEntry) -> Iterable[tuple[str, Sequence[str]]]:
    yield "title", (local.title,)
    yield "keywords", local.keywords
    yield "summary", (local.summary,)
    yield (
        "body",
        (
            local.who,
            *local.requirements,
            local.fees,
            local.where_when,
            *(link.label for link in local.links),
            local.category_label,
        ),
    )


class SearchIndex:
    """An immutable index of a set of entries, one per language. Build it once, query it many
    times (it is safe to share between threads); build a new one when the catalogue changes."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: tuple[Entry, ...] = tuple(sorted(entries, key=lambda e: e.slug))
        self.by_slug = {entry.slug: entry for entry in self.entries}
        self._languages = {lang: _LanguageIndex(self.entries, lang) for lang in LANGUAGES}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, slug: str, lang: str = REFERENCE_LANGUAGE) -> LocalizedEntry | None:
        entry = self.by_slug.get(slug)
        return entry.localized(_language(lang)) if entry is not None else None

    def search(
        self,
        query: str,
        lang: str = REFERENCE_LANGUAGE,
        *,
        category: Category | None = None,
        limit: int = 20,
    ) -> Results:
        """The entries matching ``query`` in ``lang``, best first (at most ``limit``). An empty
        query lists the entries by category, then title; a query of punctuation alone finds
        nothing."""
        lang = _language(lang)
        index = self._languages[lang]
        required = query_words(query)
        count = max(limit, 0)
        ranked: list[int]
        scores: dict[int, float]
        counts: Counter[Category]
        if not required and query.strip():
            # Only punctuation (`%%%`, `"`): nothing to look for, so nothing is found. Listing
            # everything, as for a blank query, would answer a search with the whole catalogue.
            total, counts, scores, ranked = 0, Counter(), {}, []
        elif not required:
            ranked = index.browse_order
            if category is not None:
                ranked = [n for n in ranked if index.category_of[n] is category]
            total = len(ranked)
            counts = Counter(index.category_of[n] for n in ranked)
            scores = {}
            ranked = ranked[:count]
        else:
            scores = dict(index.matches(required[0]))
            for word in required[1:]:
                if not scores:
                    break
                found = index.matches(word)
                scores = {n: s + found[n] for n, s in scores.items() if n in found}
            if category is not None:
                scores = {n: s for n, s in scores.items() if index.category_of[n] is category}
            for number in index.titles_beginning(" ".join(required)):
                if number in scores:
                    scores[number] += TITLE_START_BONUS
            total = len(scores)
            counts = Counter(index.category_of[n] for n in scores)
            rank = index.title_rank
            ranked = [
                n
                for _s, _r, n in heapq.nsmallest(
                    count, ((-s, rank[n], n) for n, s in scores.items())
                )
            ]
        categories = tuple(
            CategoryCount(kind, CATEGORY_LABELS[kind][lang], counts[kind])
            for kind in sorted(counts, key=lambda c: CATEGORY_ORDER[c])
        )
        hits = tuple(_hit(index.docs[n], scores.get(n, 0.0), required) for n in ranked)
        return Results(query, lang, tuple(required), total, hits, categories)


def _language(lang: str) -> str:
    return lang if lang in LANGUAGES else REFERENCE_LANGUAGE


def _hit(doc: _Doc, score: float, required: Sequence[str]) -> Hit:
    local = doc.local
    snippet, field, spans = local.summary, "summary", _spans(doc.summary_tokens, required)
    if required and not spans:
        for name, text, folded in doc.other_texts:
            if any(f" {prefix}" in folded for prefix in required):
                snippet, spans = _clip(text, highlight(text, required))
                field = name
                break
    return Hit(
        local,
        round(score, 3),
        tuple(_spans(doc.title_tokens, required)),
        snippet,
        field,
        tuple(spans),
    )


def _clip(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Up to ``SNIPPET_LENGTH`` characters of ``text`` around its first match."""
    if len(text) <= SNIPPET_LENGTH:
        return text, spans
    first = spans[0][0]
    start = max(0, min(first - SNIPPET_LENGTH // 3, len(text) - SNIPPET_LENGTH))
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space > start - 20 else start
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > end - 20 else end
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return prefix + text[start:end] + suffix, kept
