"""Markdown to HTML for article pages and the editor's preview: CommonMark with tables,
raw HTML in the source shown as text (never run: articles come from many hands), and
links limited to http(s), mailto and relative addresses."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

_SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table")
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    return parser


def _safe_link(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(_SAFE_SCHEMES) or ":" not in lowered.split("/")[0]


def markdown_html(text: str) -> str:
    """The article body as HTML, safe to put in a page as it is."""
    html: str = _parser().render(text or "")
    return html
