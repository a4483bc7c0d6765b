"""BM25 over the index of ``kb/index.py``: the database sums, Python settles the order.

For a query with weighted terms ``w(t)`` (``kb.text.query_weights``), an article ``d`` of
length ``|d|`` (``Article.index_length``) scores

    score(d) = sum_t w(t) * idf(t) * f(t, d) * (k1 + 1) / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))
    idf(t)   = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))

with ``k1 = 1.2``, ``b = 0.75`` (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009; the ``1 +`` inside the logarithm keeps idf positive, as
Lucene does). ``f(t, d)`` is the field-weighted frequency, ``N`` the number of indexed
articles, ``avgdl`` their mean length and ``n(t)`` the number of articles holding ``t`` —
all over the whole index, whatever the filters, so a filter never changes a score.

``top_scores`` finds the best articles in two steps. The database sums the formula over
the postings (one ``GROUP BY`` on the postings joined to their articles for the filters
and ``|d|``, the boosts applied) and returns the best sums only: a common term's thousands
of postings never cross the wire nor pass through Python. Then Python scores those
candidates again, term by term in one fixed order, and ranks them, ties to the lower id:
each database adds floats in its own order, so their sums may differ in the last bits,
and the candidates include every article within ``TOLERANCE`` of the last one wanted.
SQLite and PostgreSQL thus give the same list, float for float.

The list is exactly that of scoring every article, but for one cap on long queries of
common terms (``HEAD_POSTINGS``, see ``top_scores``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    case,
    column,
    func,
    literal,
    select,
    values,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

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
#: the database sums at most this many postings (counted over the whole index), the most
#: telling terms first; the rest of the terms rerank the best ``FINAL_POOL`` of that sum
HEAD_POSTINGS = 50_000
FINAL_POOL = 200
#: sums within this share of the last candidate's count as tied with it
TOLERANCE = 1e-9
#: rows asked of the database beyond those wanted, to see where the near-ties end
SLACK = 20
#: ids per ``IN`` list
CHUNK = 5_000


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

    def __bool__(self) -> bool:
        return bool(self.modes or self.products)


def best(scores: Mapping[int, float], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` highest (id, score), ties to the lower id."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: max(limit, 0)]


@dataclass(frozen=True)
class Query:
    """What scoring needs of a query: ``factor[t] = w(t) * idf(t)``, the terms most telling
    first (the fixed order of every sum), and the index's mean article length."""

    factor: dict[str, float]
    order: list[str]
    average: float


def top_scores(
    session: Session,
    weights: Mapping[str, float],
    filters: list[ColumnElement[bool]],
    limit: int,
    boosts: Boosts = Boosts(),
) -> tuple[list[tuple[int, float]], list[str]]:
    """The ``limit`` best (article id, score) of the articles matching the filters, and
    the terms scored.

    The *head* is the most telling terms whose postings number at most ``HEAD_POSTINGS``
    together (the first term always); the database sums the head. When every term is in
    it, the list is exact. Otherwise the remaining terms (the least telling, the most
    common) are scored for the best ``FINAL_POOL`` of the head's sums only, so an article
    holding none of the head's terms is left out. While the head finds fewer than
    ``limit`` articles, the next term joins it: a selective filter may hold none of the
    first terms' postings.
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
    order = sorted(factor, key=lambda term: (-factor[term], term))
    query = Query(factor, order, total / documents)
    head, postings = 1, frequency[order[0]]
    while head < len(order) and postings + frequency[order[head]] <= HEAD_POSTINGS:
        postings += frequency[order[head]]
        head += 1
    while True:
        whole = head == len(order)
        statement = summed(session, query, order[:head], filters, boosts)
        candidates = ranked_sums(session, statement, limit if whole else max(FINAL_POOL, limit))
        if whole or len(candidates) >= limit:
            break
        head += 1
    return best(final_scores(session, query, candidates, boosts), limit), order


def summed(
    session: Session,
    query: Query,
    terms: Sequence[str],
    filters: list[ColumnElement[bool]],
    boosts: Boosts,
) -> Select[Any]:
    """Each article's BM25 over ``terms`` (times its boosts), best first, ties to the
    lower id: the database's arithmetic, to find the candidates."""
    postings = weighted_postings(session, query, terms)
    tf = postings.c.frequency
    norm = K1 * (1.0 - B) + (K1 * B / query.average) * Article.index_length
    part = postings.c.factor * (tf * (K1 + 1.0)) / (tf + norm)
    summed_score = func.sum(part).label("score")
    sums = (
        select(postings.c.article_id.label("article_id"), summed_score)
        .join(Article, Article.id == postings.c.article_id)
        .where(*filters)
        .group_by(postings.c.article_id)
    )
    if not boosts:
        return sums.order_by(summed_score.desc(), postings.c.article_id)
    inner = sums.subquery()
    factor = boost_factor(session, boosts)
    score = (inner.c.score * factor).label("score")
    return (
        select(inner.c.article_id, score)
        .join(Article, Article.id == inner.c.article_id)
        .order_by(score.desc(), inner.c.article_id)
    )


