"""The inverted index BM25 ranks from: one ``kb_index_terms`` row per (article, term) with
the term's weighted frequency, and the article's length in ``Article.index_length``.

A field's terms count several times (BM25F done simply, by repeating the field):

===============================================  ======
title                                            3
symptoms; products, failure modes, tags          2
root cause, fix, SOP steps, the rest of the body  1
===============================================  ======

A failure mode counts by its taxonomy name in the article's language (``battery_swelling``
is ``电池鼓包`` in a Chinese article), by its code where the taxonomy has no name. The body is read
without the sections the structured fields came from (``kb/fields.py``), so symptoms are
not counted twice. Taxonomy names are read when an article is indexed: after renaming a
failure mode, ``qloop kb reindex`` brings the index up to date.

These functions flush, never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from qloop.kb.models import Article, IndexTerm
from qloop.kb.text import plain, terms
from qloop.taxonomy import service as taxonomy_service

TITLE_WEIGHT = 3
SYMPTOMS_WEIGHT = 2
LABEL_WEIGHT = 2  # each product, failure mode and tag
TEXT_WEIGHT = 1  # root cause, fix, steps, body
BATCH = 200

#: English and Chinese names by failure-mode code
Labels = Mapping[str, tuple[str | None, str | None]]


def article_terms(article: Article, labels: Labels | None = None) -> Counter[str]:
    """Weighted term frequencies of an article; their sum is its BM25 length."""
    counts: Counter[str] = Counter()

    def add(found: Iterable[str], weight: int) -> None:
        for term in found:
            counts[term] += weight

    add(terms(article.title or ""), TITLE_WEIGHT)
    add(terms(article.symptoms or ""), SYMPTOMS_WEIGHT)
    zh = (article.lang or "").startswith("zh")
    for mode in article.failure_modes or []:
        en_name, zh_name = (labels or {}).get(mode, (None, None))
        name = (zh_name if zh else en_name) or mode
        add(dict.fromkeys(terms(name)), LABEL_WEIGHT)
    for label in [*(article.products or []), *(article.tags or [])]:
        add(dict.fromkeys(terms(label)), LABEL_WEIGHT)
    for text in [article.root_cause or "", article.fix or "", *(article.steps or [])]:
        add(terms(text), TEXT_WEIGHT)
    add(terms(plain(_body_rest(article))), TEXT_WEIGHT)
    return counts


def _body_rest(article: Article) -> str:
    """The body without the text of the structured fields (each removed once)."""
    body = article.body or ""
    parts = [article.symptoms, article.root_cause, article.fix, *(article.steps or [])]
    for part in parts:
        if part and part.strip():
            at = body.find(part)
            if at >= 0:
                body = f"{body[:at]} {body[at + len(part) :]}"
    return body


def index_article(session: Session, article: Article, *, labels: Labels | None = None) -> int:
    """Replace the article's index rows; returns its length (also set on the article).

    ``labels`` (failure-mode names by code) are read from the taxonomy when not given.
    """
    if article.id is None:
        session.flush()
    if labels is None:
        labels = taxonomy_service.category_labels(session)
    session.execute(delete(IndexTerm).where(IndexTerm.article_id == article.id))
    length = _insert(session, [article], labels)
    session.flush()
    return length


def remove_from_index(session: Session, article: Article) -> None:
    """Take an article out of search (its rows go; it keeps its data)."""
    session.execute(delete(IndexTerm).where(IndexTerm.article_id == article.id))
    article.index_length = 0
    session.flush()


def reindex_all(session: Session, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index; returns the number of articles indexed.

    ``progress(done, total)`` is called after every batch (for a progress bar).
    """
    labels = taxonomy_service.category_labels(session)
    session.execute(delete(IndexTerm))
    ids = list(session.scalars(select(Article.id).order_by(Article.id)))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        articles = session.scalars(select(Article).where(Article.id.in_(chunk))).all()
        _insert(session, sorted(articles, key=lambda a: a.id), labels)
        session.flush()
        if progress is not None:
            progress(start + len(chunk), len(ids))
    _compact_postings(session)
    return len(ids)


def _compact_postings(session: Session) -> None:
    """Rebuild the postings' covering index once its rows are all in: filled in article
    order, its B-tree (ordered by term) ends up split over half-empty pages, which every
    search then walks (p95 of benchmarks/kb_latency.py about a quarter higher)."""
    name = "ix_kb_index_terms_term_postings"
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql(f"REINDEX INDEX {name}"))
    else:
        session.execute(sql(f"REINDEX {name}"))
    session.execute(sql("ANALYZE kb_index_terms"))


def _insert(session: Session, articles: list[Article], labels: Labels) -> int:
    rows: list[dict[str, object]] = []
    length = 0
    for article in articles:
        counts = article_terms(article, labels)
        length = sum(counts.values())
        article.index_length = length
        rows.extend(
            {"article_id": article.id, "term": term, "frequency": frequency}
            for term, frequency in sorted(counts.items())
        )
    if rows:
        session.execute(insert(IndexTerm), rows)
    return length
