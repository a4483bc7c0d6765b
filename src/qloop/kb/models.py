"""Knowledge-base articles, their versions, files, the search index and the feedback that
says which suggestion helped."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from qloop.core.db import Base, JsonDocument, text_enum


class ArticleKind(StrEnum):
    FAILURE_CASE = "failure_case"
    REPAIR_SOP = "repair_sop"
    FAQ = "faq"
    DESIGN_LESSON = "design_lesson"


class ArticleStatus(StrEnum):
    """Drafts and retired articles are read by engineers only; viewers see published ones."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Article(Base):
    """One article in one language; ``translation_group`` links the versions of the same
    article in other languages (the id of the first of them)."""

    __tablename__ = "kb_articles"
    #: BM25's lengths and the status/language filters read from the index, never from the
    #: rows with their long bodies
    __table_args__ = (Index("ix_kb_articles_scoring", "id", "index_length", "status", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: a stable name for Markdown files (``id`` in their front matter): re-importing a file
    #: updates its article instead of adding another
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    kind: Mapped[ArticleKind] = mapped_column(text_enum(ArticleKind, "article_kind"))
    lang: Mapped[str] = mapped_column(String(5))
    translation_group: Mapped[int | None] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    products: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    failure_modes: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    tags: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    #: the names of its files (images, PDFs), in upload order: kept in every version
    attachments: Mapped[list[str]] = mapped_column(JsonDocument, default=list, server_default="[]")
    symptoms: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(Text)
    fix: Mapped[str | None] = mapped_column(Text)
    #: ordered steps of an SOP, one text each
    steps: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(
        text_enum(ArticleStatus, "article_status"), default=ArticleStatus.DRAFT
    )
    owner: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: the corrective action plan a draft was made from
    source_plan_id: Mapped[int | None] = mapped_column(ForeignKey("capa_plans.id"))
    #: number of index terms (with repeats): BM25's document length
    index_length: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))


class ArticleVersion(Base):
    """An article as it was after an edit: every edit is kept, numbered."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class ArticleFile(Base):
    """An image or PDF attached to an article. A removed or replaced file is kept, marked
    removed: the versions that showed it can still be read in full."""

    __tablename__ = "kb_article_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    removed_by: Mapped[str | None] = mapped_column(String(100))


class IndexTerm(Base):
    """How often a search term occurs in an article (title and symptoms weigh more):
    the inverted index BM25 ranks from, the same on every back end."""

    __tablename__ = "kb_index_terms"
    #: postings read from the index alone: a query's terms, their articles and frequencies
    __table_args__ = (Index("ix_kb_index_terms_term_postings", "term", "article_id", "frequency"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    frequency: Mapped[int] = mapped_column(Integer)


class Feedback(Base):
    """A technician's mark on a suggestion for a case: helpful or not. Used in ranking."""

    __tablename__ = "kb_feedback"
    __table_args__ = (UniqueConstraint("case_id", "target_kind", "target_id", "user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    #: "article" or "case"
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(100), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    user_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