def weighted_postings(session: Session, query: Query, terms: Sequence[str]) -> Subquery:
    """(article_id, frequency, factor) of the postings of ``terms``.

    The factor comes from a ``CASE`` on the term on PostgreSQL, from a join to a ``VALUES``
    list on SQLite: each the faster there (benchmarks/kb_latency.py), SQLite's ``CASE``
    trying its branches one by one for every posting."""
    if session.get_bind().dialect.name == "postgresql":
        factor = case({term: query.factor[term] for term in terms}, value=IndexTerm.term)
        return (
            select(IndexTerm.article_id, IndexTerm.frequency, factor.label("factor"))
            .where(IndexTerm.term.in_(list(terms)))
            .subquery()
        )
    weights = (
        values(column("term", String), column("factor", Float), name="query_terms")
        .data([(term, query.factor[term]) for term in terms])
        .cte()
    )
    return (
        select(IndexTerm.article_id, IndexTerm.frequency, weights.c.factor)
        .join(weights, weights.c.term == IndexTerm.term)
        .subquery()
    )


def ranked_sums(session: Session, statement: Select[Any], wanted: int) -> list[int]:
    """The ids of the ``wanted`` best rows of ``statement`` and of every later row within
    ``TOLERANCE`` of the last of them (a tie in exact arithmetic may not be one in the
    database's)."""
    fetch = wanted + SLACK
    while True:
        rows = session.execute(statement.limit(fetch)).all()
        if len(rows) <= wanted:
            return [article_id for article_id, _ in rows]
        edge = rows[wanted - 1][1] * (1.0 - TOLERANCE)
        if len(rows) < fetch or rows[-1][1] < edge:
            return [article_id for number, (article_id, score) in enumerate(rows)
                    if number < wanted or score >= edge]  # fmt: skip
        fetch *= 4


def final_scores(
    session: Session, query: Query, ids: list[int], boosts: Boosts
) -> dict[int, float]:
    """The candidates' scores over every term, summed in Python in ``query.order``:
    ``factor * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))``, times the boost."""
    found: dict[int, dict[str, int]] = {article_id: {} for article_id in ids}
    norm: dict[int, float] = {}
    for start in range(0, len(ids), CHUNK):
        statement = (
            select(IndexTerm.article_id, IndexTerm.term, IndexTerm.frequency, Article.index_length)
            .join(Article, Article.id == IndexTerm.article_id)
            .where(IndexTerm.article_id.in_(ids[start : start + CHUNK]),
                   IndexTerm.term.in_(query.order))
        )  # fmt: skip
        for article_id, term, frequency, length in session.execute(statement).all():
            found[article_id][term] = frequency
            norm[article_id] = K1 * (1.0 - B + B * length / query.average)
    factors = boost_factors(session, ids, boosts)
    scores = {}
    for article_id, terms in found.items():
        value = 0.0
        for term in query.order:
            tf = terms.get(term)
            if tf is not None:
                value += query.factor[term] * (tf * (K1 + 1.0) / (tf + norm[article_id]))
        scores[article_id] = value * factors.get(article_id, 1.0)
    return scores


def boost_factor(session: Session, boosts: Boosts) -> ColumnElement[Any]:
    """An article's boost in SQL, from its own row's JSON lists: the same product of two
    factors, each 1.0 or exact, on every back end."""
    from_modes: Any = literal(1.0)
    if boosts.modes:
        listed = lists_any(session, Article.failure_modes, list(boosts.modes))
        from_modes = case((listed, boosts.mode_factor), else_=1.0)
    from_products: Any = literal(1.0)
    if boosts.products:
        listed = lists_any(session, Article.products, list(boosts.products))
        from_products = case((listed, boosts.product_factor), else_=1.0)
    factor: ColumnElement[Any] = from_modes * from_products
    return factor


def boost_factors(session: Session, ids: list[int], boosts: Boosts) -> dict[int, float]:
    """The boost of each of these articles (none without boosts)."""
    if not ids or not boosts:
        return {}
    factors: dict[int, float] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        statement = select(Article.id, boost_factor(session, boosts)).where(Article.id.in_(chunk))
        factors.update((article_id, factor) for article_id, factor in session.execute(statement))
    return factors


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
