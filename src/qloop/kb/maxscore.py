"""BM25 over the index of ``kb/index.py``, the best articles found by MaxScore.

For a query with weighted terms ``w(t)`` (``kb.text.query_weights``), an article ``d`` of
length ``|d|`` (``Article.index_length``) scores

    score(d) = sum_t w(t) * idf(t) * f(t, d) * (k1 + 1) / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))
    idf(t)   = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))

with ``k1 = 1.2``, ``b = 0.75`` (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009; the ``1 +`` inside the logarithm keeps idf positive, as
Lucene does). ``f(t, d)`` is the field-weighted frequency, ``N`` the number of indexed
articles, ``avgdl`` their mean length and ``n(t)`` the number of articles holding ``t`` —
all over the whole index, whatever the filters, so a filter never changes a score.

Scores are summed in Python in one fixed term order and ties go to the lower id, so
SQLite and PostgreSQL give the same list, float for float, by construction. The top list
comes from ``top_scores`` (MaxScore): the same list as scoring every article, reading far
fewer postings, but for the one cap it documents (``READ_BUDGET``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from qloop.kb.json_lists import lists_any
from qloop.kb.models import Article, IndexTerm

K1 = 1.2
B = 0.75
#: a term of less than full weight in more than this share of the articles is skipped
COMMON_SHARE = 0.5
#: at most this many terms are looked up, the heaviest and then the first in the text
MAX_LOOKED_UP = 64
#: at most this many terms are scored, those of highest w(t) * idf(t)
MAX_SCORED_TERMS = 24
#: the best articles so far that get every term after each read
POOL = 50
#: postings read for every article at most, once ``limit`` articles are found; the rest
#: of the terms for the best of them only
READ_BUDGET = 4_000
#: ... and then this many of the best articles so far get the rest of the terms
FINAL_POOL = 200
#: terms are read for every article together while their postings are this few (twice as
#: many at each next read)
CHEAP_ROWS = 500


def idf(df: int, documents: int) -> float:
    """Inverse document frequency of a term held by ``df`` of ``documents`` articles."""
    return math.log(1.0 + (documents - df + 0.5) / (df + 0.5))


def bm25_term(tf: int, df: int, length: int, documents: int, average_length: float) -> float:
    """One term's BM25 contribution (weight 1) to an article's score."""
    norm = K1 * (1.0 - B + B * length / average_length)
    return idf(df, documents) * tf * (K1 + 1.0) / (tf + norm)


@dataclass(frozen=True)
class Boosts:
    """Score times ``mode_factor`` when the article lists one of ``modes``, times
    ``product_factor`` when it lists one of ``products`` (``rank_articles``)."""

    modes: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    mode_factor: float = 1.0
    product_factor: float = 1.0

    @property
    def ceiling(self) -> float:
        """The largest factor an article can get: MaxScore's bounds are multiplied by it."""
        return (self.mode_factor if self.modes else 1.0) * (
            self.product_factor if self.products else 1.0
        )


