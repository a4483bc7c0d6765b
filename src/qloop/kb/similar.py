"""Suggestions for a case: the most similar past cases and knowledge-base articles.

Cases: candidates are the earlier cases of the same failure mode or product (the newest
``CANDIDATES`` received up to this case); each is scored by the cosine of TF-IDF vectors
of title and description (the knowledge base's tokenizer: words, codes, Chinese
characters and pairs), times ``1 + MODE_BOOST`` for the same failure mode and
``1 + PRODUCT_BOOST`` for the same product. Articles (published ones):
:func:`qloop.kb.search.rank_articles` on the same text. Both are then weighed by
what technicians marked helpful (or not) on cases of the same failure mode:
``1 + FEEDBACK_STEP x net votes``, net clamped to [-2, 4], so a few marks reorder close
suggestions without burying the text match.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from qloop.core.clock import now
from qloop.core.errors import NotFound
from qloop.intake.models import Case, Unit
from qloop.kb.models import ArticleStatus, Feedback
from qloop.kb.search import SearchHit, rank_articles

CANDIDATES = 3000
MODE_BOOST = 0.5
PRODUCT_BOOST = 0.2
FEEDBACK_STEP = 0.25
CASES_SHOWN, ARTICLES_SHOWN = 5, 3


@dataclass(frozen=True)
class SimilarCase:
    case_id: str
    title: str
    received_at: dt.datetime
    failure_mode: str | None
    product: str | None
    score: float

    def as_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "title": self.title, "score": round(self.score, 6),
                "received_at": self.received_at.isoformat(), "failure_mode": self.failure_mode,
                "product": self.product}  # fmt: skip


@dataclass(frozen=True)
class Suggestions:
    case_id: str
    cases: list[SimilarCase]
    articles: list[SearchHit]

    def as_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "cases": [c.as_json() for c in self.cases],
                "articles": [a.as_json() for a in self.articles]}  # fmt: skip


def suggestions_for_case(
    session: Session, case_id: str, *, statuses: tuple[ArticleStatus, ...] = (
        ArticleStatus.PUBLISHED,)
) -> Suggestions:  # fmt: skip
    unit = aliased(Unit)
    row = session.execute(
        select(Case, func.coalesce(Case.product, unit.product))
        .outerjoin(unit, unit.serial == Case.serial).where(Case.case_id == case_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(f"no case {case_id}")
    case, product = row[0], row[1]
    text = " ".join(part for part in (case.title, case.description) if part)
    votes = _votes(session, case.failure_mode)
    modes = [case.failure_mode] if case.failure_mode else []
    found = rank_articles(session, text, boost_failure_modes=modes,
                          boost_products=[product] if product else [], statuses=statuses,
                          limit=ARTICLES_SHOWN * 3)  # fmt: skip
    articles = sorted(
        (SearchHit(h.id, h.title, h.lang, h.score * _weight(votes, "article", str(h.id)),
                   h.snippet) for h in found),
        key=lambda hit: (-hit.score, hit.id),
    )[:ARTICLES_SHOWN]  # fmt: skip
    return Suggestions(case.case_id, _similar_cases(session, case, product, text, votes),
                       articles)  # fmt: skip


def record_feedback(
    session: Session, *, case_id: str, target_kind: str, target_id: str, helpful: bool,
    user_name: str,
) -> Feedback:  # fmt: skip
    """A technician's mark on one suggestion for a case (the latest mark of a user counts)."""
    if session.scalar(select(Case.id).where(Case.case_id == case_id)) is None:
        raise NotFound(f"no case {case_id}")
    found = session.scalar(select(Feedback).where(
        Feedback.case_id == case_id, Feedback.target_kind == target_kind,
        Feedback.target_id == target_id, Feedback.user_name == user_name))  # fmt: skip
    if found is None:
        found = Feedback(case_id=case_id, target_kind=target_kind, target_id=target_id,
                         helpful=helpful, user_name=user_name, created_at=now())  # fmt: skip
        session.add(found)
    else:
        found.helpful, found.created_at = helpful, now()
    session.flush()
    return found


def _similar_cases(
    session: Session, case: Case, product: str | None, text: str, votes: Counter[tuple[str, str]]
) -> list[SimilarCase]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qloop.kb.text import terms

    unit = aliased(Unit)
    owner = func.coalesce(Case.product, unit.product)
    scope = [Case.failure_mode == case.failure_mode] if case.failure_mode else []
    if product:
        scope.append(owner == product)
    query = (select(Case.case_id, Case.title, Case.description, Case.received_at,
                    Case.failure_mode, owner).outerjoin(unit, unit.serial == Case.serial)
             .where(Case.id != case.id, Case.received_at <= case.received_at))  # fmt: skip
    if scope:
        query = query.where(or_(*scope))
    rows = session.execute(query.order_by(Case.received_at.desc()).limit(CANDIDATES)).all()
    if not rows or not text.strip():
        return []
    documents = [" ".join(p for p in (r[1], r[2]) if p) for r in rows]
    vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([text, *documents])
    except ValueError:  # no term in any text (all punctuation)
        return []
    cosines = (matrix[1:] @ matrix[0].T).toarray().ravel()
    scored = []
    for row, cosine in zip(rows, cosines, strict=True):
        if cosine <= 0:
            continue
        same_mode = case.failure_mode is not None and row[4] == case.failure_mode
        score = float(cosine) * (1 + MODE_BOOST * same_mode)
        score *= 1 + PRODUCT_BOOST * (product is not None and row[5] == product)
        score *= _weight(votes, "case", row[0])
        scored.append(SimilarCase(row[0], row[1] or row[2][:80], row[3], row[4], row[5], score))
    return sorted(scored, key=lambda c: (-c.score, c.case_id))[:CASES_SHOWN]


def _votes(session: Session, failure_mode: str | None) -> Counter[tuple[str, str]]:
    """Net helpful marks per suggestion on cases of this failure mode."""
    query = select(Feedback.target_kind, Feedback.target_id, Feedback.helpful).join(
        Case, Case.case_id == Feedback.case_id
    )
    query = query.where(Case.failure_mode == failure_mode) if failure_mode else query.where(
        Case.failure_mode.is_(None))  # fmt: skip
    net: Counter[tuple[str, str]] = Counter()
    for kind, target, helpful in session.execute(query):
        net[(kind, target)] += 1 if helpful else -1
    return net


def _weight(votes: Counter[tuple[str, str]], kind: str, target: str) -> float:
    return 1.0 + FEEDBACK_STEP * max(-2, min(4, votes[(kind, target)]))
