"""Articles as Markdown files with YAML front matter, in and out (``qloop kb import|export``).

A file::

    ---
    id: phone-battery-swelling        # optional: a stable name; re-importing updates it
    title: Phone battery swelling
    kind: failure_case                # failure_case, repair_sop, faq, design_lesson
    lang: en                          # en or zh
    products: [PX9]                   # lists where the key is plural (a, b also works)
    failure_modes: [battery_swelling]
    tags: [battery, safety]
    status: published                 # optional, default published
    translation_of: telefon-akku      # optional: the id of the same article in the other language
    attachments: [phone-battery-swelling/swollen.jpg]   # optional: images and PDFs
    ---
    ## Symptoms
    ...

Images and PDFs travel in a folder beside the file (``kb/markdown_attachments.py``).
Every file is stored or named in the rejects file with its reason; the import is one
transaction, so a failure halfway stores nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.core.errors import InputError
from qloop.kb.fields import ArticleInput
from qloop.kb.files import sync
from qloop.kb.markdown_attachments import read_attachments, write_attachments
from qloop.kb.models import Article
from qloop.kb.service import create_article, link_translation, record_edit, update_article
from qloop.reports.csv_cells import csv_row

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.DOTALL)
MAX_FILE_BYTES = 1_000_000
#: the largest image or PDF an article brings (the CLI passes QLOOP_EVIDENCE_LIMIT_BYTES)
DEFAULT_ATTACHMENT_LIMIT = 20 * 1024 * 1024


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    rejects_path: Path | None = None


def parse_article_file(text: str, *, source: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a Markdown file; an ``InputError`` naming the file if bad."""
    match = _FRONT.match(text)
    if match is None:
        raise InputError("no YAML front matter (a '---' line, keys, a '---' line)", file=source)
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise InputError(f"the front matter is not YAML: {error}", file=source) from None
    if not isinstance(front, dict):
        raise InputError("the front matter is not a set of keys", file=source)
    return {str(k): v for k, v in front.items()}, match.group(2).strip() + "\n"


def import_directory(
    session: Session,
    directory: Path,
    *,
    user_name: str,
    on_file: Callable[[Path], None] | None = None,
    attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT,
) -> ImportResult:
    """Import every ``*.md`` below ``directory``; bad files go to ``<dir>.rejects.csv``."""
    if not directory.is_dir():
        raise InputError("not a directory", file=str(directory))
    result = ImportResult()
    links: list[tuple[int, str, str]] = []
    seen: dict[str, str] = {}  # id -> the file that had it, in this import
    for path in sorted(directory.rglob("*.md")):
        if on_file is not None:
            on_file(path)
        try:
            article, outcome, translation_of = _import_file(
                session, path, user_name, seen, (directory, attachment_limit)
            )
        except InputError as error:
            result.rejected.append((str(path.relative_to(directory)), error.reason))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
        if translation_of:
            links.append((article.id, translation_of, str(path.relative_to(directory))))
    for article_id, other_slug, source in links:
        other = session.scalar(select(Article).where(Article.slug == other_slug))
        if other is None:
            result.rejected.append((source, f"translation_of: no article {other_slug!r}"))
            continue
        try:
            link_translation(session, article_id=article_id, other_id=other.id,
                             user_name=user_name)  # fmt: skip
        except InputError as error:
            result.rejected.append((source, f"translation_of: {error.reason}"))
    if result.rejected:
        folder = directory.resolve()  # "." has no name of its own
        result.rejects_path = folder.with_name(f"{folder.name or 'kb'}.rejects.csv")
        with result.rejects_path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "reason"])
            writer.writerows(csv_row(row) for row in result.rejected)
    return result


def _import_file(
    session: Session, path: Path, user_name: str, seen: dict[str, str],
    folder: tuple[Path, int],
) -> tuple[Article, str, str | None]:  # fmt: skip
    source = path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"larger than {MAX_FILE_BYTES:,} bytes", file=source)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=source) from None
    front, body = parse_article_file(text, source=source)
    values = ArticleInput.parse(front | {"body": body, "status": front.get("status")
                                         or "published"}, file=source)  # fmt: skip
    wanted = read_attachments(path, folder[0], front, body, folder[1])  # before any change
    slug = str(front["id"]).strip() if front.get("id") else None
    translation_of = str(front["translation_of"]).strip() if front.get("translation_of") else None
    existing = None
    if slug:
        if slug in seen:
            raise InputError(f"id {slug!r} is the id of {seen[slug]} too", file=source,
                             column="id")  # fmt: skip
        seen[slug] = source
        existing = session.scalar(select(Article).where(Article.slug == slug))
        exported = re.fullmatch(r"article-(\d{1,9})", slug)
        if existing is None and exported:  # an export of an article that had no slug
            found = session.get(Article, int(exported.group(1)))
            if found is not None and found.slug is None:
                found.slug, existing = slug, found
    if existing is None:

        def with_files(new: Article) -> None:
            sync(session, new, wanted, user_name)

        article = create_article(session, values=values, user_name=user_name, slug=slug,
                                 complete=with_files)  # fmt: skip
        return article, "created", translation_of
    version = existing.version
    files_changed = sync(session, existing, wanted, user_name)
    article = update_article(session, article_id=existing.id, values=values, user_name=user_name)
    if files_changed and article.version == version:
        record_edit(session, article, user_name)  # the files are the edit
    return article, "updated" if article.version != version else "unchanged", translation_of


def article_file(article: Article, slugs: dict[int, str], attachments: Sequence[str] = ()) -> str:
    """The Markdown file of an article (what :func:`import_directory` reads back)."""
    others = [slugs[a] for a in slugs if a != article.id]
    front: dict[str, Any] = {
        "id": slugs[article.id], "title": article.title, "kind": article.kind.value,
        "lang": article.lang, "products": list(article.products),
        "failure_modes": list(article.failure_modes), "tags": list(article.tags),
        "status": article.status.value,
    }  # fmt: skip
    if article.translation_group is not None and others:
        front["translation_of"] = others[0]
    if attachments:
        front["attachments"] = list(attachments)
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return f"---\n{head}---\n{article.body.rstrip()}\n"


def export_directory(session: Session, directory: Path) -> int:
    """Write every article as ``<id>.md`` (its files in the folder ``<id>/``); the number
    written."""
    directory.mkdir(parents=True, exist_ok=True)
    articles = list(session.scalars(select(Article).order_by(Article.id)))
    slug_of = {a.id: a.slug or f"article-{a.id}" for a in articles}
    groups: dict[int, dict[int, str]] = {}
    for a in articles:
        if a.translation_group is not None:
            groups.setdefault(a.translation_group, {})[a.id] = slug_of[a.id]
    used: set[str] = set()  # file names taken, case-folded (for case-blind file systems)
    for a in articles:
        mates = groups.get(a.translation_group, {}) if a.translation_group is not None else {}
        name = re.sub(r"[^\w.-]+", "-", slug_of[a.id]).strip("-") or f"article-{a.id}"
        if name.casefold() in used:  # "a/b" and "a-b": one file each, not one overwritten
            name = f"{name}-{a.id}"
        used.add(name.casefold())
        attached = write_attachments(session, a, directory, name)
        text = article_file(a, {a.id: slug_of[a.id]} | mates, attached)
        (directory / f"{name}.md").write_text(text, encoding="utf-8")
    return len(articles)
