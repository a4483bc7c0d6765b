"""An article's fields, checked the same way from the editor, JSON and Markdown files.

The body (Markdown) is the article; symptoms, root cause, fix and SOP steps are read from
its sections (``## Symptoms`` / ``## 症状``, ``## Root cause`` / ``## 根本原因``, ``## Fix`` /
``## 解决方法``, ``## Steps`` / ``## 步骤`` with a numbered list), so an article written once
fills both the page and the structured fields search and suggestions weigh."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from qloop.core.errors import InputError
from qloop.core.storable import unstorable
from qloop.kb.models import Article, ArticleKind, ArticleStatus

LANGS = ("en", "zh")
TEXT_LIMIT = 100_000
SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "symptoms": ("symptoms", "symptom", "症状", "故障现象", "现象"),
    "root_cause": ("root cause", "cause", "根本原因", "根因", "原因"),
    "fix": ("fix", "solution", "repair", "resolution", "remedy", "what to do", "解决方法",
            "解决方案", "解决", "处理方法", "处理", "维修方法", "对策", "措施"),
    "steps": ("steps", "procedure", "步骤", "操作步骤", "维修步骤", "处理步骤"),
}  # fmt: skip
_HEADING = re.compile(r"^#{2,3}\s+(.+?)\s*#*\s*$", re.MULTILINE)
#: ``1. x``, ``1) x``, ``- x``, and ``1、x`` (Chinese writes no space after 、)
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]\s+|\d+、\s*|[-*+]\s+)(.*\S)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ArticleInput:
    title: str
    kind: ArticleKind
    lang: str
    body: str
    products: tuple[str, ...] = ()
    failure_modes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: ArticleStatus = ArticleStatus.DRAFT
    owner: str | None = None

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, file: str | None = None) -> ArticleInput:
        def fail(column: str, reason: str) -> InputError:
            return InputError(reason, file=file, column=column)

        title = _text(values.get("title"), 300, "title", file)
        if not title:
            raise fail("title", "an article needs a title")
        try:
            kind = ArticleKind(str(values.get("kind") or "failure_case").strip())
        except ValueError:
            allowed = ", ".join(k.value for k in ArticleKind)
            raise fail("kind", f"kind {values.get('kind')!r} is not one of {allowed}") from None
        lang = str(values.get("lang") or "en").strip().lower().replace("zh_cn", "zh")
        lang = "zh" if lang.startswith("zh") else lang
        if lang not in LANGS:
            raise fail("lang", f"lang {values.get('lang')!r} is not en or zh")
        try:
            status = ArticleStatus(str(values.get("status") or "draft").strip())
        except ValueError:
            allowed = ", ".join(s.value for s in ArticleStatus)
            raise fail(
                "status", f"status {values.get('status')!r} is not one of {allowed}"
            ) from None
        body = normalized_body(str(values.get("body") or ""))
        if len(body) > TEXT_LIMIT or unstorable(body):
            raise fail("body", f"the body holds at most {TEXT_LIMIT:,} characters, no NUL")
        lists = {}
        for name in ("products", "failure_modes", "tags"):
            try:
                lists[name] = listed(values.get(name))
            except ValueError as error:
                raise fail(name, str(error)) from None
        owner = _text(values.get("owner"), 100, "owner", file) or None
        return cls(title=title, kind=kind, lang=lang, body=body, status=status, owner=owner,
                   **lists)  # fmt: skip

    def columns(self) -> dict[str, Any]:
        """The article's stored columns, the structured fields read from the body."""
        sections = body_sections(self.body)
        values = asdict(self)
        for name in ("products", "failure_modes", "tags"):
            values[name] = list(values[name])
        return values | {
            "symptoms": sections.get("symptoms"),
            "root_cause": sections.get("root_cause"),
            "fix": sections.get("fix"),
            "steps": list_items(sections.get("steps") or ""),
        }


def snapshot(article: Article) -> dict[str, Any]:
    """What a version keeps: everything a reader sees."""
    return {"title": article.title, "kind": article.kind.value, "lang": article.lang,
            "status": article.status.value, "owner": article.owner,
            "products": list(article.products), "failure_modes": list(article.failure_modes),
            "tags": list(article.tags), "attachments": list(article.attachments or []),
            "body": article.body}  # fmt: skip


def listed(raw: Any) -> tuple[str, ...]:
    """A list from a YAML/JSON list, or from text separated by commas (``a, b``; ``，`` too)."""
    if raw is None or raw == "":
        return ()
    items = raw if isinstance(raw, list | tuple) else re.split(r"[,，;；]", str(raw))
    cleaned = [str(item).strip() for item in items if str(item).strip()]
    if any(len(item) > 100 or unstorable(item) for item in cleaned) or len(cleaned) > 50:
        raise ValueError("at most 50 entries of at most 100 characters each")
    return tuple(dict.fromkeys(cleaned))


def normalized_body(body: str) -> str:
    """Line ends as ``\n`` (a browser sends a textarea's as ``\r\n``), no blank lines at the
    start, no trailing spaces at the end and one final newline: the same text saved from
    the editor, JSON or a Markdown file is the same body (so no version without a change)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return re.sub(r"\A(?:[ \t]*\n)+", "", text) + "\n" if text else ""


def body_sections(body: str) -> dict[str, str]:
    """The text under each known ``##`` heading, by field name (first heading wins)."""
    found: dict[str, str] = {}
    headings = list(_HEADING.finditer(body))
    for number, heading in enumerate(headings):
        name = heading.group(1).strip().rstrip(":：").lower()
        field = next((f for f, names in SECTION_NAMES.items() if name in names), None)
        if field is None or field in found:
            continue
        end = headings[number + 1].start() if number + 1 < len(headings) else len(body)
        text = body[heading.end() : end].strip()
        if text:
            found[field] = text
    return found


def list_items(text: str) -> list[str]:
    return [match.group(1) for match in _LIST_ITEM.finditer(text)]


def _text(raw: Any, limit: int, column: str, file: str | None) -> str:
    text = "" if raw is None else str(raw).strip()
    if len(text) > limit or unstorable(text):
        raise InputError(f"at most {limit} characters, without NUL", file=file, column=column)
    return text
