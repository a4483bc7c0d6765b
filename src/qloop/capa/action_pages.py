"""Forms for a plan's actions, claims and files, and the "my actions" page: an owner sees
and updates their own actions (status up to done, notes, effective date, evidence files);
engineers see everyone's, overdue ones highlighted, and change anything."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from qloop.accounts.models import Role
from qloop.capa import actions as service
from qloop.capa import claims
from qloop.capa.api import Id, mail_later
from qloop.capa.files import attach_file
from qloop.capa.models import ActionStatus, PlanStatus
from qloop.capa.plans import list_plans
from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.web.deps import PageUser, SessionDep, SettingsDep, has_role, page_context, render
from qloop.web.form_changes import form_change
from qloop.web.redirects import local_path

pages = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=5000)]
Csrf = Annotated[str | None, Form()]


@pages.get("/actions", response_class=HTMLResponse)
def actions_page(
    request: Request, session: SessionDep, user: PageUser, show: str = "mine"
) -> HTMLResponse:
    """My actions (owners only ever see theirs); engineers may show all or the overdue."""
    today = now().date()
    engineer = has_role(user, Role.ENGINEER)
    mine = show == "mine" or not engineer
    found = service.list_actions(session, owner=user.name if mine else None,
                                 overdue_on=today if show == "overdue" else None)  # fmt: skip
    open_plans = {p.id for p in list_plans(session, status=PlanStatus.OPEN)}
    context = page_context(request, user, actions=found, show="mine" if mine else show,
                           open_plans=open_plans,
                           overdue={a.id for a in found if service.is_overdue(a, today)},
                           engineer=engineer, states=list(ActionStatus),
                           owner_states=sorted(service.OWNER_STATES))  # fmt: skip
    return render(request, "capa/actions.html", context)


@pages.post("/plans/{plan_id}/actions")
def add_action(
    plan_id: Id, request: Request, tasks: BackgroundTasks, session: SessionDep,
    user: PageUser, title: Short = "", department: Short = "", owner: Short = "",
    due_date: Short = "", step: Short = "D5", csrf: Csrf = None,
) -> Response:  # fmt: skip
    values = {"title": title, "department": department, "owner": owner, "due_date": due_date,
              "step": step}  # fmt: skip
    mail_later(request, tasks)
    return form_change(request, session, user, csrf, f"/plans/{plan_id}#actions",
                       lambda: service.add_action(session, plan_id=plan_id, values=values,
                                                  user=user))  # fmt: skip


ACTION_FIELDS = ("title", "department", "owner", "due_date", "step", "status", "notes",
                 "effective_date")  # fmt: skip


@pages.post("/actions/{action_id}")
async def update_action(
    action_id: Id, request: Request, tasks: BackgroundTasks, session: SessionDep,
    user: PageUser, back: Short = "/actions", csrf: Csrf = None,
) -> Response:  # fmt: skip
    """The fields the form sends are changed (an owner's form sends only what an owner may
    change); back to the page it came from."""
    form = await request.form()
    changes = {k: str(form[k])[:5000] for k in ACTION_FIELDS if k in form}
    mail_later(request, tasks)
    target = local_path(back, "/actions")
    return form_change(request, session, user, csrf, target,
                       lambda: service.update_action(session, action_id=action_id,
                                                     changes=changes, user=user),
                       role=Role.OWNER)  # fmt: skip


@pages.post("/plans/{plan_id}/files")
async def upload_file(
    plan_id: Id, request: Request, session: SessionDep, settings: SettingsDep,
    user: PageUser, file: UploadFile, action_id: Short = "", back: Short = "",
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    """Attach a file to the plan or one of its actions (owners: to their own actions)."""
    limit = settings.evidence_limit_bytes
    data = await file.read(limit + 1)
    target = local_path(back, f"/plans/{plan_id}")

    def attach() -> object:
        if len(data) > limit:
            raise InputError(f"larger than the limit of {limit:,} bytes", file=file.filename)
        return attach_file(session, plan_id=plan_id, name=file.filename or "evidence",
                           data=data, user=user, limit=limit,
                           action_id=_form_id(action_id, "action_id"),
                           content_type=file.content_type,
                           directory=settings.evidence_dir)  # fmt: skip

    return form_change(request, session, user, csrf, target + "#files", attach, role=Role.OWNER)


@pages.post("/plans/{plan_id}/claims")
def add_claim(
    plan_id: Id, request: Request, session: SessionDep, user: PageUser, supplier: Short = "",
    lot: Short = "", affected_units: Short = "", failures: Short = "0",
    cost_per_unit: Short = "", currency: Short = "CNY", total_claimed: Short = "",
    note: Long = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    values = {"supplier": supplier, "lot": lot, "affected_units": affected_units,
              "failures": failures, "cost_per_unit": cost_per_unit, "currency": currency,
              "total_claimed": total_claimed, "note": note}  # fmt: skip
    return form_change(request, session, user, csrf, f"/plans/{plan_id}#claims",
                       lambda: claims.create_claim(session, plan_id=plan_id, values=values,
                                                   user=user))  # fmt: skip


@pages.post("/claims/{claim_id}")
def update_claim(
    claim_id: Id, request: Request, session: SessionDep, user: PageUser, plan_id: Short = "",
    status: Short = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    target = f"/plans/{int(plan_id)}#claims" if plan_id.isdecimal() else "/plans"
    changes = {"status": status}
    return form_change(request, session, user, csrf, target,
                       lambda: claims.update_claim(session, claim_id=claim_id, changes=changes,
                                                   user=user))  # fmt: skip


def _form_id(raw: str, field: str) -> int | None:
    """A record's number from a form field ('' for none); refused if it is not one."""
    if not raw.strip():
        return None
    if not raw.strip().isdecimal() or not 1 <= int(raw) <= 2**31 - 1:
        raise InputError(f"{raw!r} is not a record number", column=field)
    return int(raw)
