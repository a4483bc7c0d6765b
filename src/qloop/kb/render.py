"""Markdown to HTML for article pages and the editor's preview: CommonMark with tables,
raw HTML in the source shown as text (never run: articles come from many hands), and
links limited to http(s), mailto and relative addresses.

An image or link whose address is an attached file's name (``swollen.jpg``, or a relative
path ending in it, as in a Markdown file exported next to its folder of files) points at
that file: the body names its pictures the way its author saved them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

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


def markdown_html(text: str, files: Mapping[str, str] | None = None) -> str:
    """The article body as HTML, safe to put in a page as it is; ``files`` maps attached
    file names to their addresses."""
    parser = _parser()
    tokens = parser.parse(text or "")
    if files:
        _point_at_files(tokens, files)
    html: str = parser.renderer.render(tokens, parser.options, {})
    return html


def addresses(text: str) -> list[str]:
    """Every image and link address in a Markdown text, in order."""
    found = (token.attrGet(key) for token, key in _addressed(_parser().parse(text or "")))
    return [str(address) for address in found if address]


def is_relative(address: str) -> bool:
    """An address relative to the page or file it stands in: no scheme, no leading slash
    (or backslash), not a fragment."""
    return (
        bool(address)
        and not address.startswith((*_SAFE_SCHEMES, "\\"))
        and (":" not in address.split("/")[0])
    )


def attached_name(url: str, names: Mapping[str, str] | set[str]) -> str | None:
    """The attached file a relative address names (its last part), or None."""
    address = url.strip()
    if not is_relative(address):
        return None
    last = unquote(address.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1])
    return last if last in names else None


def _addressed(tokens: list[Token]) -> Iterator[tuple[Token, str]]:
    """Every image (``src``) and link (``href``) token, depth first, with its address key."""
    for token in tokens:
        if token.children:
            yield from _addressed(token.children)
        if token.type == "image":
            yield token, "src"
        elif token.type == "link_open":
            yield token, "href"


def _point_at_files(tokens: list[Token], files: Mapping[str, str]) -> None:
    for token, key in _addressed(tokens):
        name = attached_name(str(token.attrGet(key) or ""), files)
        if name is not None:
            token.attrSet(key, files[name])
