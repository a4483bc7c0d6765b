"""An article's files in its pages: shown where the body names them, attached and removed
by engineers from the article page (``/api/v1/kb/{id}/files`` is the JSON twin)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request, UploadFile
from fastapi.responses import Response

from qloop.kb import files
from qloop.kb.models import ArticleFile
from qloop.web.deps import PageUser, RecordId, SessionDep, SettingsDep
from qloop.web.downloads import attachment, content_disposition
from qloop.web.form_changes import form_change

pages = APIRouter(include_in_schema=False)
Id = RecordId
Csrf = Annotated[str | None, Form()]


def file_address(article_id: int, name: str) -> str:
    return f"/kb/{article_id}/files/{quote(name, safe='')}"


def file_addresses(article_id: int, found: list[ArticleFile]) -> dict[str, str]:
    """Name -> address, for the body's images and links (``render.markdown_html``)."""
    return {f.name: file_address(article_id, f.name) for f in found}


def served(found: ArticleFile, data: bytes) -> Response:
    """An image as itself (its type checked at upload; a sandbox forbids anything active),
    a PDF as a download."""
    if not files.is_image(found.content_type):
        return attachment(data, found.name, found.content_type)
    headers = {
        "Content-Disposition": content_disposition(found.name, inline=True),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=300",
    }
    return Response(data, media_type=found.content_type, headers=headers)


@pages.get("/kb/{article_id}/files/{name}")
def open_file(
    article_id: Id, name: Annotated[str, Path(max_length=300)], session: SessionDep,
    user: PageUser,
) -> Response:  # fmt: skip
    found, data = files.file_by_name(session, article_id=article_id, name=name, reader=user)
    return served(found, data)


@pages.post("/kb/{article_id}/files")
async def upload(
    article_id: Id, request: Request, file: UploadFile, session: SessionDep, user: PageUser,
    settings: SettingsDep, csrf: Csrf = None,
) -> Response:  # fmt: skip
    limit = settings.evidence_limit_bytes
    data = await file.read(limit + 1)  # more than the limit: refused by attach, by name
    name = file.filename or ""
    return form_change(request, session, user, csrf, f"/kb/{article_id}#files", lambda: (
        files.attach(session, article_id=article_id, name=name, data=data,
                     user_name=user.name, limit=limit)))  # fmt: skip


@pages.post("/kb/{article_id}/files/{file_id}/remove")
def remove(
    article_id: Id, file_id: Id, request: Request, session: SessionDep, user: PageUser,
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    return form_change(
        request,
        session,
        user,
        csrf,
        f"/kb/{article_id}#files",
        lambda: files.remove(session, article_id=article_id, file_id=file_id, user_name=user.name),
    )
