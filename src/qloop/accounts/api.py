"""Login and logout pages: a session cookie for people, bearer tokens are for programs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts import service
from qloop.core.i18n import LOCALES
from qloop.web import csrf
from qloop.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    PageUser,
    SessionDep,
    form_secret,
    page_context,
    render,
)
from qloop.web.redirects import local_path

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    session: SessionDep,
    *,
    name: str = "",
    error: str = "",
    next_path: str = "/",
    status: int = 200,
) -> Response:
    token = csrf.new_cookie_token()
    context = page_context(request, None, name=name, error=error, next=local_path(next_path))
    context["csrf"] = csrf.sign(form_secret(request, session), token)
    page = render(request, "accounts/login.html", context, status)
    page.set_cookie(
        csrf.CSRF_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return page


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/") -> Response:
    return _login_page(request, session, next_path=next)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_field: Annotated[str | None, Form(alias="csrf")] = None,
    next_path: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Check the form's origin, then the password (ten failures lock the account)."""
    csrf.check_anonymous_form(request, form_secret(request, session), csrf_field)
    outcome = service.authenticate(session, name=name, password=password)
    if outcome.user is None:
        return _login_page(
            request,
            session,
            name=name,
            error=outcome.refused or "",
            next_path=next_path,
            status=401,
        )
    hours = request.app.state.settings.session_hours
    _login, token = service.start_session(
        session, user=outcome.user, lifetime=dt.timedelta(hours=hours)
    )
    response = RedirectResponse(local_path(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(csrf.CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    _user: PageUser,
    csrf_field: Annotated[str | None, Form(alias="csrf")] = None,
) -> Response:
    csrf.check_session_form(request, csrf_field)
    service.end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/language/{locale}")
def choose_language(locale: str, request: Request, next: str = "/") -> Response:
    """Switch the pages' language for this browser (a cookie; nothing stored server-side).

    A GET must not change stored data, so the account's own language is set by
    the POST below, from a form with a CSRF token.
    """
    if locale not in LOCALES:
        raise HTTPException(404, f"no language {locale}; there are {', '.join(LOCALES)}")
    return _language_response(request, locale, next)


@router.post("/language")
def save_language(
    request: Request,
    user: PageUser,
    locale: Annotated[str, Form()],
    csrf_field: Annotated[str | None, Form(alias="csrf")] = None,
    next_path: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Keep a logged-in user's language in the account (and in the cookie)."""
    csrf.check_session_form(request, csrf_field)
    if locale not in LOCALES:
        raise HTTPException(422, f"no language {locale}; there are {', '.join(LOCALES)}")
    user.locale = locale
    return _language_response(request, locale, next_path)


def _language_response(request: Request, locale: str, next_path: str) -> Response:
    response = RedirectResponse(local_path(next_path), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response
