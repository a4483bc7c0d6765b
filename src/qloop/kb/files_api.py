"""``/api/v1/kb/{id}/files``: an article's images and PDFs, listed, uploaded (multipart),
downloaded and removed. Readers get the files of the articles they may read; engineers
attach and remove, and also read the removed files the older versions showed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, UploadFile

from qloop.kb import files
from qloop.kb.file_pages import file_address
from qloop.kb.models import ArticleFile
from qloop.kb.schemas import ArticleFileRead
from qloop.kb.service import can_write, require_article
from qloop.web.deps import Engineer, Reader, RecordId, SessionDep, SettingsDep
from qloop.web.downloads import attachment
from qloop.web.uploads import read_limited

router = APIRouter(prefix="/api/v1", tags=["knowledge base"])
Id = RecordId


def _read(article_id: int, found: ArticleFile) -> ArticleFileRead:
    return ArticleFileRead.of(found, url=f"/api/v1/kb/{article_id}/files/{found.id}",
                              page_url=file_address(article_id, found.name))  # fmt: skip


@router.get("/kb/{article_id}/files", response_model=list[ArticleFileRead])
def list_files(
    article_id: Id, session: SessionDep, user: Reader,
    removed: Annotated[bool, Query(description="also removed files (engineers)")] = False,
) -> list[ArticleFileRead]:  # fmt: skip
    article = require_article(session, article_id, reader=user)
    found = files.files_of(session, article, removed=removed and can_write(user))
    return [_read(article_id, f) for f in found]


@router.post("/kb/{article_id}/files", response_model=ArticleFileRead, status_code=201)
async def upload(
    article_id: Id, file: UploadFile, session: SessionDep, settings: SettingsDep,
    user: Engineer,
) -> ArticleFileRead:  # fmt: skip
    """Attach an image (PNG, JPEG, GIF, WebP) or a PDF; a file of the same name is
    replaced. The body shows it where it names it: ``![caption](name.jpg)``."""
    data = await read_limited(file, settings.evidence_limit_bytes)
    found = files.attach(session, article_id=article_id, name=file.filename or "", data=data,
                         user_name=user.name, limit=settings.evidence_limit_bytes)  # fmt: skip
    return _read(article_id, found)


@router.get("/kb/{article_id}/files/{file_id}")
def download(article_id: Id, file_id: Id, session: SessionDep, user: Reader) -> Response:
    found, data = files.file_by_id(session, article_id=article_id, file_id=file_id,
                                   reader=user)  # fmt: skip
    return attachment(data, found.name, found.content_type)


@router.delete("/kb/{article_id}/files/{file_id}", status_code=204)
def remove(article_id: Id, file_id: Id, session: SessionDep, user: Engineer) -> Response:
    """Remove the file from the article: a new version; the older ones still show it."""
    files.remove(session, article_id=article_id, file_id=file_id, user_name=user.name)
    return Response(status_code=204)
