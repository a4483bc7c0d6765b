"""Requests no database can take, refused before they reach one.

PostgreSQL cannot store or compare a NUL character in text, SQLite can: a NUL
in the URL would make the same request a 500 on one database and a miss on
the other. It is refused for every request, as a 400 with a problem body.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from qloop.core.storable import has_nul, unstorable
from qloop.web.problems import problem

__all__ = ["RefuseNulCharacters", "UploadGate", "has_nul", "unstorable"]


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


#: requests whose body is judged by its headers alone, before it is read:
#: (method, path pattern, least role, byte limit: a number, or a setting's and the room a
#: form adds around the file it carries: boundaries, headers, other fields)
Limit = int | tuple[str, int]
FORM_ROOM = 64 * 1024
GATED: tuple[tuple[str, re.Pattern[str], str, Limit], ...] = tuple(
    (method, re.compile(pattern), role, limit)
    for method, pattern, role, limit in (
        ("POST", r"/api/v1/imports/.*", "engineer", ("upload_limit_bytes", 0)),
        ("POST", r"/imports", "engineer", ("upload_limit_bytes", 0)),
        ("POST", r"/taxonomy/import", "admin", 2 * 1024 * 1024),
        ("PUT", r"/api/v1/taxonomy", "admin", 2 * 1024 * 1024),
        ("POST", r"/api/v1/classify", "viewer", 20 * 1024 * 1024),
        ("POST", r"(/api/v1)?/plans/\d+/files", "owner", ("evidence_limit_bytes", FORM_ROOM)),
        ("POST", r"(/api/v1)?/kb/\d+/files", "engineer", ("evidence_limit_bytes", FORM_ROOM)),
        ("POST", r"/investigations/\d+/five-why(/\d+)?", "engineer", 5 * 1024 * 1024),
        ("POST", r"/investigations/\d+/fmea/import", "engineer", 5 * 1024 * 1024),
    )
)


def _gate(method: str, path: str) -> tuple[str, Limit] | None:
    for gated_method, pattern, role, limit in GATED:
        if method == gated_method and pattern.fullmatch(path):
            return role, limit
    return None


class UploadGate:
    """ASGI middleware: an upload is refused before its body is read.

    FastAPI reads a body before any dependency runs, so for the requests in
    ``GATED`` (file uploads, taxonomy replacements, classification batches) the
    size limit, the login and the role are checked here, from the headers alone:
    no Content-Length (411) or more than the limit (413); no valid token or
    session (401); a role below the one the request needs (403).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate = _gate(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if gate is not None:
            refusal = self._refusal(scope, *gate)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, role_name: str, own_limit: Limit) -> Any:
        from starlette.requests import Request

        from qloop.accounts import service as accounts
        from qloop.accounts.models import Role
        from qloop.core.db import session_scope
        from qloop.web.deps import SESSION_COOKIE, has_role

        request = Request(scope)
        if isinstance(own_limit, int):
            limit = own_limit
        else:
            setting, room = own_limit
            limit = int(getattr(request.app.state.settings, setting)) + room
        declared = request.headers.get("content-length", "")
        if not declared.isdigit():
            return problem(411, "send the upload with a Content-Length")
        if int(declared) > limit:
            return problem(413, f"the upload is larger than the limit of {limit:,} bytes")
        with session_scope(request.app.state.engine) as session:
            header = request.headers.get("authorization", "")
            user = None
            if header[:7].lower() == "bearer ":
                user = accounts.token_user(session, header[7:].strip())
            elif cookie := request.cookies.get(SESSION_COOKIE):
                found = accounts.session_user(session, cookie)
                user = found[0] if found else None
            if user is None:
                return problem(401, "log in, or send an API token as 'Authorization: Bearer'")
            role = Role(role_name)
            if not has_role(user, role):
                return problem(403, f"this needs the {role} role; you are {user.role}")
        return None
