"""Knowledge-base pages: the list with search and filters, an article, the Markdown editor
with preview, the versions with their differences. JSON twins are under ``/api/v1/kb``."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts.models import Role
from qloop.core.errors import QloopError
from qloop.kb import service
from qloop.kb.drafts import draft_from_plan
from qloop.kb.fields import ArticleInput
from qloop.kb.file_pages import file_address, file_addresses
from qloop.kb.files import files_of
from qloop.kb.models import ArticleKind, ArticleStatus
from qloop.kb.render import markdown_html
from qloop.kb.search import search_articles
from qloop.web.csrf import check_session_form
from qloop.web.deps import Offset, PageUser, RecordId, SessionDep, demand_role, page_context, render
from qloop.web.form_changes import form_change

pages = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=100)]
Id = RecordId
Field = Annotated[str, Form(max_length=300)]
Csrf = Annotated[str | None, Form()]


#: list_page: articles per page when browsing
LIST_PAGE_SIZE = 50


@pages.get("/kb", response_class=HTMLResponse)
def list_page(
    request: Request, session: SessionDep, user: PageUser,
    q: Annotated[str | None, Query(max_length=500)] = None, product: Text = None,
    failure_mode: Text = None, kind: Text = None, lang: Text = None,
    offset: Offset = 0,
) -> HTMLResponse:  # fmt: skip
    """Search (ranked, with snippets) or browse (50 a page, newest edit first), filtered by
    product, failure mode, kind, language; the pages' links and the kind links keep the
    other filters."""
    hits = articles = None
    total = 0
    if q and q.strip():
        hits = search_articles(session, q, product=product or None, lang=lang or None,
                               failure_mode=failure_mode or None, limit=20,
                               statuses=service.visible_statuses(user))  # fmt: skip
    else:
        articles, total = service.list_articles(session, reader=user, kind=kind or None,
                                                lang=lang or None, product=product or None,
                                                failure_mode=failure_mode or None,
                                                limit=LIST_PAGE_SIZE, offset=offset)  # fmt: skip
    given = {"product": product, "failure_mode": failure_mode, "kind": kind, "lang": lang}
    kept = {name: value for name, value in given.items() if value}
    others = {name: value for name, value in kept.items() if name != "kind"}
    kind_links = {k.value: "/kb?" + urlencode(others | {"kind": k.value}) for k in ArticleKind}
    context = page_context(request, user, hits=hits, articles=articles, total=total,
                           offset=offset, page_size=LIST_PAGE_SIZE, q=q or "", kept=kept,
                           kind_links=kind_links,
                           all_kinds_link="/kb" + ("?" + urlencode(others) if others else ""),
                           **{name: value or "" for name, value in given.items()},
                           kinds=list(ArticleKind), can_write=service.can_write(user))  # fmt: skip
    return render(request, "kb/list.html", context)


@pages.get("/kb/new", response_class=HTMLResponse)
def new_page(request: Request, user: PageUser) -> HTMLResponse:
    demand_role(user, Role.ENGINEER)
    return _editor(request, user, None)


@pages.get("/kb/{article_id}", response_class=HTMLResponse)
def article_page(
    article_id: Id, request: Request, session: SessionDep, user: PageUser
) -> HTMLResponse:
    article = service.require_article(session, article_id, reader=user)
    others = service.translations(session, article)
    attached = files_of(session, article)
    html = markdown_html(article.body, file_addresses(article.id, attached))
    context = page_context(request, user, a=article, html=html, files=attached,
                           file_address=file_address, translations=others,
                           can_write=service.can_write(user),
                           statuses=list(ArticleStatus))  # fmt: skip
    return render(request, "kb/article.html", context)


@pages.get("/kb/{article_id}/edit", response_class=HTMLResponse)
def edit_page(
    article_id: Id, request: Request, session: SessionDep, user: PageUser
) -> HTMLResponse:
    demand_role(user, Role.ENGINEER)
    return _editor(request, user, service.require_article(session, article_id))


@pages.get("/kb/{article_id}/versions", response_class=HTMLResponse)
def versions_page(
    article_id: Id, request: Request, session: SessionDep, user: PageUser,
    old: int | None = None, new: int | None = None,
) -> HTMLResponse:  # fmt: skip
    """Every version; the difference between two (default: the last two)."""
    demand_role(user, Role.ENGINEER)
    article = service.require_article(session, article_id)
    found = service.versions(session, article_id)
    newer = new or article.version
    older = old or max(newer - 1, 1)
    diff = service.version_diff(session, article_id=article_id, old=older, new=newer)
    context = page_context(request, user, a=article, versions=found, diff=diff, old=older,
                           new=newer)  # fmt: skip
    return render(request, "kb/versions.html", context)


@pages.post("/kb")
async def create(
    request: Request, session: SessionDep, user: PageUser, csrf: Csrf = None
) -> Response:
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    try:
        values = ArticleInput.parse(dict(await request.form()))
        article = service.create_article(session, values=values, user_name=user.name)
    except QloopError as error:
        session.rollback()
        return RedirectResponse(f"/kb/new?error={quote(str(error))}", status_code=303)
    return RedirectResponse(f"/kb/{article.id}", status_code=303)


@pages.post("/kb/{article_id}")
async def update(
    article_id: Id, request: Request, session: SessionDep, user: PageUser, csrf: Csrf = None
) -> Response:
    form = dict(await request.form())
    return form_change(request, session, user, csrf, f"/kb/{article_id}", lambda: (
        service.update_article(session, article_id=article_id,
                               values=ArticleInput.parse(form), user_name=user.name)))  # fmt: skip


@pages.post("/kb/{article_id}/status")
def set_status(
    article_id: Id, request: Request, session: SessionDep, user: PageUser, status: Field = "",
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    return form_change(request, session, user, csrf, f"/kb/{article_id}", lambda: (
        service.set_status(session, article_id=article_id, status=status,
                           user_name=user.name)))  # fmt: skip


@pages.post("/plans/{plan_id}/kb-draft")
def draft(
    plan_id: Id, request: Request, session: SessionDep, user: PageUser, lang: Field = "en",
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    """The closed plan's lesson as a draft article, opened in the editor."""
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    article = draft_from_plan(session, plan_id=plan_id, user=user, lang=lang)
    return RedirectResponse(f"/kb/{article.id}/edit", status_code=303)


def _editor(request: Request, user: object, article: object) -> HTMLResponse:
    context = page_context(request, user, a=article, kinds=list(ArticleKind),  # type: ignore[arg-type]
                           statuses=list(ArticleStatus))  # fmt: skip
    return render(request, "kb/editor.html", context)
