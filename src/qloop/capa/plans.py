"""Corrective action plans: open one for an investigation, fill its 8D steps, record the
verification of the fix, and close it — effective only with a verification that says so,
otherwise by an admin's written override. Every change goes to the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.capa.audit import audit
from qloop.capa.models import Closure, Plan, PlanStatus
from qloop.capa.steps import FIELD_LIMIT, step_field
from qloop.core.clock import now
from qloop.core.errors import InputError, InvalidTransition, NotFound
from qloop.rca.investigations import clean_text, require_investigation

EDITABLE = ("title", "owner", "failure_mode", "product", "change_date")


def create_plan(
    session: Session,
    *,
    investigation_id: int,
    title: str | None,
    user_name: str,
    owner: str | None = None,
) -> Plan:
    """A plan for an investigation; failure mode and product start as the investigation's."""
    investigation = require_investigation(session, investigation_id)
    name = clean_text(title, "title", 300) or investigation.title
    product = investigation.product
    if product is None and investigation.failure_mode:  # the one product with such cases
        from qloop.rca.service import _products_with

        found = _products_with(session, investigation.failure_mode)
        product = found[0] if len(found) == 1 else None
    plan = Plan(investigation_id=investigation_id, title=name,
                owner=clean_text(owner, "owner", 100) or user_name, status=PlanStatus.OPEN,
                steps={}, failure_mode=investigation.failure_mode, product=product,
                created_at=now(), created_by=user_name)  # fmt: skip
    session.add(plan)
    session.flush()
    audit(session, plan_id=plan.id, user_name=user_name, entity="plan", entity_id=plan.id,
          field="created", old=None, new=name)  # fmt: skip
    return plan


def require_plan(session: Session, plan_id: int) -> Plan:
    found = session.get(Plan, plan_id)
    if found is None:
        raise NotFound(f"no corrective action plan {plan_id}")
    return found


def list_plans(
    session: Session, *, status: PlanStatus | None = None, investigation_id: int | None = None
) -> list[Plan]:
    query = select(Plan).order_by(Plan.created_at.desc(), Plan.id.desc())
    if status is not None:
        query = query.where(Plan.status == status)
    if investigation_id is not None:
        query = query.where(Plan.investigation_id == investigation_id)
    return list(session.scalars(query))


def update_plan(
    session: Session, *, plan_id: int, changes: Mapping[str, Any], user_name: str
) -> Plan:
    """Title, owner, and the change D6 verifies: failure mode, product, change date."""
    plan = _open_plan(session, plan_id)
    for field, raw in changes.items():
        if field not in EDITABLE:
            raise InputError(f"{field} cannot be changed here", column=field)
        value: Any
        if field == "change_date":
            value = _date(raw)
        else:
            value = clean_text(raw, field, 300 if field == "title" else 100)
            if field == "title" and value is None:
                raise InputError("a plan needs a title", column="title")
        old = getattr(plan, field)
        if value != old:
            setattr(plan, field, value)
            audit(session, plan_id=plan.id, user_name=user_name, entity="plan",
                  entity_id=plan.id, field=field, old=old, new=value)  # fmt: skip
    session.flush()
    return plan


def set_step_field(
    session: Session, *, plan_id: int, step: str, field: str, value: str | None, user_name: str
) -> Plan:
    """One field of one 8D step (``D2``, ``what``)."""
    plan = _open_plan(session, plan_id)
    definition = step_field(step, field)
    if definition is None:
        raise InputError(f"8D step {step} has no field {field!r}", column=f"{step}.{field}")
    text = clean_text(value, f"{step}.{field}", FIELD_LIMIT)
    contents = {code: dict(fields) for code, fields in (plan.steps or {}).items()}
    old = contents.get(step, {}).get(field)
    if text == old:
        return plan
    contents.setdefault(step, {})[field] = text
    plan.steps = contents  # a new document, so the JSON column is written
    audit(session, plan_id=plan.id, user_name=user_name, entity="plan", entity_id=plan.id,
          field=f"{step}.{field}", old=old, new=text)  # fmt: skip
    session.flush()
    return plan


