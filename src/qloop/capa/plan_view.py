"""Everything one corrective action plan shows, gathered once for its page and its 8D
report: the plan and its steps, the investigation's confirmed causes, 5-Why and suspects,
actions (overdue flagged), claims, files, containment, verification and the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from qloop.capa.actions import is_overdue, list_actions
from qloop.capa.audit import audit_trail
from qloop.capa.claims import list_claims
from qloop.capa.files import list_files
from qloop.capa.models import Action, AuditEntry, EvidenceFile, Plan, SupplierClaim
from qloop.capa.plans import require_plan
from qloop.capa.steps import STEPS, Step
from qloop.rca import fishbone, five_why
from qloop.rca.investigations import require_investigation
from qloop.rca.models import FishboneCause, FiveWhyStep, Investigation
from qloop.rca.service import find_suspects

SUSPECTS_SHOWN = 10


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    investigation: Investigation
    steps: tuple[Step, ...]
    causes: list[FishboneCause]
    why_steps: list[FiveWhyStep]
    suspects: list[dict[str, Any]]
    actions: list[Action]
    overdue: set[int]
    claims: list[SupplierClaim]
    files: list[EvidenceFile]
    audit: list[AuditEntry]

    def value(self, step: str, field: str) -> str:
        return str((self.plan.steps or {}).get(step, {}).get(field) or "")

    def confirmed_causes(self) -> list[FishboneCause]:
        return [c for c in self.causes if c.state.value == "confirmed"]

    def actions_of(self, *steps: str) -> list[Action]:
        return [a for a in self.actions if a.step in steps]


def build_plan_view(
    session: Session, plan_id: int, today: dt.date, *, with_suspects: bool = True
) -> PlanView:
    plan = require_plan(session, plan_id)
    investigation = require_investigation(session, plan.investigation_id)
    suspects: list[dict[str, Any]] = []
    if with_suspects and plan.failure_mode:
        found = find_suspects(session, failure_mode=plan.failure_mode, product=plan.product)
        suspects = list(found.as_json(SUSPECTS_SHOWN)["suspects"])
    actions = list_actions(session, plan_id=plan_id)
    return PlanView(
        plan=plan,
        investigation=investigation,
        steps=STEPS,
        causes=fishbone.list_causes(session, investigation.id),
        why_steps=five_why.list_steps(session, investigation.id),
        suspects=suspects,
        actions=actions,
        overdue={a.id for a in actions if is_overdue(a, today)},
        claims=list_claims(session, plan_id),
        files=list_files(session, plan_id),
        audit=audit_trail(session, plan_id),
    )
