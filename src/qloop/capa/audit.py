"""The audit trail of plans, actions, files and claims: only ever appended to.

Every service function that changes a plan or what belongs to it writes one entry per
changed field here, in the same transaction; there is no function that edits or removes
an entry, and the database refuses UPDATE and DELETE on the table (migration 0009)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.capa.models import AuditEntry
from qloop.core.clock import now


def audit(
    session: Session,
    *,
    plan_id: int,
    user_name: str,
    entity: str,
    field: str,
    old: Any,
    new: Any,
    entity_id: int | None = None,
) -> None:
    session.add(
        AuditEntry(plan_id=plan_id, entity=entity, entity_id=entity_id, field=field,
                   old_value=_shown(old), new_value=_shown(new), changed_at=now(),
                   user_name=user_name)
    )  # fmt: skip


def audit_trail(session: Session, plan_id: int) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.plan_id == plan_id)
    return list(session.scalars(query.order_by(AuditEntry.id)))


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(getattr(value, "value", value))
