"""Knowledge-base search: BM25 over the index of ``kb/index.py``, scored in Python.

For a query with weighted terms ``w(t)`` (``kb.text.query_weights``), an article ``d`` of
length ``|d|`` (``Article.index_length``) scores

    score(d) = sum_t w(t) * idf(t) * f(t, d) * (k1 + 1) / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))
    idf(t)   = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))

with ``k1 = 1.2``, ``b = 0.75`` (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009; the ``1 +`` inside the logarithm keeps idf positive, as
Lucene does). ``f(t, d)`` is the field-weighted frequency, ``N`` the number of indexed
articles, ``avgdl`` their mean length and ``n(t)`` the number of articles holding ``t`` —
all over the whole index, whatever the filters, so a filter never changes a score.

Queries: n(t) (one ``GROUP BY term``), N and avgdl (one aggregate), then the postings, most
telling terms first, joined to their article for the filters and ``|d|`` (``WHERE term IN
(...)``), stopping early by MaxScore (``_top``): the same top list as scoring every
article, reading far fewer postings. A term of less than full weight (a Chinese character
of a longer query, a synonym) held by more than half the articles is skipped: it adds at
most ``w * ln 2``. Ties are broken by id, so SQLite and PostgreSQL give the same list by
construction. At most ``MAX_SCORED_TERMS`` terms count (those of highest ``w * idf``), and
``READ_BUDGET`` caps the postings read for every article (see ``_top``).

Latency (``benchmarks/kb_latency.py``): the postings and the article lengths are read
from the tables themselves; an index on ``kb_index_terms (term, article_id, frequency)``
and one on ``kb_articles (id, index_length, status, lang)`` would make both index-only
reads (several times faster on SQLite, which stores a long body before ``index_length``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, exists, func, literal, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from qloop.kb.models import Article, ArticleStatus, IndexTerm
from qloop.kb.text import SYNONYM_WEIGHT, plain, query_weights, snippet
from qloop.taxonomy import service as taxonomy_service

K1 = 1.2
B = 0.75
#: a term of less than full weight in more than this share of the articles is skipped
COMMON_SHARE = 0.5
MAX_QUERY_CHARS = 1_000
MAX_TEXT_CHARS = 5_000  # rank_articles: a case's title, description, ...
#: at most this many terms are looked up, the heaviest and then the first in the text
MAX_LOOKED_UP = 64
#: at most this many terms are scored, those of highest w(t) * idf(t)
MAX_SCORED_TERMS = 24
#: rank_articles: score * (1 + MODE_BOOST) when the article has one of the failure modes
MODE_BOOST = 0.5
#: rank_articles: score * (1 + PRODUCT_BOOST) when the article is about one of the products
PRODUCT_BOOST = 0.25
PUBLISHED = (ArticleStatus.PUBLISHED,)
#: MaxScore: the best articles so far that get every term (see _top)
POOL = 50
#: postings read for every article at most; the rest of the terms for the pool only
READ_BUDGET = 4_000
#: ... and then this many of the best articles so far get the rest of the terms
FINAL_POOL = 200
#: MaxScore: terms are read for every article together while their postings are this few
#: (twice as many at each next read)
CHEAP_ROWS = 500


@dataclass(frozen=True)
class SearchHit:
    """An article found; ``snippet`` is HTML (escaped text, matches in ``<mark>``)."""

    id: int
    title: str
    lang: str
    score: float
    snippet: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "lang": self.lang,
                "score": round(self.score, 6), "snippet": self.snippet}  # fmt: skip


def idf(df: int, documents: int) -> float:
    """Inverse document frequency of a term held by ``df`` of ``documents`` articles."""
    return math.log(1.0 + (documents - df + 0.5) / (df + 0.5))


def bm25_term(tf: int, df: int, length: int, documents: int, average_length: float) -> float:
    """One term's BM25 contribution (weight 1) to an article's score."""
    norm = K1 * (1.0 - B + B * length / average_length)
    return idf(df, documents) * tf * (K1 + 1.0) / (tf + norm)


def search_articles(
    session: Session,
    query: str,
    *,
    product: str | None = None,
    failure_mode: str | None = None,
    lang: str | None = None,
    statuses: Collection[ArticleStatus] | None = PUBLISHED,
    limit: int = 10,
) -> list[SearchHit]:
    """Articles matching a query, best first, with snippets; ``[]`` for a query of no terms.

    ``statuses=None`` searches every status. Products and failure modes filter by an
    exact entry of the article's lists.
    """
    weights = query_weights(query[:MAX_QUERY_CHARS])
    filters = _filters(session, product=product, failure_mode=failure_mode, lang=lang,
                       statuses=statuses)  # fmt: skip
    return _hits(session, *_top(session, weights, filters, limit))


def rank_articles(
    session: Session,
    text: str,
    *,
    boost_failure_modes: Sequence[str] = (),
    boost_products: Sequence[str] = (),
    statuses: Collection[ArticleStatus] | None = PUBLISHED,
    lang: str | None = None,
    exclude: Collection[int] = (),
    limit: int = 3,
) -> list[SearchHit]:
    """Articles like any text (a case's title, description and failure mode), best first.

    BM25 of the text's terms (at most ``MAX_SCORED_TERMS``, the most telling) and of the
    names of ``boost_failure_modes`` in both languages (code and taxonomy names, weighed
    as a query times ``SYNONYM_WEIGHT``: they find an article of the mode worded
    otherwise), times
    ``1 + MODE_BOOST`` when the article lists one of ``boost_failure_modes`` and times
    ``1 + PRODUCT_BOOST`` when it lists one of ``boost_products``.
    """
    weights = query_weights(text[:MAX_TEXT_CHARS])
    if boost_failure_modes:
        labels = taxonomy_service.category_labels(session)
        names = [name for mode in boost_failure_modes for name in (mode, *labels.get(mode, ()))]
        named = query_weights(" ".join(name for name in names if name))
        for term, weight in named.items():
            weights[term] = max(weights.get(term, 0.0), weight * SYNONYM_WEIGHT)
    filters = _filters(session, lang=lang, statuses=statuses)
    if exclude:
        filters.append(Article.id.not_in(list(exclude)))
    boosts = _Boosts(tuple(boost_failure_modes), tuple(boost_products))
    return _hits(session, *_top(session, weights, filters, limit, boosts))


def _best(scores: Mapping[int, float], limit: int) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: max(limit, 0)]


def _filters(
    session: Session,
    *,
    product: str | None = None,
    failure_mode: str | None = None,
    lang: str | None = None,
    statuses: Collection[ArticleStatus] | None = PUBLISHED,
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if statuses is not None:
        filters.append(Article.status.in_(list(statuses)))
    if lang:
        code = lang.strip().lower()
        filters.append(Article.lang == ("zh" if code.startswith("zh") else code))
    if product:
        filters.append(_lists_any(session, Article.products, [product]))
    if failure_mode:
        filters.append(_lists_any(session, Article.failure_modes, [failure_mode]))
    return filters


def _lists_any(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """True when the JSON list in ``column`` holds one of ``values`` (exact strings)."""
    if session.get_bind().dialect.name == "postgresql":
        found: ColumnElement[bool] = func.jsonb_exists_any(column, array(values, type_=Text))
        return found
    entries = func.json_each(column).table_valued("value").alias()
    return exists(select(1).select_from(entries).where(entries.c.value.in_(values)))


@dataclass(frozen=True)
class _Boosts:
    """rank_articles: score * (1 + MODE_BOOST) and * (1 + PRODUCT_BOOST) on a match."""

    modes: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    @property
    def ceiling(self) -> float:
        return (1.0 + MODE_BOOST if self.modes else 1.0) * (
            1.0 + PRODUCT_BOOST if self.products else 1.0
        )


def _top(
    session: Session,
    weights: Mapping[str, float],
    filters: list[ColumnElement[bool]],
    limit: int,
    boosts: _Boosts = _Boosts(),
) -> tuple[list[tuple[int, float]], list[str]]:
    """The ``limit`` best (article id, score) of the articles matching the filters, and
    the terms scored.

    Top-k by MaxScore (Turtle & Flood, 1995): terms are read most telling first (highest
    ceiling ``w * idf * (k1 + 1)``, which no term's BM25 part reaches); after each read
    the best ``POOL`` articles so far get their other terms by the primary key, and
    reading stops once the last of the best ``limit`` scores more than any other article
    can: the best partial score outside the pool plus the ceilings of the terms not read
    (times the largest boost). That is exact. One cap keeps a long query of common terms
    fast on a large index: once ``READ_BUDGET`` postings are read, the remaining terms
    (the least telling) are scored for the pool only, so an article holding none of the
    terms read before is left out.
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
    kept = _kept_terms(weights, frequency, documents)
    factor = {term: weights[term] * idf(frequency[term], documents) for term in kept}
    ranking = _Ranking(session, filters, boosts, total / documents, factor)
    order = ranking.order
    done = read = 0  # order[:done] are read for every article: `read` postings
    batch_rows = CHEAP_ROWS
    while done < len(order):
        if done and read + frequency[order[done]] > READ_BUDGET:
            return ranking.pool_best(done, max(FINAL_POOL, limit), limit)[0], order
        batch, rows = [order[done]], frequency[order[done]]
        done += 1
        while done < len(order) and rows + frequency[order[done]] <= batch_rows:
            if read + rows + frequency[order[done]] > READ_BUDGET:
                break
            batch.append(order[done])
            rows += frequency[order[done]]
            done += 1
        read += rows
        batch_rows *= 2
        ranking.read(batch)
        if done == len(order) or len(ranking.partial) < limit:
            continue
        best, outside = ranking.pool_best(done, max(POOL, limit), limit)
        rest = sum(factor[term] for term in order[done:]) * (K1 + 1.0)
        if best[-1][1] > (outside + rest) * boosts.ceiling:
            return best, order
    ranking.read_boosts([a for a in ranking.partial if a not in ranking.scores])
    every = {article_id: ranking.final(article_id) for article_id in ranking.partial}
    return _best(every, limit), order


class _Ranking:
    """The postings read so far for one query, and the scores they give.

    ``factor[t] = w(t) * idf(t)``; an article's ``norm = k1 * (1 - b + b * |d| / avgdl)``;
    a term adds ``factor * tf * (k1 + 1) / (tf + norm)``, summed in the fixed ``order``, so
    a score is the same float on every back end.
    """

    def __init__(
        self,
        session: Session,
        filters: list[ColumnElement[bool]],
        boosts: _Boosts,
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
        best = _best({article_id: self.scores[article_id] for article_id in ranked[:size]}, limit)
        return best, partial[ranked[size]] if len(ranked) > size else 0.0

    def read_boosts(self, ids: list[int]) -> None:
        """rank_articles: which of these articles list a boosted failure mode or product
        (read for the articles about to get a final score only: a JSON test per row)."""
        modes, products = self.boosts.modes, self.boosts.products
        if not ids or not (modes or products):
            return
        session = self.session
        columns: list[Any] = [
            _lists_any(session, Article.failure_modes, list(modes)) if modes else literal(0),
            _lists_any(session, Article.products, list(products)) if products else literal(0),
        ]
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            query = select(Article.id, *columns).where(Article.id.in_(chunk))
            for article_id, mode, product in session.connection().execute(query).all():
                self.boost[article_id] = (1.0 + MODE_BOOST if mode else 1.0) * (
                    1.0 + PRODUCT_BOOST if product else 1.0
                )


def _kept_terms(
    weights: Mapping[str, float], frequency: Mapping[str, int], documents: int
) -> list[str]:
    """Terms in the index, the too-common light ones out, at most MAX_SCORED_TERMS."""
    present = [t for t in weights if frequency.get(t)]
    light = [t for t in present if weights[t] < 1.0 and frequency[t] > COMMON_SHARE * documents]
    if len(light) < len(present):
        present = [t for t in present if t not in light]
    ranked = sorted(present, key=lambda t: (-weights[t] * idf(frequency[t], documents), t))
    return sorted(ranked[:MAX_SCORED_TERMS])


def _hits(session: Session, best: list[tuple[int, float]], wanted: list[str]) -> list[SearchHit]:
    if not best:
        return []
    articles = {
        article.id: article
        for article in session.scalars(select(Article).where(Article.id.in_([i for i, _ in best])))
    }
    hits = []
    for article_id, score in best:
        article = articles[article_id]
        shown = snippet(_snippet_text(article), wanted)
        hits.append(SearchHit(article.id, article.title, article.lang, score, shown))
    return hits


def _snippet_text(article: Article) -> str:
    if (article.body or "").strip():
        return plain(article.body)
    parts = [article.symptoms, article.root_cause, article.fix, *(article.steps or [])]
    return " ".join(part for part in parts if part)
