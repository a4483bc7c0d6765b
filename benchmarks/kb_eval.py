"""Benchmark: how well qloop's knowledge-base search finds the right article.

Imports the labelled set of ``benchmarks/data/kb`` (57 Markdown articles, 322 queries in
English and Chinese; see its README) with ``qloop kb import``'s own code into a fresh
SQLite file and a fresh PostgreSQL schema, runs every query through ``search_articles``
(top 10, no language filter, published articles: what a technician's search box does) and
prints, per back end and query language: queries, recall@1, recall@5 and MRR (reciprocal
rank of the first expected article in the top 10, else 0; ``expected`` ``a|b``: a hit on
either counts), the same per ``note`` type, whether recall@5 >= 0.9 is met in both
languages, and whether the two back ends ranked every query identically.

    .venv/bin/python benchmarks/kb_eval.py [--show-misses] [--data benchmarks/data/kb]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-postgres]

This measures; it does not tune. The set was written blind to the search code.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Engine, make_url

from qloop.core.db import make_engine, session_scope
from qloop.core.migrate import upgrade
from qloop.kb.markdown_files import import_directory
from qloop.kb.models import Article
from qloop.kb.search import search_articles

HERE = Path(__file__).parent
TARGET = 0.9
LIMIT = 10


@dataclass(frozen=True)
class Query:
    text: str
    lang: str
    expected: frozenset[str]
    note: str


@dataclass(frozen=True)
class Outcome:
    query: Query
    found: tuple[str, ...]  # slugs, best first (at most LIMIT)

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected article in the top LIMIT, else None."""
        for number, slug in enumerate(self.found, start=1):
            if slug in self.query.expected:
                return number
        return None


def load_queries(path: Path) -> list[Query]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Query(row["query"], row["lang"], frozenset(row["expected"].split("|")), row["note"])
            for row in csv.DictReader(handle)
        ]


def run(engine: Engine, articles: Path, queries: list[Query]) -> tuple[list[Outcome], str]:
    """Import the articles, then run every query; the outcomes and a timing line."""
    started = time.perf_counter()
    with session_scope(engine) as session:
        result = import_directory(session, articles, user_name="bench")
        if result.rejected:
            raise SystemExit(f"articles rejected on import: {result.rejected}")
    imported = time.perf_counter() - started
    outcomes = []
    started = time.perf_counter()
    with session_scope(engine) as session:
        slug_of = dict(session.execute(select(Article.id, Article.slug)).all())
        for query in queries:
            hits = search_articles(session, query.text, limit=LIMIT)
            outcomes.append(Outcome(query, tuple(str(slug_of[h.id]) for h in hits)))
    searched = time.perf_counter() - started
    timing = (
        f"{result.created} articles imported in {imported:.1f} s; {len(queries)} "
        f"searches in {searched:.1f} s ({searched / len(queries) * 1000:.1f} ms each)"
    )
    return outcomes, timing


def figures(outcomes: list[Outcome]) -> tuple[int, float, float, float]:
    """(queries, recall@1, recall@5, MRR)."""
    count = len(outcomes)
    if not count:
        return 0, 0.0, 0.0, 0.0
    ranks = [o.rank for o in outcomes]
    at1 = sum(r is not None and r <= 1 for r in ranks) / count
    at5 = sum(r is not None and r <= 5 for r in ranks) / count
    mrr = sum(1 / r for r in ranks if r is not None) / count
    return count, at1, at5, mrr


def row(name: str, outcomes: list[Outcome]) -> str:
    count, at1, at5, mrr = figures(outcomes)
    return f"  {name:<22} {count:>7} {at1:>9.3f} {at5:>9.3f} {mrr:>7.3f}"


HEADER = f"  {'':<22} {'queries':>7} {'recall@1':>9} {'recall@5':>9} {'MRR':>7}"


def report(name: str, outcomes: list[Outcome], timing: str, show_misses: bool) -> bool:
    """Print the tables of one back end; whether the target is met in every language."""
    print(f"\n== {name}: {timing}")
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_lang[outcome.query.lang].append(outcome)
    print(HEADER)
    for lang in sorted(by_lang):
        print(row(lang, by_lang[lang]))
    print(row("all", outcomes))
    met = all(figures(group)[2] >= TARGET for group in by_lang.values())
    for lang in sorted(by_lang):
        print(f"\n  {lang} by note type")
        print(HEADER)
        by_note: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in by_lang[lang]:
            by_note[outcome.query.note].append(outcome)
        for note in sorted(by_note, key=lambda n: (-len(by_note[n]), n)):
            print(row(note, by_note[note]))
    misses = [o for o in outcomes if o.rank is None or o.rank > 5]
    print(f"\n  not in the top 5: {len(misses)} of {len(outcomes)} queries")
    by_type: dict[tuple[str, str], int] = defaultdict(int)
    for outcome in misses:
        by_type[(outcome.query.lang, outcome.query.note)] += 1
    print("  misses by type: " + ", ".join(
        f"{lang} {note} {count}" for (lang, note), count in sorted(by_type.items(),
                                                                   key=lambda i: (-i[1], i[0]))
    ))  # fmt: skip
    if show_misses:
        for outcome in sorted(misses, key=lambda o: (o.query.lang, o.query.note, o.query.text)):
            rank = f"rank {outcome.rank}" if outcome.rank else "not in top 10"
            print(f"    [{outcome.query.lang} {outcome.query.note}] {outcome.query.text!r}: "
                  f"expected {'|'.join(sorted(outcome.query.expected))} ({rank}); top 3 "
                  f"{', '.join(outcome.found[:3]) or '(nothing)'}")  # fmt: skip
    scores = {lang: f"{figures(group)[2]:.3f}" for lang, group in sorted(by_lang.items())}
    verdict = "met" if met else "MISSED"
    print(f"\n  target recall@5 >= {TARGET} in both languages: {verdict} {scores}")
    return met


@contextmanager
def postgres_engine(base: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated schema, dropped afterwards."""
    admin = make_engine(base)
    schema = f"qloop_bench_kb_eval_{os.getpid()}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False))
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data" / "kb")
    parser.add_argument("--show-misses", action="store_true",
                        help="list every query whose article is not in the top 5")  # fmt: skip
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "QLOOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    queries = load_queries(args.data / "queries.csv")
    articles = args.data / "articles"
    print(f"{len(list(articles.glob('*.md')))} articles, {len(queries)} queries; "
          f"search_articles(query, limit={LIMIT}), no language filter")  # fmt: skip
    results: dict[str, list[Outcome]] = {}
    met = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'kb.db'}")
        upgrade(engine)
        results["SQLite"], timing = run(engine, articles, queries)
        engine.dispose()
        met.append(report("SQLite", results["SQLite"], timing, args.show_misses))
    if not args.no_postgres:
        with postgres_engine(args.postgres) as engine:
            results["PostgreSQL"], timing = run(engine, articles, queries)
        met.append(report("PostgreSQL", results["PostgreSQL"], timing, args.show_misses))
        differing = [
            a.query.text
            for a, b in zip(results["SQLite"], results["PostgreSQL"], strict=True)
            if a.found != b.found
        ]
        same = "identical" if not differing else f"{len(differing)} queries differ"
        print(f"\nSQLite and PostgreSQL rankings (top {LIMIT}): {same}")
        for shown in differing[:10]:
            print(f"  {shown!r}")
    print(f"\ntarget recall@5 >= {TARGET} in both languages: "
          f"{'met' if all(met) else 'MISSED'} on {', '.join(results)}")  # fmt: skip


if __name__ == "__main__":
    main()
