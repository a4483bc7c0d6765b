"""``/api/v1/plans`` and ``/api/v1/actions``: corrective action plans as JSON.

Everyone signed in reads plans; engineers change them; owners see and update their own
actions (``GET /api/v1/actions?mine=true``). A change that assigns an action e-mails its
owner after the request's transaction has committed (BackgroundTasks run after it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from qloop.capa import actions as action_service
from qloop.capa import claims, plans
from qloop.capa.audit import audit_trail
from qloop.capa.models import PlanStatus
from qloop.capa.schemas import (
    ActionRead,
    ActionWrite,
    AuditRead,
    ClaimRead,
    ClaimWrite,
    CloseRequest,
    PlanCreate,
    PlanDetail,
    PlanRead,
    PlanUpdate,
    StepValue,
    plan_detail,
)
from qloop.core.clock import now
from qloop.web.deps import Engineer, OwnerRole, Reader, RecordId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["corrective actions"])
Id = RecordId
QueryId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def mail_later(request: Request, tasks: BackgroundTasks) -> None:
    """Deliver the outbox once the request has committed (a no-op when SMTP is off)."""
    from qloop.capa.mailer import deliver_in_background

    tasks.add_task(deliver_in_background, request.app.state.engine, request.app.state.settings)


@router.get("/plans", response_model=list[PlanRead])
def list_plans(
    session: SessionDep, _u: Reader, status: PlanStatus | None = None,
    investigation_id: QueryId = None,
) -> list[PlanRead]:  # fmt: skip
    """Plans, newest first."""
    found = plans.list_plans(session, status=status, investigation_id=investigation_id)
    return [PlanRead.of(p) for p in found]


@router.post("/plans", response_model=PlanDetail, status_code=201)
def create_plan(body: PlanCreate, session: SessionDep, user: Engineer) -> PlanDetail:
    """A plan for an investigation (its failure mode and product are copied for D6)."""
    plan = plans.create_plan(session, investigation_id=body.investigation_id, title=body.title,
                             owner=body.owner, user_name=user.name)  # fmt: skip
    return plan_detail(session, plan.id, now().date())


@router.get("/plans/{plan_id}", response_model=PlanDetail)
def read_plan(plan_id: Id, session: SessionDep, _u: Reader) -> PlanDetail:
    """A plan with its 8D steps, actions, claims, files, verification and audit trail."""
    return plan_detail(session, plan_id, now().date())


@router.patch("/plans/{plan_id}", response_model=PlanDetail)
def update_plan(plan_id: Id, body: PlanUpdate, session: SessionDep, user: Engineer) -> PlanDetail:
    plans.update_plan(session, plan_id=plan_id, changes=body.model_dump(exclude_unset=True),
                      user_name=user.name)  # fmt: skip
    return plan_detail(session, plan_id, now().date())


@router.put("/plans/{plan_id}/steps/{step}/{field}", response_model=PlanDetail)
def set_step(
    plan_id: Id, step: str, field: str, body: StepValue, session: SessionDep, user: Engineer
) -> PlanDetail:
    """One field of an 8D step, e.g. ``PUT /plans/3/steps/D2/what {"value": "..."}``."""
    plans.set_step_field(session, plan_id=plan_id, step=step, field=field, value=body.value,
                         user_name=user.name)  # fmt: skip
    return plan_detail(session, plan_id, now().date())


@router.post("/plans/{plan_id}/close", response_model=PlanDetail)
def close_plan(plan_id: Id, body: CloseRequest, session: SessionDep, user: Engineer) -> PlanDetail:
    """Close as effective (needs an effective verification), not_effective (with a reason)
    or override (admins only, with a written reason)."""
    plans.close_plan(session, plan_id=plan_id, user=user, closure=body.closure,
                     reason=body.reason)  # fmt: skip
    return plan_detail(session, plan_id, now().date())


@router.post("/plans/{plan_id}/reopen", response_model=PlanDetail)
def reopen_plan(plan_id: Id, session: SessionDep, user: Engineer) -> PlanDetail:
    plans.reopen_plan(session, plan_id=plan_id, user_name=user.name)
    return plan_detail(session, plan_id, now().date())


@router.get("/plans/{plan_id}/audit", response_model=list[AuditRead])
def read_audit(plan_id: Id, session: SessionDep, _u: Reader) -> list[AuditRead]:
    """Every change to the plan and what belongs to it, oldest first (append-only)."""
    plans.require_plan(session, plan_id)
    return [AuditRead.of(e) for e in audit_trail(session, plan_id)]


@router.post("/plans/{plan_id}/actions", response_model=ActionRead, status_code=201)
def add_action(
    plan_id: Id, body: ActionWrite, request: Request, tasks: BackgroundTasks,
    session: SessionDep, user: Engineer,
) -> ActionRead:  # fmt: skip
    """A new action; its owner is e-mailed."""
    action = action_service.add_action(
        session, plan_id=plan_id, values=body.model_dump(exclude_unset=True), user=user
    )
    mail_later(request, tasks)
    return ActionRead.of(action, now().date())


@router.get("/actions", response_model=list[ActionRead])
def list_actions(
    session: SessionDep, user: OwnerRole, mine: bool = False, overdue: bool = False,
    plan_id: QueryId = None,
) -> list[ActionRead]:  # fmt: skip
    """Actions by due date. Owners see only their own; ``mine`` and ``overdue`` filter."""
    today = now().date()
    only = user.name if mine or not action_service._is_engineer(user) else None
    found = action_service.list_actions(session, plan_id=plan_id, owner=only,
                                        overdue_on=today if overdue else None)  # fmt: skip
    return [ActionRead.of(a, today) for a in found]


@router.get("/actions/{action_id}", response_model=ActionRead)
def read_action(action_id: Id, session: SessionDep, user: OwnerRole) -> ActionRead:
    return ActionRead.of(action_service.visible_action(session, action_id, user), now().date())


@router.patch("/actions/{action_id}", response_model=ActionRead)
def update_action(
    action_id: Id, body: ActionWrite, request: Request, tasks: BackgroundTasks,
    session: SessionDep, user: OwnerRole,
) -> ActionRead:  # fmt: skip
    """Owners: status (up to done), notes, effective date of their own actions."""
    action = action_service.update_action(
        session, action_id=action_id, changes=body.model_dump(exclude_unset=True), user=user
    )
    mail_later(request, tasks)
    return ActionRead.of(action, now().date())


@router.post("/plans/{plan_id}/claims", response_model=ClaimRead, status_code=201)
def add_claim(plan_id: Id, body: ClaimWrite, session: SessionDep, user: Engineer) -> ClaimRead:
    """A supplier claim; the total is units x cost unless given."""
    claim = claims.create_claim(session, plan_id=plan_id,
                                values=body.model_dump(exclude_unset=True), user=user)  # fmt: skip
    return ClaimRead.of(claim)


@router.patch("/claims/{claim_id}", response_model=ClaimRead)
def update_claim(claim_id: Id, body: ClaimWrite, session: SessionDep, user: Engineer) -> ClaimRead:
    claim = claims.update_claim(session, claim_id=claim_id,
                                changes=body.model_dump(exclude_unset=True), user=user)  # fmt: skip
    return ClaimRead.of(claim)
