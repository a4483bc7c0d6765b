"""The alerts page: every alert with its figures; engineers check now and acknowledge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts.models import Role
from qloop.alerts import service
from qloop.alerts.api import AlertId
from qloop.web.csrf import check_session_form
from qloop.web.deps import (
    PageUser,
    SessionDep,
    SettingsDep,
    demand_role,
    has_role,
    page_context,
    render,
)

pages = APIRouter(include_in_schema=False)


@pages.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, session: SessionDep, user: PageUser, show: str = "open"
) -> HTMLResponse:
    """Open alerts (or all of them), newest period first (JSON: /api/v1/alerts)."""
    open_only = show != "all"
    context = page_context(
        request,
        user,
        alerts=service.list_alerts(session, open_only=open_only),
        open_only=open_only,
        can_act=has_role(user, Role.ENGINEER),
    )
    return render(request, "alerts/alerts.html", context)


@pages.post("/alerts/check")
def check_now(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Run the alert rules on the data now."""
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    service.check_alerts(session, settings)
    return RedirectResponse("/alerts", status_code=303)


@pages.post("/alerts/{alert_id}/ack")
def acknowledge(
    alert_id: AlertId,
    request: Request,
    session: SessionDep,
    user: PageUser,
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Acknowledge one alert with a comment."""
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    service.acknowledge(session, alert_id=alert_id, user_name=user.name, comment=comment)
    return RedirectResponse("/alerts", status_code=303)
