"""The pages of the case work: dashboard, inbox, case detail (their JSON twins are in api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.alerts import service as alerts_service
from qloop.classify.display import Display
from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.intake import case_service
from qloop.intake.api import Filters
from qloop.intake.models import CaseStatus, Channel, Severity
from qloop.web.csrf import check_session_form
from qloop.web.deps import (
    Offset,
    PageUser,
    SessionDep,
    app_settings,
    has_role,
    page_context,
    render,
    request_locale,
)

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
DASHBOARD_ALERTS = 5


@pages.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Open cases by status and severity, newest urgent cases (JSON: /api/v1/dashboard)."""
    return render(
        request,
        "intake/dashboard.html",
        page_context(
            request,
            user,
            statuses=case_service.OPEN_STATUSES,
            severities=("urgent", "important", "general"),
            counts=case_service.open_case_counts(session),
            urgent=case_service.newest_urgent(session),
            alerts=alerts_service.list_alerts(session, open_only=True, limit=DASHBOARD_ALERTS),
            per_day=[
                {"day": day.isoformat(), "cases": n}
                for day, n in case_service.cases_per_day(session, days=30, until=dt.date.today())
            ],
        ),
    )


@pages.get("/cases", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: SessionDep,
    user: PageUser,
    filters: Filters,
    sort: str = "-received_at",
    offset: Offset = 0,
) -> HTMLResponse:
    """The case inbox: filters, sortable columns, pages of 50 (JSON: /api/v1/cases)."""
    items, total = case_service.list_cases(
        session, filters=filters, sort=sort, limit=PAGE_SIZE, offset=offset
    )
    given = {k: v for k, v in request.query_params.items() if v and k not in ("offset", "sort")}

    def sort_link(field: str) -> str:
        descending = sort == field  # a second click on the same column turns the order round
        return "/cases?" + urlencode({**given, "sort": f"-{field}" if descending else field})

    def page_link(new_offset: int) -> str:
        return "/cases?" + urlencode({**given, "sort": sort, "offset": max(new_offset, 0)})

    return render(
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
            **_display(request, session, user).helpers(),
        ),
    )


NEW_CASE_FIELDS = (
    "case_id",
    "received_at",
    "channel",
    "serial",
    "product",
    "region",
    "customer",
    "title",
    "description",
    "severity",
)


def _new_case_page(
    request: Request, user: User, values: dict[str, str], error: str = "", status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "intake/new_case.html",
        page_context(
            request,
            user,
            values=values,
            error=error,
            channels=list(Channel),
            severities=list(Severity),
        ),
        status,
    )


@pages.get("/new-case", response_class=HTMLResponse)
def new_case_form(request: Request, user: PageUser) -> HTMLResponse:
    """A form for a case that comes in by phone: the hotline agent types it in."""
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")  # the agent's local time
    values = dict.fromkeys(NEW_CASE_FIELDS, "") | {"received_at": now, "channel": "hotline"}
    return _new_case_page(request, user, values)


@pages.post("/new-case")
def create_case_from_form(
    request: Request,
    session: SessionDep,
    user: PageUser,
    csrf: Annotated[str | None, Form()] = None,
    case_id: Annotated[str, Form()] = "",
    received_at: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    serial: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    customer: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
) -> Response:
    check_session_form(request, csrf)
    values = {
        "case_id": case_id,
        "received_at": received_at,
        "channel": channel,
        "serial": serial,
        "product": product,
        "region": region,
        "customer": customer,
        "title": title,
        "description": description,
        "severity": severity,
    }
    values = {name: value.strip() for name, value in values.items()}
    if not has_role(user, Role.ENGINEER):
        return _new_case_page(request, user, values, "this needs the engineer role", 403)
    try:
        created = case_service.create_case(
            session,
            fields={k: v or None for k, v in values.items()},
            attributes={},
            user=user,
            settings=app_settings(request),
        )
    except InputError as error:
        session.rollback()
        return _new_case_page(request, user, values, str(error), 422)
    return RedirectResponse(f"/cases/{quote(created.case_id, safe='')}", status_code=303)


def _case_page(
    request: Request,
    session: SessionDep,
    user: User,
    case_id: str,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    from qloop.kb.similar import suggestions_for_case

    context = case_service.case_context(session, case_id)
    assignees = session.scalars(select(User.name).where(User.active).order_by(User.name))
    suggested = suggestions_for_case(session, context.case.case_id)  # published articles
    return render(
        request,
        "intake/case.html",
        page_context(
            request,
            user,
            case=context.case,
            unit=context.unit,
            repairs=context.repairs,
            surveys=context.surveys,
            suggestions=suggested,
            history=context.history,
            duplicates=context.duplicates,
            statuses=list(CaseStatus),
            assignees=list(assignees),
            can_edit=has_role(user, Role.ENGINEER),
            error=error,
            **_display(request, session, user).helpers(),
        ),
        status,
    )


def _display(request: Request, session: Session, user: User) -> Display:
    return Display(session, app_settings(request), request_locale(request, user))


@pages.get("/cases/{case_id:path}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Everything about a case; engineers change its handling here (JSON: /api/v1/cases/ID)."""
    return _case_page(request, session, user, case_id)


@pages.post("/cases/{case_id:path}")
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
    if not has_role(user, Role.ENGINEER):
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
            at=now(),
        )
    except InputError as error:
        session.rollback()
        return _case_page(request, session, user, case_id, str(error), 422)
    return RedirectResponse(f"/cases/{quote(case_id, safe='')}", status_code=303)
