"""Knowledge-base search: the search box (``search_articles``) and the articles like a
case's text (``rank_articles``), ranked by BM25 (``kb/bm25.py`` has the formula).

Queries: n(t) (one ``GROUP BY term``), N and avgdl (one aggregate), then the BM25 sums of
the filtered articles in the database (one ``GROUP BY article_id`` over the postings of
the query's most telling terms, joined to their article for the filters and ``|d|``), and
the candidates' postings by primary key, scored again in Python (``top_scores``). At most
``MAX_SCORED_TERMS`` terms count (those of highest ``w * idf``), and ``HEAD_POSTINGS``
caps the postings the database sums. Filters never change a score (N, avgdl and n(t) are
counted over the whole index), and ties go to the lower id, so SQLite and PostgreSQL give
the same list by construction.

Latency (``benchmarks/kb_latency.py``): two covering indexes (migration 0010) make the
sums read indexes alone, so neither back end walks the rows with their long bodies
(SQLite stores a long body before ``index_length``): ``ix_kb_index_terms_term_postings``
on ``kb_index_terms (term, article_id, frequency)`` for the postings and
``ix_kb_articles_scoring`` on ``kb_articles (id, index_length, status, lang)`` for the
lengths and the status and language filters. PostgreSQL's index-only scans need its
routine VACUUM. A product or failure-mode filter tests the JSON lists of each article
holding a term.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from qloop.kb.bm25 import Boosts, top_scores
from qloop.kb.json_lists import lists_any
from qloop.kb.models import Article, ArticleStatus
from qloop.kb.snippets import snippet
from qloop.kb.text import SYNONYM_WEIGHT, plain, query_weights
from qloop.taxonomy import service as taxonomy_service

MAX_QUERY_CHARS = 1_000
MAX_TEXT_CHARS = 5_000  # rank_articles: a case's title, description, ...
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
    return _hits(session, *top_scores(session, weights, filters, limit))


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
    otherwise), times ``1 + MODE_BOOST`` when the article lists one of
    ``boost_failure_modes`` and times ``1 + PRODUCT_BOOST`` when it lists one of
    ``boost_products``.
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
    boosts = Boosts(tuple(boost_failure_modes), tuple(boost_products), 1.0 + MODE_BOOST,
                    1.0 + PRODUCT_BOOST)  # fmt: skip
    return _hits(session, *top_scores(session, weights, filters, limit, boosts))


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
        filters.append(lists_any(session, Article.products, [product]))
    if failure_mode:
        filters.append(lists_any(session, Article.failure_modes, [failure_mode]))
    return filters


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
