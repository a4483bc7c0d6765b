"""Edge shapes of the corrective action plans API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from qloop.capa import actions as action_service
from qloop.capa.audit import audit_trail
from qloop.capa.claims import list_claims
from qloop.capa.files import list_files
from qloop.capa.models import Action, AuditEntry, EvidenceFile, Plan, SupplierClaim
from qloop.capa.plans import require_plan
from qloop.core.storable import StorableBody

Short = Annotated[str, Field(max_length=300)]
Text = Annotated[str, Field(max_length=5000)]


class PlanCreate(StorableBody):
    model_config = ConfigDict(extra="forbid")

    investigation_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    title: Short | None = None
    owner: Annotated[str, Field(max_length=100)] | None = None


class PlanUpdate(StorableBody):
    model_config = ConfigDict(extra="forbid")

    title: Short | None = None
    owner: Annotated[str, Field(max_length=100)] | None = None
    failure_mode: Annotated[str, Field(max_length=100)] | None = None
    product: Annotated[str, Field(max_length=100)] | None = None
    change_date: dt.date | None = None


class StepValue(StorableBody):
    model_config = ConfigDict(extra="forbid")

    value: Text | None = None


class CloseRequest(StorableBody):
    model_config = ConfigDict(extra="forbid")

    closure: Annotated[str, Field(max_length=20)]
    reason: Text | None = None


class VerifyRequest(StorableBody):
    model_config = ConfigDict(extra="forbid")

    window_days: Annotated[int, Field(ge=1, le=3650)] = 90
    cohort: Annotated[str, Field(pattern="^(production|ship)$")] = "production"
    as_of: dt.date | None = None
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.95


class ActionWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    title: Short | None = None
    department: Annotated[str, Field(max_length=100)] | None = None
    owner: Annotated[str, Field(max_length=100)] | None = None
    due_date: dt.date | None = None
    step: Annotated[str, Field(max_length=4)] | None = None
    status: Annotated[str, Field(max_length=20)] | None = None
    notes: Text | None = None
    effective_date: dt.date | None = None


class ClaimWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    supplier: Annotated[str, Field(max_length=200)] | None = None
    lot: Annotated[str, Field(max_length=200)] | None = None
    affected_units: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    failures: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    cost_per_unit: Annotated[float, Field(ge=0, le=1e12)] | None = None
    currency: Annotated[str, Field(max_length=3)] | None = None
    total_claimed: Annotated[float, Field(ge=0, le=1e12)] | None = None
    status: Annotated[str, Field(max_length=20)] | None = None
    note: Text | None = None


class ActionRead(BaseModel):
    id: int
    plan_id: int
    step: str
    title: str
    department: str
    owner: str
    due_date: dt.date
    status: str
    notes: str | None
    effective_date: dt.date | None
    overdue: bool
    updated_at: dt.datetime

    @classmethod
    def of(cls, action: Action, today: dt.date) -> ActionRead:
        return cls(id=action.id, plan_id=action.plan_id, step=action.step, title=action.title,
                   department=action.department, owner=action.owner, due_date=action.due_date,
                   status=action.status.value, notes=action.notes,
                   effective_date=action.effective_date,
                   overdue=action_service.is_overdue(action, today),
                   updated_at=action.updated_at)  # fmt: skip


class ClaimRead(BaseModel):
    id: int
    supplier: str
    lot: str | None
    affected_units: int
    failures: int
    cost_per_unit: float
    currency: str
    total_claimed: float
    status: str
    note: str | None

    @classmethod
    def of(cls, claim: SupplierClaim) -> ClaimRead:
        return cls(id=claim.id, supplier=claim.supplier, lot=claim.lot,
                   affected_units=claim.affected_units, failures=claim.failures,
                   cost_per_unit=claim.cost_per_unit, currency=claim.currency,
                   total_claimed=claim.total_claimed, status=claim.status.value,
                   note=claim.note)  # fmt: skip


class FileRead(BaseModel):
    id: int
    action_id: int | None
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str

    @classmethod
    def of(cls, found: EvidenceFile) -> FileRead:
        return cls(id=found.id, action_id=found.action_id, name=found.name,
                   content_type=found.content_type, size=found.size, sha256=found.sha256,
                   uploaded_at=found.uploaded_at, uploaded_by=found.uploaded_by)  # fmt: skip


class AuditRead(BaseModel):
    changed_at: dt.datetime
    user_name: str
    entity: str
    entity_id: int | None
    field: str
    old_value: str | None
    new_value: str | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditRead:
        return cls(changed_at=entry.changed_at, user_name=entry.user_name, entity=entry.entity,
                   entity_id=entry.entity_id, field=entry.field, old_value=entry.old_value,
                   new_value=entry.new_value)  # fmt: skip


class PlanRead(BaseModel):
    id: int
    investigation_id: int
    title: str
    owner: str | None
    status: str
    failure_mode: str | None
    product: str | None
    change_date: dt.date | None
    closure: str | None
    closure_reason: str | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    created_by: str

    @classmethod
    def of(cls, plan: Plan) -> PlanRead:
        return cls(id=plan.id, investigation_id=plan.investigation_id, title=plan.title,
                   owner=plan.owner, status=plan.status.value, failure_mode=plan.failure_mode,
                   product=plan.product, change_date=plan.change_date,
                   closure=plan.closure.value if plan.closure else None,
                   closure_reason=plan.closure_reason, closed_at=plan.closed_at,
                   created_at=plan.created_at, created_by=plan.created_by)  # fmt: skip


class PlanDetail(PlanRead):
    steps: dict[str, dict[str, Any]]
    verification: dict[str, Any] | None
    verified_at: dt.datetime | None
    containment: dict[str, Any] | None
    actions: list[ActionRead]
    claims: list[ClaimRead]
    files: list[FileRead]
    audit: list[AuditRead]


def plan_detail(session: Session, plan_id: int, today: dt.date) -> PlanDetail:
    """One plan with everything that belongs to it (API and CLI share it)."""
    plan = require_plan(session, plan_id)
    return PlanDetail(
        **PlanRead.of(plan).model_dump(),
        steps=plan.steps or {},
        verification=plan.verification,
        verified_at=plan.verified_at,
        containment=plan.containment,
        actions=[
            ActionRead.of(a, today) for a in action_service.list_actions(session, plan_id=plan_id)
        ],  # fmt: skip
        claims=[ClaimRead.of(c) for c in list_claims(session, plan_id)],
        files=[FileRead.of(f) for f in list_files(session, plan_id)],
        audit=[AuditRead.of(e) for e in audit_trail(session, plan_id)],
    )
