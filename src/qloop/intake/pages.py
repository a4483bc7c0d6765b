"""The pages of the case work: dashboard, inbox, case detail (their JSON twins are in api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from qloop.accounts.models import Role, User
from qloop.core.errors import InputError
from qloop.intake import case_service, uploads
from qloop.intake.models import CaseStatus, Channel, ImportRun, Severity
from qloop.intake.records import SPECS
from qloop.web.csrf import check_session_form
from qloop.web.deps import RANK, PageUser, SessionDep, page_context

pages = APIRouter(include_in_schema=False)
COLUMNS = [
    ("case_id", "Case"),
    ("received_at", "Received"),
    ("channel", "Channel"),
    ("product", "Product"),
    ("title", "Title"),
    ("category", "Category"),
    ("severity", "Severity"),
    ("status", "Status"),
]
PAGE_SIZE = 50


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    return response


@pages.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Open cases by status and severity, newest urgent cases (JSON: /api/v1/dashboard)."""
    return _render(
        request,
        "intake/dashboard.html",
        page_context(
            request,
            user,
            statuses=case_service.OPEN_STATUSES,
            severities=("urgent", "important", "general"),
            counts=case_service.open_case_counts(session),
            urgent=case_service.newest_urgent(session),
        ),
    )


@pages.get("/cases", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    product: str | None = None,
    serial: str | None = None,
    sort: str = "-received_at",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The case inbox: filters, sortable columns, pages of 50 (JSON: /api/v1/cases)."""
    filters = case_service.CaseFilters(
        channel or None,
        category or None,
        severity or None,
        status or None,
        product or None,
        serial or None,
        q,
    )
    items, total = case_service.list_cases(
        session, filters=filters, sort=sort, limit=PAGE_SIZE, offset=offset
    )
    given = {k: v for k, v in request.query_params.items() if v and k not in ("offset", "sort")}

    def sort_link(field: str) -> str:
        descending = sort == field  # a second click on the same column turns the order round
        return "/cases?" + urlencode({**given, "sort": f"-{field}" if descending else field})

    def page_link(new_offset: int) -> str:
        return "/cases?" + urlencode({**given, "sort": sort, "offset": max(new_offset, 0)})

    return _render(
        request,
        "intake/inbox.html",
        page_context(
            request,
            user,
            items=items,
            total=total,
            offset=offset,
            limit=PAGE_SIZE,
            sort=sort,
            filters=vars(filters),
            columns=COLUMNS,
            sortable=case_service.SORTABLE,
            sort_link=sort_link,
            page_link=page_link,
            choice_filters=[
                ("channel", "Channel", list(Channel)),
                ("severity", "Severity", list(Severity)),
                ("status", "Status", list(CaseStatus)),
            ],
        ),
    )


def _case_page(
    request: Request,
    session: SessionDep,
    user: User,
    case_id: str,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    context = case_service.case_context(session, case_id)
    assignees = session.scalars(select(User.name).where(User.active).order_by(User.name))
    return _render(
        request,
        "intake/case.html",
        page_context(
            request,
            user,
            case=context.case,
            unit=context.unit,
            repairs=context.repairs,
            surveys=context.surveys,
            history=context.history,
            statuses=list(CaseStatus),
            assignees=list(assignees),
            can_edit=RANK[user.role] >= RANK[Role.ENGINEER],
            error=error,
        ),
        status,
    )


@pages.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Everything about a case; engineers change its handling here (JSON: /api/v1/cases/ID)."""
    return _case_page(request, session, user, case_id)


@pages.post("/cases/{case_id}")
def change_case(
    case_id: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    csrf: Annotated[str | None, Form()] = None,
    category: Annotated[str, Form()] = "",
    failure_mode: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "new",
    assignee: Annotated[str, Form()] = "",
) -> Response:
    check_session_form(request, csrf)
    if RANK[user.role] < RANK[Role.ENGINEER]:
        return _case_page(request, session, user, case_id, "this needs the engineer role", 403)
    changes: dict[str, str | None] = {
        "category": category,
        "failure_mode": failure_mode,
        "severity": severity,
        "status": status,
        "assignee": assignee,
    }
    try:
        case_service.update_case(
            session,
            case_id=case_id,
            changes=changes,
            user=user,
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    except InputError as error:
        session.rollback()
        return _case_page(request, session, user, case_id, str(error), 422)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _imports_page(
    request: Request, session: SessionDep, user: User, error: str = "", status: int = 200
) -> HTMLResponse:
    runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(20))
    return _render(
        request,
        "intake/imports.html",
        page_context(
            request,
            user,
            tables=list(SPECS),
            runs=list(runs),
            error=error,
            can_import=RANK[user.role] >= RANK[Role.ENGINEER],
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
    if RANK[user.role] < RANK[Role.ENGINEER]:
        return _imports_page(request, session, user, "this needs the engineer role", 403)
    try:
        uploads.run_upload(request, session, table=table, upload=file, user=user)
    except InputError as error:
        return _imports_page(request, session, user, str(error), 422)
    except HTTPException as error:  # wrong type, too large, unknown table: said on the page
        return _imports_page(request, session, user, str(error.detail), error.status_code)
    return RedirectResponse("/imports", status_code=303)
