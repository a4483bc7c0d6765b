"""Actions of a corrective action plan, across departments, each with one owner.

Engineers (and admins) create and change any action. An owner sees and updates only their
own actions, and only their progress: status up to done, notes, effective date. Assigning
an action writes its e-mail to the outbox in the same transaction; every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.capa.audit import audit
from qloop.capa.models import Action, ActionStatus
from qloop.capa.notifications import enqueue_assignment
from qloop.capa.plans import _date, _open_plan, require_plan
from qloop.capa.steps import STEP_BY_CODE
from qloop.core.clock import now
from qloop.core.errors import Forbidden, InputError, InvalidTransition, NotFound
from qloop.rca.investigations import clean_text

Status = ActionStatus
#: departments offered by name; any other text is a user-defined department
DEPARTMENTS = ("rd", "purchasing", "manufacturing", "supply_chain", "service")
OPEN_STATES = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.REJECTED})
NEXT: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.DONE}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.DONE}),
    Status.DONE: frozenset({Status.VERIFIED, Status.REJECTED, Status.IN_PROGRESS}),
    Status.REJECTED: frozenset({Status.IN_PROGRESS, Status.DONE}),
    Status.VERIFIED: frozenset({Status.IN_PROGRESS}),
}
#: what an owner may change on their own action, and the states they may set
OWNER_FIELDS = frozenset({"status", "notes", "effective_date"})
OWNER_STATES = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.DONE})


def add_action(session: Session, *, plan_id: int, values: Mapping[str, Any], user: User) -> Action:
    """A new action (title, department, owner, due date, 8D step); its owner is e-mailed."""
    _demand_engineer(user)
    plan = _open_plan(session, plan_id)
    title = clean_text(values.get("title"), "title", 300)
    due = _date_of(values.get("due_date"), "due_date")
    if title is None or due is None:
        raise InputError("an action needs a title and a due date", column="title")
    stamp = now()
    action = Action(plan_id=plan.id, step=_step(values.get("step") or "D5"), title=title,
                    department=_department(values.get("department")),
                    owner=_owner(session, values.get("owner")), due_date=due,
                    status=Status.OPEN, notes=clean_text(values.get("notes"), "notes", 5000),
                    created_at=stamp, created_by=user.name, updated_at=stamp)  # fmt: skip
    session.add(action)
    session.flush()
    audit(session, plan_id=plan.id, user_name=user.name, entity="action", entity_id=action.id,
          field="created", old=None, new=f"{title} -> {action.owner}, due {due}")  # fmt: skip
    enqueue_assignment(session, action=action, plan=plan, by=user.name)
    return action


def require_action(session: Session, action_id: int) -> Action:
    found = session.get(Action, action_id)
    if found is None:
        raise NotFound(f"no action {action_id}")
    return found


def visible_action(session: Session, action_id: int, user: User) -> Action:
    """An action the user may see: engineers all, owners their own."""
    action = require_action(session, action_id)
    if not _is_engineer(user) and action.owner != user.name:
        raise Forbidden(f"action {action_id} is not yours")
    return action


def update_action(
    session: Session, *, action_id: int, changes: Mapping[str, Any], user: User
) -> Action:
    """Change an action; owners only their own action's status (up to done), notes and
    effective date, engineers anything. A new owner is e-mailed."""
    action = require_action(session, action_id)
    plan = _open_plan(session, action.plan_id)
    if not _is_engineer(user):
        if action.owner != user.name or user.role is not Role.OWNER:
            raise Forbidden(f"action {action_id} is not yours to change")
        refused = sorted(set(changes) - OWNER_FIELDS)
        if refused:
            raise Forbidden(f"an owner may change status, notes and effective date, not "
                            f"{', '.join(refused)}")  # fmt: skip
    reassigned = False
    for field, raw in changes.items():
        new = _parsed(session, field, raw, action, user)
        old = getattr(action, field)
        if new == old:
            continue
        setattr(action, field, new)
        reassigned = reassigned or field == "owner"
        audit(session, plan_id=plan.id, user_name=user.name, entity="action",
              entity_id=action.id, field=field, old=old, new=new)  # fmt: skip
    action.updated_at = now()
    session.flush()
    if reassigned:
        enqueue_assignment(session, action=action, plan=plan, by=user.name)
    return action


def list_actions(
    session: Session,
    *,
    plan_id: int | None = None,
    owner: str | None = None,
    overdue_on: dt.date | None = None,
) -> list[Action]:
    """Actions by due date; of one plan, of one owner, and/or overdue on a day."""
    query = select(Action).order_by(Action.due_date, Action.id)
    if plan_id is not None:
        require_plan(session, plan_id)
        query = query.where(Action.plan_id == plan_id)
    if owner is not None:
        query = query.where(Action.owner == owner)
    if overdue_on is not None:
        query = query.where(Action.due_date < overdue_on, Action.status.in_(OPEN_STATES))
    return list(session.scalars(query))


def overdue_actions(session: Session, *, today: dt.date) -> list[Action]:
    """Due before ``today`` and still open, in progress or rejected."""
    return list_actions(session, overdue_on=today)


def is_overdue(action: Action, today: dt.date) -> bool:
    return action.due_date < today and action.status in OPEN_STATES


def _parsed(session: Session, field: str, raw: Any, action: Action, user: User) -> Any:
    if field == "status":
        return _next_status(action, raw, user)
    if field in ("title", "notes"):
        value = clean_text(raw, field, 300 if field == "title" else 5000)
        if field == "title" and value is None:
            raise InputError("an action needs a title", column="title")
        return value
    if field in ("due_date", "effective_date"):
        day = _date_of(raw, field)
        if field == "due_date" and day is None:
            raise InputError("an action needs a due date", column="due_date")
        return day
    if field == "department":
        return _department(raw)
    if field == "owner":
        return _owner(session, raw)
    if field == "step":
        return _step(raw)
    raise InputError(f"{field} cannot be changed", column=field)


def _next_status(action: Action, raw: Any, user: User) -> Status:
    try:
        new = Status(str(raw).strip())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InputError(f"status {raw!r} is not one of {allowed}", column="status") from None
    if new == action.status:
        return new
    if not _is_engineer(user) and new not in OWNER_STATES:
        raise Forbidden("only an engineer verifies or rejects an action")
    if not _is_engineer(user) and action.status is Status.VERIFIED:
        raise Forbidden("only an engineer reopens a verified action")
    if new not in NEXT[action.status]:
        allowed = ", ".join(sorted(s.value for s in NEXT[action.status]))
        raise InvalidTransition(f"an action {action.status.value} can go to {allowed}, "
                                f"not {new.value}")  # fmt: skip
    return new


def _owner(session: Session, raw: Any) -> str:
    name = clean_text(raw, "owner", 100)
    found = session.scalar(select(User).where(User.name == name)) if name else None
    if found is None or not found.active:
        raise InputError(f"no active user {name!r} to own the action", column="owner")
    if found.role not in (Role.OWNER, Role.ENGINEER, Role.ADMIN):
        raise InputError(f"{name} is a {found.role.value}: an action owner has the owner or "
                         "engineer role", column="owner")  # fmt: skip
    return found.name


def _department(raw: Any) -> str:
    value = clean_text(raw, "department", 100)
    if value is None:
        raise InputError("an action needs a department", column="department")
    return value


def _step(raw: Any) -> str:
    code = str(raw).strip().upper()
    if code not in STEP_BY_CODE:
        raise InputError(f"8D step {raw!r} is not D0..D8", column="step")
    return code


def _date_of(raw: Any, field: str) -> dt.date | None:
    try:
        return _date(raw)
    except InputError as error:
        raise InputError(error.reason, column=field) from None


def _is_engineer(user: User) -> bool:
    return user.role in (Role.ENGINEER, Role.ADMIN)


def _demand_engineer(user: User) -> None:
    if not _is_engineer(user):
        raise Forbidden("creating actions needs the engineer role")
