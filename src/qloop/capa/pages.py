"""Corrective action plan pages: the list, one plan's 8D, and the forms that change the plan
itself (fields of a step, the change to verify, closing). Actions, claims and files have
their forms in :mod:`qloop.capa.action_pages`; JSON twins are under ``/api/v1/plans``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts.models import Role
from qloop.capa import plans
from qloop.capa.actions import DEPARTMENTS
from qloop.capa.api import Id
from qloop.capa.models import ActionStatus, ClaimStatus, Closure, PlanStatus
from qloop.capa.plan_tools import contain_for_plan, verify_for_plan
from qloop.capa.plan_view import build_plan_view
from qloop.capa.verification_text import shown_message
from qloop.core import i18n
from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.rca.investigations import list_investigations
from qloop.web.csrf import check_session_form
from qloop.web.deps import (
    PageUser,
    SessionDep,
    SettingsDep,
    demand_role,
    has_role,
    page_context,
    render,
    request_locale,
)
from qloop.web.form_changes import form_change

pages = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=5000)]
Csrf = Annotated[str | None, Form()]


@pages.get("/plans", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """Corrective action plans, newest first (JSON: /api/v1/plans)."""
    context = page_context(request, user, items=plans.list_plans(session),
                           investigations=[i for i, _n in list_investigations(session)],
                           can_act=has_role(user, Role.ENGINEER))  # fmt: skip
    return render(request, "capa/plans.html", context)


@pages.post("/plans")
def create(
    request: Request, session: SessionDep, user: PageUser,
    investigation_id: Annotated[int, Form(ge=1, le=2**31 - 1)], title: Short = "",
    owner: Short = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    plan = plans.create_plan(session, investigation_id=investigation_id, title=title or None,
                             owner=owner or None, user_name=user.name)  # fmt: skip
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@pages.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: Id, request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """One plan as its 8D, D0 to D8 (JSON: /api/v1/plans/{id})."""
    view = build_plan_view(session, plan_id, now().date())
    context = page_context(
        request, user, v=view, today=now().date(), can_act=has_role(user, Role.ENGINEER),
        is_admin=has_role(user, Role.ADMIN), open=view.plan.status is PlanStatus.OPEN,
        departments=DEPARTMENTS, action_states=list(ActionStatus),
        claim_states=list(ClaimStatus), closures=list(Closure),
    )  # fmt: skip
    gettext = i18n.gettext_for(request_locale(request, user))
    context["verification_text"] = shown_message(view.plan.verification, gettext)
    return render(request, "capa/plan.html", context)


@pages.post("/plans/{plan_id}")
def update(
    plan_id: Id, request: Request, session: SessionDep, user: PageUser, title: Short = "",
    owner: Short = "", failure_mode: Short = "", product: Short = "", change_date: Short = "",
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    """Title, owner and the change D6 verifies."""
    changes = {"title": title, "owner": owner, "failure_mode": failure_mode,
               "product": product, "change_date": change_date}  # fmt: skip
    return form_change(
        request,
        session,
        user,
        csrf,
        f"/plans/{plan_id}#summary",
        lambda: plans.update_plan(session, plan_id=plan_id, changes=changes, user_name=user.name),
    )


@pages.post("/plans/{plan_id}/steps/{step}/{field}")
def set_step(
    plan_id: Id, step: str, field: str, request: Request, session: SessionDep,
    user: PageUser, value: Long = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    return form_change(request, session, user, csrf, f"/plans/{plan_id}#{step}", lambda: (
        plans.set_step_field(session, plan_id=plan_id, step=step, field=field, value=value,
                             user_name=user.name)))  # fmt: skip


@pages.post("/plans/{plan_id}/close")
def close(
    plan_id: Id, request: Request, session: SessionDep, user: PageUser, closure: Short = "",
    reason: Long = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    return form_change(request, session, user, csrf, f"/plans/{plan_id}#D8", lambda: (
        plans.close_plan(session, plan_id=plan_id, user=user, closure=closure,
                         reason=reason or None)))  # fmt: skip


@pages.post("/plans/{plan_id}/reopen")
def reopen(
    plan_id: Id, request: Request, session: SessionDep, user: PageUser, csrf: Csrf = None
) -> Response:
    return form_change(
        request,
        session,
        user,
        csrf,
        f"/plans/{plan_id}#D8",
        lambda: plans.reopen_plan(session, plan_id=plan_id, user_name=user.name),
    )


@pages.post("/plans/{plan_id}/containment")
async def contain(
    plan_id: Id, request: Request, session: SessionDep, settings: SettingsDep,
    user: PageUser, csrf: Csrf = None,
) -> Response:  # fmt: skip
    """D3: the units of the product with the given attribute values; counts kept, list
    attached as XLSX (in the page's language)."""
    form = await request.form()
    pairs = list(zip(form.getlist("attribute"), form.getlist("value"), strict=False))
    conditions = [(str(a).strip(), str(v).strip()) for a, v in pairs if str(a).strip()]
    product, as_of = str(form.get("product") or ""), str(form.get("as_of") or "")
    lang = "zh" if page_context(request, user)["chinese"] else "en"
    return form_change(request, session, user, csrf, f"/plans/{plan_id}#D3", lambda: (
        contain_for_plan(session, plan_id=plan_id, product=product, conditions=conditions,
                         user=user, limit=settings.evidence_limit_bytes, as_of=_day(as_of),
                         lang=lang, directory=settings.evidence_dir)))  # fmt: skip


@pages.post("/plans/{plan_id}/verify")
def verify(
    plan_id: Id, request: Request, session: SessionDep, user: PageUser,
    window_days: Annotated[int, Form(ge=1, le=3650)] = 90, cohort: Short = "production",
    as_of: Short = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    """D6: verify the plan's change now; the figures are kept on the plan."""
    return form_change(request, session, user, csrf, f"/plans/{plan_id}#D6", lambda: (
        verify_for_plan(session, plan_id=plan_id, user=user, window_days=window_days,
                        cohort=cohort, as_of=_day(as_of))))  # fmt: skip


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise InputError(f"a date is YYYY-MM-DD, not {raw!r}", column="as_of") from None
