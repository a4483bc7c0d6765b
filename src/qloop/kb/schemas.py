"""Edge shapes of the knowledge-base API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from qloop.core.storable import StorableBody
from qloop.kb.models import Article, ArticleFile, ArticleVersion

Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)]


class ArticleWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]
    kind: Annotated[str, Field(max_length=20)] = "failure_case"
    lang: Annotated[str, Field(max_length=5)] = "en"
    products: Names = []
    failure_modes: Names = []
    tags: Names = []
    body: Annotated[str, Field(max_length=100_000)] = ""
    status: Annotated[str, Field(max_length=20)] = "draft"
    owner: Annotated[str, Field(max_length=100)] | None = None
    translation_of: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


class StatusWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    status: Annotated[str, Field(max_length=20)]


class PreviewWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(max_length=100_000)]
    #: the article being edited: its files' names in the body show as its files
    article_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


class FeedbackWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    target_kind: Annotated[str, Field(pattern="^(article|case)$")]
    target_id: Annotated[str, Field(min_length=1, max_length=100)]
    helpful: bool = True


class ArticleRead(BaseModel):
    id: int
    slug: str | None
    title: str
    kind: str
    lang: str
    status: str
    products: list[str]
    failure_modes: list[str]
    tags: list[str]
    attachments: list[str]
    symptoms: str | None
    root_cause: str | None
    fix: str | None
    steps: list[str]
    body: str
    owner: str | None
    version: int
    translation_group: int | None
    source_plan_id: int | None
    updated_at: dt.datetime
    updated_by: str

    @classmethod
    def of(cls, article: Article) -> ArticleRead:
        return cls(id=article.id, slug=article.slug, title=article.title,
                   kind=article.kind.value, lang=article.lang, status=article.status.value,
                   products=list(article.products), failure_modes=list(article.failure_modes),
                   tags=list(article.tags), attachments=list(article.attachments),
                   symptoms=article.symptoms,
                   root_cause=article.root_cause, fix=article.fix, steps=list(article.steps),
                   body=article.body, owner=article.owner, version=article.version,
                   translation_group=article.translation_group,
                   source_plan_id=article.source_plan_id, updated_at=article.updated_at,
                   updated_by=article.updated_by)  # fmt: skip


class VersionRead(BaseModel):
    number: int
    created_at: dt.datetime
    created_by: str
    snapshot: dict[str, Any]

    @classmethod
    def of(cls, version: ArticleVersion) -> VersionRead:
        return cls(number=version.number, created_at=version.created_at,
                   created_by=version.created_by, snapshot=version.snapshot)  # fmt: skip


class ArticleFileRead(BaseModel):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str | None
    uploaded_at: dt.datetime
    uploaded_by: str
    removed_at: dt.datetime | None
    removed_by: str | None
    #: where the file is downloaded (the API) and where the article page shows it
    url: str
    page_url: str

    @classmethod
    def of(cls, found: ArticleFile, *, url: str, page_url: str) -> ArticleFileRead:
        return cls(id=found.id, name=found.name, content_type=found.content_type,
                   size=found.size, sha256=found.sha256, uploaded_at=found.uploaded_at,
                   uploaded_by=found.uploaded_by, removed_at=found.removed_at,
                   removed_by=found.removed_by, url=url, page_url=page_url)  # fmt: skip
