"""CSRF protection for every form post.

Logged in, a form carries the login session's own random token. On the login
form there is no session yet, so a random cookie is paired with a form field
holding its HMAC under the app's secret key (a signed double-submit cookie):
another site can make a browser send the cookie, but cannot read it or sign it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request

CSRF_COOKIE = "qloop_csrf"


def new_cookie_token() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def check_anonymous_form(request: Request, secret: str, field: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not field or not hmac.compare_digest(sign(secret, cookie), field):
        raise HTTPException(403, "the form has expired or did not come from qloop: reload it")


def check_session_form(request: Request, field: str | None) -> None:
    login = getattr(request.state, "login", None)
    if login is None or not field or not hmac.compare_digest(login.csrf_token, field):
        raise HTTPException(403, "the form has expired or did not come from qloop: reload it")
