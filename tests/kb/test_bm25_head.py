"""The cap on the postings the database sums, under a selective filter, on both back ends.

``HEAD_POSTINGS`` caps the postings of the terms the database sums for every article (the
head), counted by the terms' global document frequencies. A filter (one product) may hold
none of the most telling term's postings: the head must then grow, term by term, until
``limit`` articles are found. The expected lists
are computed here by scoring every filtered article with ``bm25_term`` from the index rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.kb import bm25
from qloop.kb.bm25 import bm25_term
from qloop.kb.models import Article, ArticleStatus, IndexTerm
from qloop.kb.search import SearchHit, search_articles
from tests.kb.test_search import make_article

QUERY = "zircon quartz basalt"
TERMS = ("zircon", "quartz", "basalt")


@pytest.fixture
def rocks(engine: Engine) -> Iterator[Session]:
    """zircon: 2 articles (PX9 only); quartz: 13 (2 published WM7 ones); basalt: 31 (5
    published WM7 ones); a WM7 draft holds both. Repeats differ from article to article, so
    no two WM7 articles tie."""
    with session_scope(engine) as session:
        for number in range(2):
            make_article(session, f"Zircon {number}", products=["PX9"], body="zircon basalt")
        for number in range(10):
            make_article(
                session, f"Quartz {number}", products=["PX9"], body="quartz " * (1 + number % 3)
            )
        for number in range(23):
            make_article(session, f"Basalt {number}", products=["AC3"], body="basalt")
        make_article(
            session, "Wm quartz one", products=["WM7"], body="quartz basalt " + "filler " * 4
        )
        make_article(session, "Wm quartz two", products=["WM7"], body="quartz quartz")
        for number, repeat in enumerate((1, 2, 3, 5)):
            make_article(session, f"Wm basalt {number}", products=["WM7"],
                         body="basalt " * repeat + "filler " * number)  # fmt: skip
        make_article(session, "Wm draft", products=["WM7"], body="quartz basalt",
                     status=ArticleStatus.DRAFT)  # fmt: skip
        yield session


def expected(
    session: Session, product: str, limit: int, among: set[int] | None = None
) -> list[tuple[int, float]]:
    """The ``limit`` best published articles of ``product`` (``among``: only these) and
    their BM25 of every query term, from the index rows: tf, df, N and avgdl counted here."""
    documents, total = session.execute(
        select(func.count(), func.sum(Article.index_length)).where(Article.index_length > 0)
    ).one()
    average = total / documents
    df = dict(session.execute(select(IndexTerm.term, func.count()).where(
        IndexTerm.term.in_(TERMS)).group_by(IndexTerm.term)).all())  # fmt: skip
    scores: dict[int, float] = {}
    for article in session.scalars(select(Article)):
        if product not in article.products or article.status is not ArticleStatus.PUBLISHED:
            continue
        if among is not None and article.id not in among:
            continue
        rows = session.execute(select(IndexTerm.term, IndexTerm.frequency).where(
            IndexTerm.article_id == article.id, IndexTerm.term.in_(TERMS))).all()  # fmt: skip
        scores[article.id] = sum(
            bm25_term(tf, df[term], article.index_length, documents, average) for term, tf in rows
        )
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def assert_hits(hits: list[SearchHit], best: list[tuple[int, float]]) -> None:
    """The same articles in the same order, the same scores but for the order of a sum."""
    assert [hit.id for hit in hits] == [article_id for article_id, _ in best]
    assert [hit.score for hit in hits] == pytest.approx([score for _, score in best], rel=1e-12)


def ids_of(session: Session, title_start: str) -> set[int]:
    return set(session.scalars(select(Article.id).where(Article.title.startswith(title_start))))


def test_the_rocks_are_what_the_test_says(rocks: Session) -> None:
    df = dict(rocks.execute(select(IndexTerm.term, func.count()).where(
        IndexTerm.term.in_(TERMS)).group_by(IndexTerm.term)).all())  # fmt: skip
    assert df == {"zircon": 2, "quartz": 13, "basalt": 31}
    assert len(expected(rocks, "WM7", 10)) == 6


@pytest.mark.parametrize("limit", [3, 6, 10])
def test_the_head_grows_until_limit_articles_are_found(
    rocks: Session, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """zircon (read first) has no WM7 article and quartz's 13 postings pass the cap of
    5: the head must grow through basalt while fewer than ``limit`` articles are found,
    and then holds every term: exact."""
    monkeypatch.setattr(bm25, "HEAD_POSTINGS", 5)
    hits = search_articles(rocks, QUERY, product="WM7", limit=limit)
    assert_hits(hits, expected(rocks, "WM7", limit))


def test_once_limit_articles_are_found_the_head_stops_growing(
    rocks: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``limit`` 2 the two WM7 quartz articles suffice: basalt (over the cap) is
    then scored for them only, so the articles holding basalt alone are left out."""
    monkeypatch.setattr(bm25, "HEAD_POSTINGS", 5)
    hits = search_articles(rocks, QUERY, product="WM7", limit=2)
    pool = ids_of(rocks, "Wm quartz")
    assert_hits(hits, expected(rocks, "WM7", 2, among=pool))


def test_without_the_cap_the_list_is_the_same(rocks: Session) -> None:
    for limit in (1, 3, 6):
        hits = search_articles(rocks, QUERY, product="WM7", limit=limit)
        assert_hits(hits, expected(rocks, "WM7", limit))