def best(scores: Mapping[int, float], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` highest (id, score), ties to the lower id."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: max(limit, 0)]


def top_scores(
    session: Session,
    weights: Mapping[str, float],
    filters: list[ColumnElement[bool]],
    limit: int,
    boosts: Boosts = Boosts(),
) -> tuple[list[tuple[int, float]], list[str]]:
    """The ``limit`` best (article id, score) of the articles matching the filters, and
    the terms scored.

    Top-k by MaxScore (Turtle & Flood, 1995): terms are read most telling first (highest
    ceiling ``w * idf * (k1 + 1)``, which no term's BM25 part reaches); after each read
    the best ``POOL`` articles so far get their other terms by the primary key, and
    reading stops once the last of the best ``limit`` scores more than any other article
    can: the best partial score outside the pool plus the ceilings of the terms not read
    (times the largest boost). That is exact.

    One cap keeps a long query of common terms fast on a large index: once ``READ_BUDGET``
    postings are read (counted over the whole index, whatever the filters) and at least
    ``limit`` articles are found, the remaining terms (the least telling) are scored for
    the best ``FINAL_POOL`` articles so far only, so an article holding none of the terms
    read before is left out. While fewer than ``limit`` articles are found, reading goes
    on whatever the budget: a selective filter may hold none of the first terms' postings.
    """
    if not weights or limit <= 0:
        return [], []
    asked = list(weights)[:MAX_LOOKED_UP]  # counting postings costs: a long text's first
    counts = select(IndexTerm.term, func.count()).where(IndexTerm.term.in_(asked))
    frequency: dict[str, int] = dict(session.execute(counts.group_by(IndexTerm.term)).all())
    if not frequency:
        return [], []
    stats = select(func.count(), func.coalesce(func.sum(Article.index_length), 0))
    documents, total = session.execute(stats.where(Article.index_length > 0)).one()
    if not documents or not total:
        return [], []
    kept = kept_terms(weights, frequency, documents)
    factor = {term: weights[term] * idf(frequency[term], documents) for term in kept}
    ranking = Ranking(session, filters, boosts, total / documents, factor)
    order = ranking.order
    done = read = 0  # order[:done] are read for every article: `read` postings
    batch_rows = CHEAP_ROWS
    while done < len(order):
        found = len(ranking.partial) >= limit
        if found and read + frequency[order[done]] > READ_BUDGET:
            return ranking.pool_best(done, max(FINAL_POOL, limit), limit)[0], order
        batch, rows = [order[done]], frequency[order[done]]
        done += 1
        while done < len(order) and rows + frequency[order[done]] <= batch_rows:
            if read + rows + frequency[order[done]] > READ_BUDGET:
                break  # one term at a time past the budget: stop as soon as `limit` are found
            batch.append(order[done])
            rows += frequency[order[done]]
            done += 1
        read += rows
        batch_rows *= 2
        ranking.read(batch)
        if done == len(order) or len(ranking.partial) < limit:
            continue
        top, outside = ranking.pool_best(done, max(POOL, limit), limit)
        rest = sum(factor[term] for term in order[done:]) * (K1 + 1.0)
        if top[-1][1] > (outside + rest) * boosts.ceiling:
            return top, order
    ranking.read_boosts([a for a in ranking.partial if a not in ranking.scores])
    every = {article_id: ranking.final(article_id) for article_id in ranking.partial}
    return best(every, limit), order


class Ranking:
    """The postings read so far for one query, and the scores they give.

    ``factor[t] = w(t) * idf(t)``; an article's ``norm = k1 * (1 - b + b * |d| / avgdl)``;
    a term adds ``factor * tf * (k1 + 1) / (tf + norm)``, summed in the fixed ``order``, so
    a score is the same float on every back end.
    """

    def __init__(
        self,
        session: Session,
        filters: list[ColumnElement[bool]],
        boosts: Boosts,
        average: float,
        factor: dict[str, float],
    ) -> None:
        self.session, self.filters, self.boosts = session, filters, boosts
        self.average, self.factor = average, factor
        self.order = sorted(factor, key=lambda term: (-factor[term], term))
        self.tf: dict[int, dict[str, int]] = {}
        self.norm: dict[int, float] = {}
        self.boost: dict[int, float] = {}
        self.partial: dict[int, float] = {}  # over the terms read for every article
        self.scores: dict[int, float] = {}  # final, of the articles with every term read

    def score(self, article_id: int, terms: Iterable[str]) -> float:
        found, norm, factor = self.tf[article_id], self.norm[article_id], self.factor
        value = 0.0
        for term in terms:
            tf = found.get(term)
            if tf is not None:
                value += factor[term] * (tf * (K1 + 1.0) / (tf + norm))
        return value

    def final(self, article_id: int) -> float:
        """The score with every term (read before) and the boost (read before)."""
        return self.score(article_id, self.order) * self.boost.get(article_id, 1.0)

    def read(self, terms: list[str]) -> None:
        """Postings of ``terms`` in every article matching the filters."""
        query = (
            select(IndexTerm.article_id, IndexTerm.term, IndexTerm.frequency, Article.index_length)
            .join(Article, Article.id == IndexTerm.article_id)
            .where(IndexTerm.term.in_(terms), *self.filters)
        )
        touched = set()
        for article_id, term, tf, length in self.session.connection().execute(query).all():
            touched.add(article_id)
            found = self.tf.get(article_id)
            if found is None:
                found = self.tf[article_id] = {}
                self.norm[article_id] = K1 * (1.0 - B + B * length / self.average)
            found[term] = tf
        for article_id in touched:
            gained = self.score(article_id, terms)
            self.partial[article_id] = self.partial.get(article_id, 0.0) + gained

    def pool_best(self, done: int, size: int, limit: int) -> tuple[list[tuple[int, float]], float]:
        """The best ``limit`` of the pool (the ``size`` best partial scores) with every term
        read, and the best partial score outside the pool."""
        partial = self.partial
        ranked = heapq.nsmallest(size + 1, partial, key=lambda a: (-partial[a], a))
        todo = [article_id for article_id in ranked[:size] if article_id not in self.scores]
        if todo and done < len(self.order):
            query = select(IndexTerm.article_id, IndexTerm.term, IndexTerm.frequency).where(
                IndexTerm.term.in_(self.order[done:]), IndexTerm.article_id.in_(todo)
            )
            for article_id, term, tf in self.session.connection().execute(query).all():
                self.tf[article_id][term] = tf
        self.read_boosts(todo)
        for article_id in todo:
            self.scores[article_id] = self.final(article_id)
        top = best({article_id: self.scores[article_id] for article_id in ranked[:size]}, limit)
        return top, partial[ranked[size]] if len(ranked) > size else 0.0

    def read_boosts(self, ids: list[int]) -> None:
        """Which of these articles list a boosted failure mode or product (read for the
        articles about to get a final score only: a JSON test per row)."""
        boosts = self.boosts
        if not ids or not (boosts.modes or boosts.products):
            return
        session = self.session
        columns: list[Any] = [
            lists_any(session, Article.failure_modes, list(boosts.modes))
            if boosts.modes
            else literal(0),
            lists_any(session, Article.products, list(boosts.products))
            if boosts.products
            else literal(0),
        ]
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            query = select(Article.id, *columns).where(Article.id.in_(chunk))
            for article_id, mode, product in session.connection().execute(query).all():
                self.boost[article_id] = (boosts.mode_factor if mode else 1.0) * (
                    boosts.product_factor if product else 1.0
                )


def kept_terms(
    weights: Mapping[str, float], frequency: Mapping[str, int], documents: int
) -> list[str]:
    """Terms in the index, the too-common light ones out, at most ``MAX_SCORED_TERMS``.

    A term of less than full weight (a Chinese character of a longer query, a synonym)
    held by more than ``COMMON_SHARE`` of the articles adds at most ``w * ln 2``: skipped,
    unless the query has nothing else."""
    present = [t for t in weights if frequency.get(t)]
    light = [t for t in present if weights[t] < 1.0 and frequency[t] > COMMON_SHARE * documents]
    if len(light) < len(present):
        present = [t for t in present if t not in light]
    ranked = sorted(present, key=lambda t: (-weights[t] * idf(frequency[t], documents), t))
    return sorted(ranked[:MAX_SCORED_TERMS])
