"""Images and PDFs attached to knowledge-base articles.

A file is known by its name within its article: the body refers to it by that name
(``![Swollen cell](swollen.jpg)``) and the page shows it there. Only images a browser shows
safely (PNG, JPEG, GIF, WebP) and PDF are taken, recognised by their first bytes, never by
the name or the type the uploader claims. Attaching, replacing (same name) and removing
are edits: each makes a new version listing the article's files, and a removed file is
kept, marked removed, so the versions that showed it stay whole.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.core.clock import now
from qloop.core.errors import InputError, NotFound
from qloop.core.storable import unstorable
from qloop.kb.models import Article, ArticleFile
from qloop.kb.service import can_write, record_edit, require_article

#: what the first bytes say, in the order they are tried
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),  # after "RIFF" and a length
    (b"%PDF-", 0, "application/pdf"),
)
ALLOWED_NAMES = "PNG, JPEG, GIF, WebP or PDF"
MAX_NAME = 255


def detected_type(data: bytes) -> str | None:
    """The file's type from its first bytes, or None when it is none of the allowed ones."""
    for magic, offset, media_type in SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (offset == 0 or data[:4] == b"RIFF"):
            return media_type
    return None


def is_image(media_type: str) -> bool:
    return media_type.startswith("image/")


def clean_name(name: str) -> str:
    """The file's own name (no folders), as a body can refer to it; InputError if none."""
    raw = (name or "").replace("\\", "/").strip()
    base = "" if raw.endswith("/") else PurePath(raw).name.strip()  # a folder names no file
    base = "".join(ch for ch in base if ch.isprintable())
    if not base or base in {".", ".."}:
        raise InputError("the file has no name", file=name or None)
    if unstorable(base):
        raise InputError("the name holds a character no database stores", file=base)
    if len(base) > MAX_NAME:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot else base[:MAX_NAME]
    return base


def attach(
    session: Session, *, article_id: int, name: str, data: bytes, user_name: str, limit: int
) -> ArticleFile:
    """Attach a file; one of the same name is replaced (kept, marked removed)."""
    article = require_article(session, article_id)
    shown = checked(name, data, limit)
    found, changed = _put(session, article, shown, data, user_name)
    if changed:
        record_edit(session, article, user_name)
    return found


def sync(session: Session, article: Article, wanted: dict[str, bytes], user_name: str) -> bool:
    """Make the article's files exactly ``wanted`` (name -> bytes, checked by the caller
    with :func:`checked`), without recording a version: True if anything changed."""
    changed = False
    for current in files_of(session, article):
        if current.name not in wanted:
            current.removed_at, current.removed_by = now(), user_name
            changed = True
    for name, data in wanted.items():
        changed = _put(session, article, name, data, user_name)[1] or changed
    changed = changed or list(article.attachments) != list(wanted)
    article.attachments = list(wanted)
    session.flush()
    return changed


def checked(name: str, data: bytes, limit: int) -> str:
    """The name a file will be kept under; InputError if it would be refused."""
    shown = clean_name(name)
    if not data:
        raise InputError("the file is empty", file=shown)
    if len(data) > limit:
        raise InputError(f"{len(data):,} bytes; at most {limit:,} are kept", file=shown)
    if detected_type(data) is None:
        raise InputError(f"not an image or PDF: only {ALLOWED_NAMES} files are attached",
                         file=shown)  # fmt: skip
    return shown


def _put(
    session: Session, article: Article, name: str, data: bytes, user_name: str
) -> tuple[ArticleFile, bool]:
    """Keep ``data`` (passed by :func:`checked`) as the article's file ``name``, replacing
    another of that name."""
    digest = hashlib.sha256(data).hexdigest()
    current = _active(session, article.id, name)
    if current is not None and current.sha256 == digest:
        return current, False  # the same file again: no edit
    stamp = now()
    if current is not None:
        current.removed_at, current.removed_by = stamp, user_name
    media_type = detected_type(data) or "application/octet-stream"
    found = ArticleFile(article_id=article.id, name=name, content_type=media_type,
                        size=len(data), data=data, sha256=digest, uploaded_at=stamp,
                        uploaded_by=user_name)  # fmt: skip
    session.add(found)
    article.attachments = [*(n for n in article.attachments if n != name), name]
    session.flush()
    return found, True


def remove(session: Session, *, article_id: int, file_id: int, user_name: str) -> None:
    """Remove a file from the article (kept for the versions that showed it)."""
    article = require_article(session, article_id)
    found = session.get(ArticleFile, file_id)
    if found is None or found.article_id != article.id or found.removed_at is not None:
        raise NotFound(f"article {article_id} has no file {file_id}")
    found.removed_at, found.removed_by = now(), user_name
    article.attachments = [n for n in article.attachments if n != found.name]
    record_edit(session, article, user_name)


def files_of(session: Session, article: Article, *, removed: bool = False) -> list[ArticleFile]:
    """The article's files in upload order; with ``removed``, also the removed ones."""
    query = select(ArticleFile).where(ArticleFile.article_id == article.id)
    if not removed:
        query = query.where(ArticleFile.removed_at.is_(None))
    return list(session.scalars(query.order_by(ArticleFile.id)))


def file_by_name(
    session: Session, *, article_id: int, name: str, reader: User
) -> tuple[ArticleFile, bytes]:
    """A current file of an article the reader may read."""
    article = require_article(session, article_id, reader=reader)
    found = _active(session, article.id, name)
    if found is None:
        raise NotFound(f"article {article_id} has no file {name!r}")
    return found, found.data or b""


def file_by_id(
    session: Session, *, article_id: int, file_id: int, reader: User
) -> tuple[ArticleFile, bytes]:
    """A file of an article the reader may read; a removed one for writers only (they
    read the versions that showed it)."""
    article = require_article(session, article_id, reader=reader)
    found = session.get(ArticleFile, file_id)
    if (found is None or found.article_id != article.id
            or (found.removed_at is not None and not can_write(reader))):  # fmt: skip
        raise NotFound(f"article {article_id} has no file {file_id}")
    return found, found.data or b""


def _active(session: Session, article_id: int, name: str) -> ArticleFile | None:
    query = select(ArticleFile).where(
        ArticleFile.article_id == article_id,
        ArticleFile.name == name,
        ArticleFile.removed_at.is_(None),
    )
    return session.scalars(query.order_by(ArticleFile.id.desc())).first()
