"""How ``kb/bm25.py`` picks the best articles, on both back ends: the database's sums
pick candidates, Python scores them; the list is that of scoring every article by hand
(``bm25_term`` over the index rows), ties to the lower id, near-ties in the database's
arithmetic kept, and the cap on the postings the database sums."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.kb import bm25
from qloop.kb.bm25 import bm25_term, kept_terms
from qloop.kb.models import Article, ArticleStatus, IndexTerm
from qloop.kb.search import search_articles
from qloop.kb.text import query_weights
from tests.kb.test_search import make_article

WORDS = ("battery swelling cover charger port noise hum rattle leak seal door pump screen crack "
         "glass drop spindle bearing alarm fan filter motor 电池 鼓包 漏水 屏幕 异响 充电 主轴 "
         "轴承 风扇 电机 后盖 门封").split()  # fmt: skip
QUERIES = [
    "battery swelling",
    "noise pump rattle",
    "leak seal door filter",
    "crack",
    "电池鼓包",
    "漏水 门封",
    "主轴轴承异响",
    "屏",
    "fan motor hum alarm charger",
    "后盖顶起 电池",
]


@pytest.fixture
def random_corpus(engine: Engine) -> Iterator[Session]:
    rng = random.Random(7)
    with session_scope(engine) as session:
        for number in range(60):
            words = rng.choices(WORDS, k=rng.randint(3, 25))
            make_article(session, f"A{number:02d} " + " ".join(words[:3]),
                         symptoms=" ".join(words[3:]), lang=rng.choice(["en", "zh"]))  # fmt: skip
        yield session


def by_hand(session: Session, query: str, limit: int = 10) -> list[tuple[int, float]]:
    """Every published article scored from its index rows, the terms kept by the
    documented rule (``kept_terms``), N, avgdl and n(t) counted here."""
    weights = query_weights(query)
    documents, total = session.execute(
        select(func.count(), func.sum(Article.index_length)).where(Article.index_length > 0)
    ).one()
    df = dict(session.execute(select(IndexTerm.term, func.count()).where(
        IndexTerm.term.in_(list(weights))).group_by(IndexTerm.term)).all())  # fmt: skip
    kept = kept_terms(weights, df, documents)
    scores: dict[int, float] = {}
    for article in session.scalars(select(Article)):
        if article.status is not ArticleStatus.PUBLISHED:
            continue
        rows = session.execute(select(IndexTerm.term, IndexTerm.frequency).where(
            IndexTerm.article_id == article.id, IndexTerm.term.in_(kept))).all()  # fmt: skip
        if rows:
            scores[article.id] = sum(
                weights[term] * bm25_term(tf, df[term], article.index_length, documents,
                                          total / documents)
                for term, tf in rows
            )  # fmt: skip
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


@pytest.mark.parametrize("slack", [0, 10**6])
def test_the_list_is_that_of_scoring_every_article(
    random_corpus: Session, monkeypatch: pytest.MonkeyPatch, slack: int
) -> None:
    """Whether the database returns ``limit`` rows only or every article."""
    monkeypatch.setattr(bm25, "SLACK", slack)
    for query in QUERIES:
        hits = search_articles(random_corpus, query)
        expected = by_hand(random_corpus, query)
        assert expected
        assert [hit.id for hit in hits] == [article_id for article_id, _ in expected]
        assert [hit.score for hit in hits] == pytest.approx([s for _, s in expected], rel=1e-12)


def test_ties_go_to_the_lower_id(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bm25, "SLACK", 0)
    with session_scope(engine) as session:
        ids = [make_article(session, "Pump hum", body="drain pump hum").id for _ in range(12)]
        make_article(session, "Other", body="screen crack")
        hits = search_articles(session, "pump hum", limit=5)
        assert [hit.id for hit in hits] == sorted(ids)[:5]
        assert len({hit.score for hit in hits}) == 1


def test_near_ties_in_the_database_sums_are_kept(engine: Engine) -> None:
    """A sum one part in 10^12 below the last wanted one is a candidate (the database may
    have added in another order); one a part in 10^6 below is not."""
    scores = [(1, 3.0), (2, 2.0), (3, 2.0 * (1 - 1e-12)), (4, 2.0 * (1 - 1e-12)),
              (5, 2.0 * (1 - 1e-6)), (6, 1.0)]  # fmt: skip
    rows = union_all(*(select(literal(i).label("id"), literal(s).label("score"))
                       for i, s in scores)).subquery()  # fmt: skip
    statement = select(rows.c.id, rows.c.score).order_by(rows.c.score.desc(), rows.c.id)
    with session_scope(engine) as session:
        assert bm25.ranked_sums(session, statement, 2) == [1, 2, 3, 4]
        assert bm25.ranked_sums(session, statement, 1) == [1]
        assert bm25.ranked_sums(session, statement, 6) == [1, 2, 3, 4, 5, 6]
        assert bm25.ranked_sums(session, statement, 9) == [1, 2, 3, 4, 5, 6]


def test_head_postings_cap_scores_the_rest_for_the_best_of_the_head(
    random_corpus: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = search_articles(random_corpus, "battery swelling noise", limit=3)
    monkeypatch.setattr(bm25, "HEAD_POSTINGS", 1)
    monkeypatch.setattr(bm25, "FINAL_POOL", 5)
    capped = search_articles(random_corpus, "battery swelling noise", limit=3)
    assert len(capped) == 3
    assert all(h.score <= full[0].score for h in capped)
    assert [h.score for h in capped] == sorted((h.score for h in capped), reverse=True)
