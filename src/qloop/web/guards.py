"""Requests no database can take, refused before they reach one.

PostgreSQL cannot store or compare a NUL character in text, SQLite can: a NUL
in the URL would make the same request a 500 on one database and a miss on
the other. It is refused for every request, as a 400 with a problem body.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from qloop.web.problems import problem


class RefuseNulCharacters:
    """ASGI middleware: a NUL in the path or the query string is a bad request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "")
            or b"%00" in scope.get("query_string", b"")
            or b"\x00" in scope.get("query_string", b"")
        ):
            response = problem(400, "the address contains a NUL character")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def unstorable(text: str) -> bool:
    """A NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8 at all) in the text."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def has_nul(value: Any) -> bool:
    """Whether a value, or any string inside it, holds text no database can store."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False