def record_verification(
    session: Session, *, plan_id: int, result: Mapping[str, Any], user_name: str
) -> Plan:
    """Keep a verification's figures on the plan (D6): what closing as effective needs."""
    plan = _open_plan(session, plan_id)
    old = (plan.verification or {}).get("verdict")
    plan.verification = dict(result)
    plan.verified_at = now()
    audit(session, plan_id=plan.id, user_name=user_name, entity="plan", entity_id=plan.id,
          field="verification", old=old, new=_verification_text(result))  # fmt: skip
    session.flush()
    return plan


def record_containment(
    session: Session, *, plan_id: int, summary: Mapping[str, Any], user_name: str
) -> Plan:
    """Keep a containment list's filter and counts on the plan (D3)."""
    plan = _open_plan(session, plan_id)
    plan.containment = dict(summary)
    counts = ", ".join(f"{k} {summary.get(k)}" for k in ("units", "shipped", "not_shipped",
                                                        "with_cases"))  # fmt: skip
    audit(session, plan_id=plan.id, user_name=user_name, entity="plan", entity_id=plan.id,
          field="containment", old=None, new=counts)  # fmt: skip
    session.flush()
    return plan


def close_plan(
    session: Session, *, plan_id: int, user: User, closure: str, reason: str | None = None
) -> Plan:
    """Close as ``effective`` (the recorded verification's verdict must be effective),
    ``not_effective`` (the fix did not work: said with a reason), or ``override`` (an admin
    closes without a verification, with a written reason kept in the audit trail)."""
    plan = _open_plan(session, plan_id)
    try:
        kind = Closure(closure)
    except ValueError:
        allowed = ", ".join(c.value for c in Closure)
        raise InputError(f"close as one of {allowed}, not {closure!r}", column="closure") from None
    why = clean_text(reason, "reason", FIELD_LIMIT)
    verdict = (plan.verification or {}).get("verdict")
    if kind is Closure.EFFECTIVE and verdict != "effective":
        shown = verdict or "none recorded"
        raise InvalidTransition(
            f"plan {plan_id} cannot close as effective: its verification says {shown}; "
            "verify the fix in D6, or an admin may override with a written reason"
        )
    if kind is Closure.OVERRIDE:
        if user.role is not Role.ADMIN:
            raise InvalidTransition("only an admin may close a plan without verification")
        if why is None:
            raise InputError("an override needs a written reason", column="reason")
    if kind is Closure.NOT_EFFECTIVE and why is None:
        raise InputError("say why the fix was not effective", column="reason")
    plan.status, plan.closure, plan.closure_reason = PlanStatus.CLOSED, kind, why
    plan.closed_at, plan.closed_by = now(), user.name
    audit(session, plan_id=plan.id, user_name=user.name, entity="plan", entity_id=plan.id,
          field="closed", old=PlanStatus.OPEN.value,
          new=f"{kind.value}: {why}" if why else kind.value)  # fmt: skip
    session.flush()
    return plan


def reopen_plan(session: Session, *, plan_id: int, user_name: str) -> Plan:
    plan = require_plan(session, plan_id)
    if plan.status is PlanStatus.OPEN:
        return plan
    closure = plan.closure.value if plan.closure else None
    audit(session, plan_id=plan.id, user_name=user_name, entity="plan", entity_id=plan.id,
          field="reopened", old=closure, new="open")  # fmt: skip
    plan.status, plan.closure, plan.closure_reason = PlanStatus.OPEN, None, None
    plan.closed_at = plan.closed_by = None
    session.flush()
    return plan


def _open_plan(session: Session, plan_id: int) -> Plan:
    plan = require_plan(session, plan_id)
    if plan.status is not PlanStatus.OPEN:
        raise InvalidTransition(f"plan {plan_id} is closed: reopen it to change it")
    return plan


def _date(raw: Any) -> dt.date | None:
    if raw is None or isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        found = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"a date is YYYY-MM-DD, not {text!r}", column="change_date") from None
    if not 1900 <= found.year <= 2199:
        raise InputError(f"{found} is outside 1900..2199", column="change_date")
    return found


def _verification_text(result: Mapping[str, Any]) -> str:
    ratio, low, high = (result.get(k) for k in ("rate_ratio", "ci_low", "ci_high"))
    figures = f"RR {ratio:.3g} [{low:.3g}, {high:.3g}]" if None not in (ratio, low, high) else ""
    return f"{result.get('verdict')} {figures}".strip()
