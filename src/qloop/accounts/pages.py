"""The users page: admins add and disable users (``qloop user ...`` does the same)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts import service
from qloop.accounts.models import Role, User
from qloop.core.errors import InputError, InvalidTransition
from qloop.web.csrf import check_session_form
from qloop.web.deps import PageUser, SessionDep, demand_role, page_context, render

pages = APIRouter(include_in_schema=False)


def _users_page(
    request: Request, session: SessionDep, user: User, error: str = "", status: int = 200
) -> HTMLResponse:
    context = page_context(
        request, user, users=service.list_users(session), roles=list(Role), error=error
    )
    return render(request, "accounts/users.html", context, status)


@pages.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    demand_role(user, Role.ADMIN)
    return _users_page(request, session, user)


@pages.post("/users")
def add_user(
    request: Request,
    session: SessionDep,
    user: PageUser,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[Role, Form()],
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)
    try:
        service.create_user(session, name=name, password=password, role=role)
    except InputError as error:
        return _users_page(request, session, user, str(error), 422)
    return RedirectResponse("/users", status_code=303)


@pages.post("/users/{name}/disable")
def disable_user(
    name: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)
    if name == user.name:
        return _users_page(request, session, user, "you cannot disable yourself", 422)
    try:
        service.disable_user(session, name=name)
    except InvalidTransition as error:
        return _users_page(request, session, user, str(error), 409)
    return RedirectResponse("/users", status_code=303)
