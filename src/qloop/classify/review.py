"""The review queue: automatic categories an engineer should look at, and their answers.

A case lands here when its category was set by the classifier with a
confidence below ``QLOOP_REVIEW_THRESHOLD``. Confirming (one click) or
correcting makes the category a person's label: it leaves the queue, is never
changed by the classifier again, becomes training data for ``qloop classify
train``, and the decision is written to the case history like any other edit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.intake import case_service
from qloop.intake.models import Case, CaseChange, Category, SetBy
from qloop.taxonomy.models import FailureMode


def _queue(threshold: float) -> tuple[ColumnElement[bool], ...]:
    return (
        Case.category_set_by == SetBy.AUTO,
        func.coalesce(Case.category_confidence, 0.0) < threshold,
    )


def _mode_category(session: Session, mode: str) -> str | None:
    """The category a failure mode belongs to in the taxonomy (None: not in the taxonomy)."""
    return session.scalar(select(FailureMode.category).where(FailureMode.code == mode))


def review_queue(
    session: Session, *, threshold: float, limit: int = 50, offset: int = 0
) -> tuple[list[Case], int]:
    """The least confident automatic categories first, then the newest cases; and the count."""
    conditions = _queue(threshold)
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    cases = session.scalars(
        select(Case)
        .where(*conditions)
        .order_by(
            func.coalesce(Case.category_confidence, 0.0), Case.received_at.desc(), Case.id.desc()
        )
        .limit(limit)
        .offset(offset)
    )
    return list(cases), total


def review_case(
    session: Session,
    *,
    case_id: str,
    category: str,
    user: User,
    severity: str | None = None,
    failure_mode: str | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Confirm or correct a case's category (and optionally its grade and failure mode)."""
    at = at or now()
    found = case_service.require_case(session, case_id)
    if found.category_set_by != SetBy.AUTO:
        who = found.category_set_by_user or "the import file"
        raise InputError(
            f'the category of case "{case_id}" was already set by {who}; '
            "change it on the case page",
            column="category",
        )
    if session.get(Category, category) is None:
        raise InputError(f'"{category}" is not a category of the taxonomy', column="category")
    changes: dict[str, str | None] = {"category": category}
    if severity:
        changes["severity"] = severity
    if failure_mode:
        changes["failure_mode"] = failure_mode
    elif found.failure_mode and _mode_category(session, found.failure_mode) not in (
        None,
        category,
    ):
        changes["failure_mode"] = None  # the rejected category's mode would mislead
    confirmed = found.category == category
    case_service.update_case(session, case_id=case_id, changes=changes, user=user, at=at)
    if confirmed:  # unchanged, so update_case recorded nothing: the confirmation itself is news
        session.add(
            CaseChange(
                case_pk=found.id,
                changed_at=at,
                user_name=user.name,
                field="category",
                old_value=f"{category} (auto)",
                new_value=category,
            )
        )
    found.category_set_by = SetBy.USER
    found.category_set_by_user = user.name
    found.category_confidence = None
    session.flush()
    return found
