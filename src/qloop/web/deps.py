"""Request dependencies: one database transaction per request, and who is asking.

A caller is known by a bearer token (API clients) or by the session cookie
(pages). Roles rank viewer < owner < engineer < admin; an endpoint asks for
the lowest role it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from qloop.accounts import service as accounts
from qloop.accounts.models import Role, User
from qloop.core import i18n
from qloop.core.db import session_scope
from qloop.core.settings import Settings

SESSION_COOKIE = "qloop_session"
#: a record number in a path: one every database binds (past 2**63 SQLite cannot, a 500),
#: and none is ever larger in qloop's tables
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: where a page of a list starts: bounded the same way, an offset every database binds
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
RANK = {Role.VIEWER: 0, Role.OWNER: 1, Role.ENGINEER: 2, Role.ADMIN: 3}


def demand_role(user: User, role: Role) -> None:
    """Refuse a page action (403) to a user below ``role``."""
    if not has_role(user, role):
        raise HTTPException(403, f"this needs the {role} role; you are {user.role}")


def has_role(user: User, role: Role) -> bool:
    """Whether the user may do what ``role`` may (each role includes the ones below it)."""
    return RANK[user.role] >= RANK[role]


def database(request: Request) -> Iterator[Session]:
    """The request's session: committed when the request succeeds, rolled back otherwise."""
    with session_scope(request.app.state.engine) as session:
        yield session


#: scope="function": the transaction commits before the response leaves, so a client that
#: follows a redirect or a 201 at once always finds what was stored
SessionDep = Annotated[Session, Depends(database, scope="function")]


def caller(request: Request, session: SessionDep) -> User | None:
    """The user behind the bearer token or the session cookie, if any."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return accounts.token_user(session, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = accounts.session_user(session, cookie)
        if found is not None:
            request.state.login = found[1]
            return found[0]
    return None


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def require(role: Role) -> Callable[..., User]:
    """A dependency that lets through users of ``role`` or above: 401 anonymous, 403 below.

    A change made with the session cookie (the pages' own scripts) must also carry
    the session's CSRF token in ``X-CSRF-Token``; bearer tokens need none.
    """

    def check(request: Request, user: Annotated[User | None, Depends(caller)]) -> User:
        if user is None:
            raise HTTPException(401, "log in, or send an API token as 'Authorization: Bearer'")
        if not has_role(user, role):
            raise HTTPException(403, f"this needs the {role} role; you are {user.role}")
        login = getattr(request.state, "login", None)
        if login is not None and request.method not in SAFE_METHODS:
            from qloop.web.csrf import check_session_form

            check_session_form(request, request.headers.get("x-csrf-token"))
        return user

    return check


Reader = Annotated[User, Depends(require(Role.VIEWER))]
OwnerRole = Annotated[User, Depends(require(Role.OWNER))]
Engineer = Annotated[User, Depends(require(Role.ENGINEER))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]


class LoginRequired(Exception):
    """A page was asked for without a login: the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_user(request: Request, user: Annotated[User | None, Depends(caller)]) -> User:
    if user is None:
        query = request.url.query
        raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
    return user


PageUser = Annotated[User, Depends(page_user)]


def app_settings(request: Request) -> Settings:
    """The settings the app was built with (tests build apps with their own)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def form_secret(request: Request, session: Session) -> str:
    """The key that signs anonymous forms: the setting, else one kept in the database."""
    configured: str | None = request.app.state.settings.secret_key
    return configured or accounts.app_secret(session, "form_key")


LANGUAGE_COOKIE = "qloop_lang"


def request_locale(request: Request, user: User | None) -> str:
    """The user's language, else the language cookie, else what the browser asks for."""
    chosen = (user.locale if user is not None else None) or request.cookies.get(LANGUAGE_COOKIE)
    return i18n.negotiate(chosen, request.headers.get("accept-language"))


def page_context(request: Request, user: User | None, **values: object) -> dict[str, object]:
    """What every page template needs: the user, the CSRF token for its forms, the language."""
    login = getattr(request.state, "login", None)
    locale = request_locale(request, user)
    return {
        "user": user,
        "csrf": login.csrf_token if login is not None else "",
        "locale": locale,
        "chinese": locale.startswith("zh"),
        "locale_names": i18n.LOCALE_NAMES,
        "_": i18n.gettext_for(locale),
        "label": i18n.label_for(locale),
        **values,
    }


def render(
    request: Request, template: str, context: dict[str, object], status: int = 200
) -> HTMLResponse:
    """A page from the app's templates."""
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    return response
