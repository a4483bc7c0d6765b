"""One change made by a page's form: checked (CSRF, role), run, and answered with a
redirect back to the page's section — with the reason when it was refused, in which case
the request's transaction is rolled back so nothing of it is kept."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.core.errors import QloopError
from qloop.web.csrf import check_session_form
from qloop.web.deps import demand_role


def form_change(
    request: Request,
    session: Session,
    user: User,
    csrf: str | None,
    target: str,
    change: Callable[[], object],
    *,
    role: Role = Role.ENGINEER,
) -> Response:
    """Run ``change``; back to ``target`` (``/page#section``), with ``?error=`` if refused."""
    check_session_form(request, csrf)
    demand_role(user, role)
    page, _, anchor = target.partition("#")
    try:
        change()
    except QloopError as error:
        session.rollback()
        joiner = "&" if "?" in page else "?"
        return RedirectResponse(f"{page}{joiner}error={quote(str(error))}#{anchor}",
                                status_code=303)  # fmt: skip
    return RedirectResponse(target, status_code=303)
