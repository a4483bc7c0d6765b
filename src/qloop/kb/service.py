"""Knowledge-base articles: create, edit (every edit a numbered version), publish, retire,
link language versions; readers below engineer see published articles only. Every save
re-indexes the article for search in the same transaction."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.core.clock import now
from qloop.core.errors import Forbidden, InputError, NotFound
from qloop.kb.fields import ArticleInput, snapshot
from qloop.kb.index import index_article
from qloop.kb.json_lists import lists_any
from qloop.kb.models import Article, ArticleStatus, ArticleVersion

WRITERS = (Role.ENGINEER, Role.ADMIN)


def can_write(user: User | None) -> bool:
    return user is not None and user.role in WRITERS


def visible_statuses(user: User | None) -> tuple[ArticleStatus, ...]:
    """Engineers see drafts and retired articles too; everyone else published ones."""
    return tuple(ArticleStatus) if can_write(user) else (ArticleStatus.PUBLISHED,)


def create_article(
    session: Session,
    *,
    values: ArticleInput,
    user_name: str,
    slug: str | None = None,
    source_plan_id: int | None = None,
    complete: Callable[[Article], object] | None = None,
) -> Article:
    """A new article at version 1. ``complete`` is called with it (it has an id) before
    that version is kept, so what it adds, an import's files, is part of version 1."""
    stamp = now()
    article = Article(slug=_slug(session, slug), source_plan_id=source_plan_id, version=1,
                      created_at=stamp, created_by=user_name, updated_at=stamp,
                      updated_by=user_name, **values.columns())  # fmt: skip
    if article.owner is None:
        article.owner = user_name
    session.add(article)
    session.flush()
    if complete is not None:
        complete(article)
    _keep_version(session, article, user_name)
    index_article(session, article)
    return article


def update_article(
    session: Session, *, article_id: int, values: ArticleInput, user_name: str
) -> Article:
    """Save an edit; nothing changed: no new version."""
    article = require_article(session, article_id)
    before = snapshot(article)
    for name, value in values.columns().items():
        if name == "owner" and value is None:
            continue
        setattr(article, name, value)
    if snapshot(article) == before:
        return article
    record_edit(session, article, user_name)
    return article


def record_edit(session: Session, article: Article, user_name: str) -> None:
    """An edit made to ``article`` (its fields or its files) becomes its next version."""
    article.version += 1
    article.updated_at, article.updated_by = now(), user_name
    session.flush()
    _keep_version(session, article, user_name)
    index_article(session, article)


def set_status(session: Session, *, article_id: int, status: str, user_name: str) -> Article:
    article = require_article(session, article_id)
    try:
        chosen = ArticleStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in ArticleStatus)
        raise InputError(f"status {status!r} is not one of {allowed}", column="status") from None
    values = ArticleInput.parse(snapshot(article) | {"status": chosen.value})
    return update_article(session, article_id=article_id, values=values, user_name=user_name)


def require_article(session: Session, article_id: int, *, reader: User | None = None) -> Article:
    """The article; given a ``reader`` below engineer, only a published one (else not found).
    Without a reader the caller is qloop itself (an import, a save), which sees every one."""
    found = session.get(Article, article_id)
    if found is None or (reader is not None and found.status not in visible_statuses(reader)):
        raise NotFound(f"no article {article_id}")
    return found


def list_articles(
    session: Session,
    *,
    reader: User | None,
    kind: str | None = None,
    lang: str | None = None,
    status: str | None = None,
    product: str | None = None,
    failure_mode: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Article], int]:
    """One page of the articles the reader may see (every one without ``limit``), newest
    edit first and then the later id (a stable order for paging), and how many match.

    Filtered and counted in SQL, so a page reads ``limit`` rows however large the
    knowledge base; a product or failure mode is an exact entry of the article's list."""
    statuses = visible_statuses(reader)
    if status:
        statuses = tuple(s for s in statuses if s.value == status)
    where: list[ColumnElement[bool]] = [Article.status.in_(statuses)]
    if kind:
        where.append(Article.kind == kind)
    if lang:
        where.append(Article.lang == lang)
    if product:
        where.append(lists_any(session, Article.products, [product]))
    if failure_mode:
        where.append(lists_any(session, Article.failure_modes, [failure_mode]))
    total = session.scalar(select(func.count()).select_from(Article).where(*where)) or 0
    newest = select(Article).where(*where).order_by(Article.updated_at.desc(), Article.id.desc())
    return list(session.scalars(newest.limit(limit).offset(offset))), total


def versions(session: Session, article_id: int) -> list[ArticleVersion]:
    """Newest first."""
    require_article(session, article_id)
    query = select(ArticleVersion).where(ArticleVersion.article_id == article_id)
    return list(session.scalars(query.order_by(ArticleVersion.number.desc())))


def version_diff(session: Session, *, article_id: int, old: int, new: int) -> str:
    """A unified diff between two versions (fields as ``key: value`` lines, then the body)."""
    found = {v.number: v for v in versions(session, article_id)}
    for number in (old, new):
        if number not in found:
            raise NotFound(f"article {article_id} has no version {number}")
    return "".join(difflib.unified_diff(
        _lines(found[old].snapshot), _lines(found[new].snapshot),
        fromfile=f"version {old}", tofile=f"version {new}",
    ))  # fmt: skip


def link_translation(session: Session, *, article_id: int, other_id: int, user_name: str) -> None:
    """Make two articles language versions of each other (one translation group)."""
    article, other = require_article(session, article_id), require_article(session, other_id)
    if article.id == other.id:
        raise InputError("an article is not its own translation", column="translation_of")
    if article.lang == other.lang:
        raise InputError(f"both articles are in {article.lang}", column="translation_of")
    group = other.translation_group or article.translation_group or other.id
    groups = {g for g in (article.translation_group, other.translation_group) if g is not None}
    members = list(session.scalars(select(Article).where(Article.translation_group.in_(groups))))
    for item in {a.id: a for a in (*members, article, other)}.values():
        item.translation_group = group  # two groups joined become one
    session.flush()


def translations(session: Session, article: Article) -> list[Article]:
    if article.translation_group is None:
        return []
    query = select(Article).where(Article.translation_group == article.translation_group,
                                  Article.id != article.id)  # fmt: skip
    return list(session.scalars(query.order_by(Article.id)))


def demand_writer(user: User) -> None:
    if not can_write(user):
        raise Forbidden("writing articles needs the engineer role")


def _keep_version(session: Session, article: Article, user_name: str) -> None:
    session.add(ArticleVersion(article_id=article.id, number=article.version,
                               snapshot=snapshot(article), created_at=now(),
                               created_by=user_name))  # fmt: skip
    session.flush()


def _slug(session: Session, slug: str | None) -> str | None:
    if not slug:
        return None
    cleaned = slug.strip()[:100]
    if session.scalar(select(Article.id).where(Article.slug == cleaned)) is not None:
        raise InputError(f"an article {cleaned!r} exists already", column="id")
    return cleaned


def _lines(values: Mapping[str, Any]) -> list[str]:
    head = [f"{key}: {values[key]}\n" for key in sorted(values) if key != "body"]
    body = str(values.get("body") or "")
    return [*head, "\n", *(line + "\n" for line in body.splitlines())]
