"""``/api/v1/kb``: articles, search, versions and the 8D-to-draft path, as JSON.

Everyone signed in reads published articles and searches them; engineers also see drafts
and retired articles, and write."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from qloop.core.errors import InputError
from qloop.kb import service
from qloop.kb.drafts import draft_from_plan
from qloop.kb.fields import ArticleInput
from qloop.kb.file_pages import file_addresses
from qloop.kb.files import files_of
from qloop.kb.render import markdown_html
from qloop.kb.schemas import ArticleRead, ArticleWrite, PreviewWrite, StatusWrite, VersionRead
from qloop.kb.search import search_articles
from qloop.web.deps import Engineer, Offset, Reader, RecordId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["knowledge base"])
Id = RecordId
Text = Annotated[str | None, Query(max_length=100)]


#: list_or_search: the default and the largest ``limit`` of a search, of a page of the list
SEARCH_LIMIT, SEARCH_MAX, LIST_LIMIT, LIST_MAX = 10, 100, 50, 500


@router.get("/kb", response_model=list[dict[str, Any]])
def list_or_search(
    session: SessionDep, user: Reader, response: Response,
    q: Annotated[str | None, Query(max_length=500)] = None, product: Text = None,
    failure_mode: Text = None, kind: Text = None, lang: Text = None, status: Text = None,
    limit: Annotated[int | None, Query(ge=1, le=LIST_MAX)] = None,
    offset: Offset = 0,
) -> list[dict[str, Any]]:  # fmt: skip
    """With ``q``: the best ``limit`` (10, at most 100) ranked hits ``[{"id", "title",
    "score", "snippet"}]``. Else a page of the list from ``offset`` (``limit`` 50, at most
    500), newest edit first; ``X-Total-Count`` says how many articles match."""
    if q is not None:
        if offset:
            raise InputError("a search gives its best hits; offset pages the list", column="offset")
        if (limit or 0) > SEARCH_MAX:
            raise InputError(f"a search gives {SEARCH_MAX} hits at most", column="limit")
        hits = search_articles(session, q, product=product, failure_mode=failure_mode, lang=lang,
                               statuses=service.visible_statuses(user),
                               limit=limit or SEARCH_LIMIT)  # fmt: skip
        return [hit.as_json() for hit in hits]
    found, total = service.list_articles(session, reader=user, kind=kind, lang=lang,
                                         status=status, product=product, failure_mode=failure_mode,
                                         limit=limit or LIST_LIMIT, offset=offset)  # fmt: skip
    response.headers["X-Total-Count"] = str(total)
    return [ArticleRead.of(a).model_dump(mode="json") for a in found]


@router.post("/kb", response_model=ArticleRead, status_code=201)
def create(body: ArticleWrite, session: SessionDep, user: Engineer) -> ArticleRead:
    values = ArticleInput.parse(body.model_dump(exclude={"translation_of"}))
    article = service.create_article(session, values=values, user_name=user.name)
    if body.translation_of:
        service.link_translation(session, article_id=article.id, other_id=body.translation_of,
                                 user_name=user.name)  # fmt: skip
    return ArticleRead.of(article)


@router.get("/kb/{article_id}", response_model=ArticleRead)
def read(article_id: Id, session: SessionDep, user: Reader) -> ArticleRead:
    return ArticleRead.of(service.require_article(session, article_id, reader=user))


@router.put("/kb/{article_id}", response_model=ArticleRead)
def update(article_id: Id, body: ArticleWrite, session: SessionDep, user: Engineer) -> ArticleRead:
    """Save an edit as a new version (nothing changed: no new version). A status left out
    stays as it is: publishing is its own step (``/status``)."""
    given = body.model_dump(exclude={"translation_of"})
    if "status" not in body.model_fields_set:
        given["status"] = service.require_article(session, article_id).status.value
    values = ArticleInput.parse(given)
    article = service.update_article(session, article_id=article_id, values=values,
                                     user_name=user.name)  # fmt: skip
    return ArticleRead.of(article)


@router.post("/kb/{article_id}/status", response_model=ArticleRead)
def set_status(
    article_id: Id, body: StatusWrite, session: SessionDep, user: Engineer
) -> ArticleRead:
    """Publish, retire or return to draft."""
    article = service.set_status(session, article_id=article_id, status=body.status,
                                 user_name=user.name)  # fmt: skip
    return ArticleRead.of(article)


@router.get("/kb/{article_id}/versions", response_model=list[VersionRead])
def versions(article_id: Id, session: SessionDep, user: Engineer) -> list[VersionRead]:
    """Every version, newest first, each as it was."""
    return [VersionRead.of(v) for v in service.versions(session, article_id)]


@router.get("/kb/{article_id}/diff", response_model=dict[str, str])
def diff(
    article_id: Id, session: SessionDep, user: Engineer,
    old: Annotated[int, Query(ge=1)], new: Annotated[int, Query(ge=1)],
) -> dict[str, str]:  # fmt: skip
    """A unified diff between two versions."""
    return {"diff": service.version_diff(session, article_id=article_id, old=old, new=new)}


@router.post("/kb/from-plan/{plan_id}", response_model=ArticleRead, status_code=201)
def from_plan(
    plan_id: Id, session: SessionDep, user: Engineer,
    lang: Annotated[str, Query(pattern="^(en|zh)$")] = "en",
) -> ArticleRead:  # fmt: skip
    """A draft made from a closed 8D plan: problem, root cause, actions, verification."""
    return ArticleRead.of(draft_from_plan(session, plan_id=plan_id, user=user, lang=lang))


@router.post("/kb/preview", response_model=dict[str, str])
def preview(body: PreviewWrite, session: SessionDep, _user: Engineer) -> dict[str, str]:
    """The editor's preview: Markdown as the article page shows it (with ``article_id``,
    its files' names show as its files)."""
    addresses = None
    if body.article_id is not None:
        article = service.require_article(session, body.article_id)
        addresses = file_addresses(article.id, files_of(session, article))
    return {"html": markdown_html(body.body, addresses)}
