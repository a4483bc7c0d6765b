"""The import page: upload a CSV or XLSX file, see recent imports, download their rejects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from qloop.accounts.models import Role, User
from qloop.core.errors import InputError
from qloop.intake import uploads
from qloop.intake.models import ImportRun
from qloop.intake.records import SPECS
from qloop.web.csrf import check_session_form
from qloop.web.deps import PageUser, SessionDep, has_role, page_context, render

pages = APIRouter(include_in_schema=False)


def _imports_page(
    request: Request, session: SessionDep, user: User, error: str = "", status: int = 200
) -> HTMLResponse:
    runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(20))
    return render(
        request,
        "intake/imports.html",
        page_context(
            request,
            user,
            tables=list(SPECS),
            runs=list(runs),
            error=error,
            can_import=has_role(user, Role.ENGINEER),
        ),
        status,
    )


@pages.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Upload a CSV or XLSX file; the recent imports with their rejects to download."""
    return _imports_page(request, session, user)


@pages.post("/imports", dependencies=[Depends(uploads.check_request_size)])
def import_from_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    file: UploadFile,
    table: Annotated[str, Form()],
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_session_form(request, csrf)
    if not has_role(user, Role.ENGINEER):
        return _imports_page(request, session, user, "this needs the engineer role", 403)
    try:
        uploads.run_upload(request, session, table=table, upload=file, user=user)
    except InputError as error:
        return _imports_page(request, session, user, str(error), 422)
    except HTTPException as error:  # wrong type, too large, unknown table: said on the page
        return _imports_page(request, session, user, str(error.detail), error.status_code)
    return RedirectResponse("/imports", status_code=303)
