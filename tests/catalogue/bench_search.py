"""Micro-benchmark of catalogue search: 1,000 entries, queries as typed letter by letter.

Run it on its own: ``.venv/bin/python -m tests.catalogue.bench_search [ENTRIES]``. The test
``test_search.py::test_benchmark_figures`` runs it too and records the figures in the report
(``-rA`` shows them); no test fails on timing.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from finestreta.catalogue.importer import DEMO_CATALOGUE, EntryIn
from finestreta.catalogue.model import Entry, Texts
from finestreta.catalogue.search import SearchIndex, words

TYPED = [
    "padro",
    "certificat padro",
    "volant collectiu",
    "empadronament",
    "ibi",
    "impost vehicles",
    "gual",
    "obres menors",
    "taxa residus",
    "queixa",
    "targeta rosa",
    "bicing",
    "mobles vells",
    "biblioteca carnet",
    "cita previa",
    "certificat digital idcat",
]


def demo_entries() -> list[Entry]:
    data = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return [EntryIn.model_validate(raw).to_entry(now) for raw in data["entries"]]


def synthetic_entries(count: int, seed: int = 2012) -> list[Entry]:
    """``count`` entries: the demo ones, then variants of them with words of the catalogue's
    vocabulary mixed into their titles and summaries (so that the vocabulary grows too)."""
    rng = random.Random(seed)
    base = demo_entries()
    vocabulary = sorted(
        {w for e in base for t in e.texts.values() for w in words(t.summary) if len(w) > 3}
    )
    made = list(base)
    n = 0
    while len(made) < count:
        n += 1
        model = base[n % len(base)]
        texts: dict[str, Texts] = {}
        for lang, text in model.texts.items():
            extra = " ".join(rng.sample(vocabulary, 3))
            invented = f"{rng.choice(vocabulary)}{rng.randrange(1000)}"
            texts[lang] = replace(
                text,
                title=f"{text.title} {extra}",
                summary=f"{text.summary} {invented} {' '.join(rng.sample(vocabulary, 8))}",
            )
        made.append(replace(model, slug=f"{model.slug}-{n}", texts=texts))
    return made[:count]


@dataclass(frozen=True)
class Figures:
    entries: int
    queries: int
    build_seconds: float
    # milliseconds per query: p50 and p99, the first time each query is asked (the prefix cache
    # empty) and again; wall-clock time, and this thread's CPU time (which a busy machine,
    # e.g. a test run in parallel, inflates less)
    cold_wall: tuple[float, float]
    warm_wall: tuple[float, float]
    cold_cpu: tuple[float, float]
    warm_cpu: tuple[float, float]
    padro_matches: int  # how many entries "padro" finds in Catalan (a sanity check)

    def __str__(self) -> str:
        def pair(name: str, values: tuple[float, float]) -> str:
            return f"{name} p50 {values[0]:.3f} ms p99 {values[1]:.3f} ms"

        return (
            f"{self.entries} entries, index built in {self.build_seconds:.2f} s; "
            f"{self.queries} queries (each prefix as typed, in ca, es and en): "
            f"first time: {pair('wall', self.cold_wall)}, {pair('cpu', self.cold_cpu)}; "
            f"again: {pair('wall', self.warm_wall)}, {pair('cpu', self.warm_cpu)}"
        )


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def run(count: int = 1000) -> Figures:
    entries = synthetic_entries(count)
    started = time.perf_counter()
    index = SearchIndex(entries)
    build = time.perf_counter() - started
    queries = [typed[:end] for typed in TYPED for end in range(1, len(typed) + 1)]
    wall: dict[str, list[float]] = {"cold": [], "warm": []}
    cpu: dict[str, list[float]] = {"cold": [], "warm": []}
    for phase in ("cold", "warm"):
        for lang in ("ca", "es", "en"):
            for query in queries:
                started, started_cpu = time.perf_counter(), time.thread_time()
                index.search(query, lang, limit=20)
                cpu[phase].append(time.thread_time() - started_cpu)
                wall[phase].append(time.perf_counter() - started)
    return Figures(
        count,
        len(queries) * 3,
        build,
        _percentiles(wall["cold"]),
        _percentiles(wall["warm"]),
        _percentiles(cpu["cold"]),
        _percentiles(cpu["warm"]),
        index.search("padro", "ca").total,
    )


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
