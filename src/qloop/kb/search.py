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

Three queries a search: N and avgdl (one aggregate), n(t) (one ``GROUP BY term``) and the
postings of the terms kept, joined to their article for the filters and ``|d|`` (one
``WHERE term IN (...)``). A term of less than full weight (a Chinese character of a
longer query, a synonym) held by more than half the articles is skipped: it adds at most
``w * ln 2`` and has the longest postings. Ties are broken by id, so SQLite and PostgreSQL
give the same list by construction.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, exists, func, literal, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from qloop.kb.models import Article, ArticleStatus, IndexTerm
from qloop.kb.text import plain, query_weights, snippet

K1 = 1.2
B = 0.75
#: a term of less than full weight in more than this share of the articles is skipped
COMMON_SHARE = 0.5
MAX_QUERY_CHARS = 1_000
MAX_TEXT_CHARS = 5_000  # rank_articles: a case's title, description, ...
#: at most this many terms are scored, those of highest w(t) * idf(t)
MAX_SCORED_TERMS = 48
#: rank_articles: score * (1 + MODE_BOOST) when the article has one of the failure modes
MODE_BOOST = 0.5
#: rank_articles: score * (1 + PRODUCT_BOOST) when the article is about one of the products
PRODUCT_BOOST = 0.25
PUBLISHED = (ArticleStatus.PUBLISHED,)


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
    scores = {aid: score for aid, (score, _, _) in _score(session, weights, filters).items()}
    return _hits(session, _best(scores, limit), weights)


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

    BM25 of the text's terms (at most ``MAX_SCORED_TERMS``, the most telling), times
    ``1 + MODE_BOOST`` when the article lists one of ``boost_failure_modes`` and times
    ``1 + PRODUCT_BOOST`` when it lists one of ``boost_products``.
    """
    weights = query_weights(text[:MAX_TEXT_CHARS])
    filters = _filters(session, lang=lang, statuses=statuses)
    if exclude:
        filters.append(Article.id.not_in(list(exclude)))
    found = _score(session, weights, filters, modes=boost_failure_modes, products=boost_products)
    scores = {
        aid: score * (1.0 + MODE_BOOST * mode_hit) * (1.0 + PRODUCT_BOOST * product_hit)
        for aid, (score, mode_hit, product_hit) in found.items()
    }
    return _hits(session, _best(scores, limit), weights)


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


def _score(
    session: Session,
    weights: Mapping[str, float],
    filters: list[ColumnElement[bool]],
    *,
    modes: Sequence[str] = (),
    products: Sequence[str] = (),
) -> dict[int, tuple[float, int, int]]:
    """BM25 of every article matching the filters and one term: (score, mode, product)."""
    if not weights:
        return {}
    documents, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Article.index_length), 0)).where(
            Article.index_length > 0
        )
    ).one()
    if not documents:
        return {}
    average = total / documents
    counts = select(IndexTerm.term, func.count()).where(IndexTerm.term.in_(list(weights)))
    frequency: dict[str, int] = dict(session.execute(counts.group_by(IndexTerm.term)).all())
    kept = _kept_terms(weights, frequency, documents)
    if not kept:
        return {}
    columns: list[Any] = [IndexTerm.article_id, IndexTerm.term, IndexTerm.frequency,
                          Article.index_length]  # fmt: skip
    for wanted, column in ((modes, Article.failure_modes), (products, Article.products)):
        columns.append(_lists_any(session, column, list(wanted)) if wanted else literal(0))
    rows = session.execute(
        select(*columns)
        .join(Article, Article.id == IndexTerm.article_id)
        .where(IndexTerm.term.in_(kept), *filters)
    )
    postings: dict[int, dict[str, int]] = {}
    extra: dict[int, tuple[int, int, int]] = {}
    for article_id, term, tf, length, mode_hit, product_hit in rows:
        postings.setdefault(article_id, {})[term] = tf
        extra[article_id] = (length, int(bool(mode_hit)), int(bool(product_hit)))
    scored = {}
    for article_id, found in postings.items():
        length, mode_hit, product_hit = extra[article_id]
        score = 0.0
        for term in kept:  # a fixed order: the same float sum on every back end
            if term in found:
                score += weights[term] * bm25_term(
                    found[term], frequency[term], length, documents, average
                )
        scored[article_id] = (score, mode_hit, product_hit)
    return scored


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


def _hits(
    session: Session, best: list[tuple[int, float]], weights: Iterable[str]
) -> list[SearchHit]:
    if not best:
        return []
    wanted = list(weights)
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
