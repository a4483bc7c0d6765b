"""Investigation pages: the list (open one from a filter) and one investigation with its
suspects, time-in-service chart, 5-Why, fishbone and FMEA. JSON twins live under
``/api/v1/investigations``; the forms of the tools are in :mod:`qloop.rca.tool_pages`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts.models import Role
from qloop.core.errors import InputError
from qloop.rca import investigations as service
from qloop.rca.dossier import build_dossier
from qloop.rca.fmea import SORTS
from qloop.rca.fmea_fields import parse_date
from qloop.rca.investigation_api import InvestigationId
from qloop.rca.models import CauseCategory, CauseState, InvestigationStatus
from qloop.web.csrf import check_session_form
from qloop.web.deps import PageUser, SessionDep, demand_role, has_role, page_context, render

pages = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300)]


@pages.get("/investigations", response_class=HTMLResponse)
def list_page(
    request: Request, session: SessionDep, user: PageUser, status: str | None = None
) -> HTMLResponse:
    """Investigations, newest first (JSON: /api/v1/investigations)."""
    chosen = service.parse_status(status) if status else None
    context = page_context(
        request, user, items=service.list_investigations(session, status=chosen),
        statuses=list(InvestigationStatus), status=chosen,
        can_act=has_role(user, Role.ENGINEER),
    )  # fmt: skip
    return render(request, "rca/investigations.html", context)


@pages.post("/investigations")
def create(
    request: Request, session: SessionDep, user: PageUser, title: Text,
    failure_mode: Text = "", product: Text = "", region: Text = "", start: Text = "",
    end: Text = "", owner: Text = "", csrf: Annotated[str | None, Form()] = None,
) -> Response:  # fmt: skip
    """Open an investigation with the cases of the filter."""
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    case_filter = service.CaseFilter(product or None, failure_mode or None, region or None,
                                     _day(start), _day(end))  # fmt: skip
    found = service.create_investigation(session, title=title, user_name=user.name,
                                         case_filter=case_filter, owner=owner or None)  # fmt: skip
    return RedirectResponse(f"/investigations/{found.id}", status_code=303)


@pages.get("/investigations/{investigation_id}", response_class=HTMLResponse)
def detail_page(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    attribute: Annotated[str | None, Query(max_length=100)] = None,
    priority: Annotated[str | None, Query(max_length=1)] = None,
    sort: Annotated[str, Query(max_length=20)] = "position",
) -> HTMLResponse:  # fmt: skip
    """One investigation (JSON: /api/v1/investigations/{id} and its tools)."""
    context = page_context(request, user)
    dossier = build_dossier(session, investigation_id, str(context["locale"]),
                            attribute=attribute, fmea_priority=priority or None,
                            fmea_sort=sort)  # fmt: skip
    context.update(
        d=dossier, can_act=has_role(user, Role.ENGINEER),
        next_statuses=sorted(service.NEXT[dossier.investigation.status]),
        categories=list(CauseCategory), states=list(CauseState), sorts=SORTS,
        priority=priority or "", sort=sort,
    )  # fmt: skip
    return render(request, "rca/investigation.html", context)


@pages.post("/investigations/{investigation_id}")
def update(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    status: Text = "", owner: Annotated[str | None, Form(max_length=100)] = None,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:  # fmt: skip
    """Move the status along the workflow and/or change the owner."""
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    changes: dict[str, str | None] = {"status": status} if status else {}
    if owner is not None:
        changes["owner"] = owner
    service.update_investigation(session, investigation_id=investigation_id, changes=changes,
                                 user_name=user.name)  # fmt: skip
    return RedirectResponse(f"/investigations/{investigation_id}", status_code=303)


def _day(raw: str) -> dt.date | None:
    try:
        return parse_date(raw)
    except ValueError as error:
        raise InputError(str(error), column="date") from None
