"""Investigations: open one from a case filter or by hand, gather cases, move it through
its workflow; every change is written to its history (who, when, old, new)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qloop.core.clock import now
from qloop.core.errors import InputError, InvalidTransition, NotFound
from qloop.core.storable import has_nul
from qloop.intake.models import Case, Unit
from qloop.kpi.service import check_dates
from qloop.rca.models import (
    Investigation,
    InvestigationCase,
    InvestigationChange,
    InvestigationStatus,
)

Status = InvestigationStatus
#: the workflow: each step may go to the next; a closed investigation may be reopened
NEXT: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.ANALYSING}),
    Status.ANALYSING: frozenset({Status.CAUSE_CONFIRMED, Status.OPEN}),
    Status.CAUSE_CONFIRMED: frozenset({Status.CLOSED, Status.ANALYSING}),
    Status.CLOSED: frozenset({Status.ANALYSING}),
}
MAX_FILTER_CASES = 10_000


@dataclass(frozen=True)
class CaseFilter:
    """Which cases an investigation gathers when it is opened."""

    product: str | None = None
    failure_mode: str | None = None
    region: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "failure_mode": self.failure_mode,
            "region": self.region,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
        }

    def empty(self) -> bool:
        return not any((self.product, self.failure_mode, self.region, self.first, self.last))


def clean_text(value: str | None, field: str, limit: int) -> str | None:
    cleaned = (value or "").strip() or None
    if cleaned is not None and (len(cleaned) > limit or has_nul(cleaned)):
        raise InputError(f"{field}: at most {limit} characters, without NUL", column=field)
    return cleaned


def matching_cases(session: Session, case_filter: CaseFilter) -> list[str]:
    """Case ids the filter selects (product and region: the case's own, else its unit's)."""
    check_dates(case_filter.first, case_filter.last)
    unit = aliased(Unit)
    query = select(Case.case_id).outerjoin(unit, unit.serial == Case.serial)
    if case_filter.product:
        query = query.where(func.coalesce(Case.product, unit.product) == case_filter.product)
    if case_filter.region:
        query = query.where(func.coalesce(Case.region, unit.region) == case_filter.region)
    if case_filter.failure_mode:
        query = query.where(Case.failure_mode == case_filter.failure_mode)
    if case_filter.first:
        query = query.where(Case.received_at >= dt.datetime.combine(case_filter.first, dt.time()))
    if case_filter.last:
        stop = dt.datetime.combine(case_filter.last + dt.timedelta(days=1), dt.time())
        query = query.where(Case.received_at < stop)
    found = list(session.scalars(query.order_by(Case.received_at, Case.case_id).limit(
        MAX_FILTER_CASES + 1)))  # fmt: skip
    if len(found) > MAX_FILTER_CASES:
        raise InputError(
            f"the filter selects more than {MAX_FILTER_CASES:,} cases: narrow it", column="filter"
        )
    return found


def create_investigation(
    session: Session,
    *,
    title: str,
    user_name: str,
    case_filter: CaseFilter | None = None,
    case_ids: Iterable[str] = (),
    owner: str | None = None,
) -> Investigation:
    """Open an investigation with the cases of a filter and/or cases named by hand."""
    name = clean_text(title, "title", 300)
    if name is None:
        raise InputError("an investigation needs a title", column="title")
    case_filter = case_filter or CaseFilter()
    investigation = Investigation(
        title=name,
        failure_mode=clean_text(case_filter.failure_mode, "failure_mode", 100),
        product=clean_text(case_filter.product, "product", 100),
        owner=clean_text(owner, "owner", 100),
        case_filter=case_filter.as_json(),
        created_at=now(),
        created_by=user_name,
        status=Status.OPEN,
    )
    session.add(investigation)
    session.flush()
    gathered = [] if case_filter.empty() else matching_cases(session, case_filter)
    add_cases(session, investigation_id=investigation.id, case_ids=[*gathered, *case_ids],
              user_name=user_name, record=False)  # fmt: skip
    record_change(session, investigation, user_name, "created", None, name)
    return investigation


def require_investigation(session: Session, investigation_id: int) -> Investigation:
    found = session.get(Investigation, investigation_id)
    if found is None:
        raise NotFound(f"no investigation {investigation_id}")
    return found


def list_investigations(
    session: Session, *, status: Status | None = None, owner: str | None = None
) -> list[tuple[Investigation, int]]:
    """Investigations, newest first, each with its number of cases."""
    counts = (
        select(InvestigationCase.investigation_id, func.count().label("n"))
        .group_by(InvestigationCase.investigation_id)
        .subquery()
    )
    query = (
        select(Investigation, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.investigation_id == Investigation.id)
        .order_by(Investigation.created_at.desc(), Investigation.id.desc())
    )
    if status is not None:
        query = query.where(Investigation.status == status)
    if owner is not None:
        query = query.where(Investigation.owner == owner)
    return [(row[0], int(row[1])) for row in session.execute(query)]


def case_ids_of(session: Session, investigation_id: int) -> list[str]:
    query = select(InvestigationCase.case_id).where(
        InvestigationCase.investigation_id == investigation_id
    )
    return list(session.scalars(query.order_by(InvestigationCase.id)))


def history_of(session: Session, investigation_id: int) -> list[InvestigationChange]:
    query = select(InvestigationChange).where(
        InvestigationChange.investigation_id == investigation_id
    )
    return list(session.scalars(query.order_by(InvestigationChange.id)))


def add_cases(
    session: Session,
    *,
    investigation_id: int,
    case_ids: Iterable[str],
    user_name: str,
    record: bool = True,
) -> list[str]:
    """Link cases (known case ids only; ones already linked are skipped); the ids added."""
    investigation = require_investigation(session, investigation_id)
    wanted = list(dict.fromkeys(c.strip() for c in case_ids if c and c.strip()))
    known = set(session.scalars(select(Case.case_id).where(Case.case_id.in_(wanted))))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InputError(f"no such case: {', '.join(unknown[:5])}", column="case_id")
    linked = set(case_ids_of(session, investigation_id))
    added = [c for c in wanted if c not in linked]
    stamp = now()
    session.add_all(
        InvestigationCase(investigation_id=investigation_id, case_id=c, added_at=stamp,
                          added_by=user_name)
        for c in added
    )  # fmt: skip
    if record and added:
        record_change(session, investigation, user_name, "cases", None, "+ " + ", ".join(added))
    session.flush()
    return added


def remove_case(session: Session, *, investigation_id: int, case_id: str, user_name: str) -> None:
    investigation = require_investigation(session, investigation_id)
    link = session.scalars(
        select(InvestigationCase).where(
            InvestigationCase.investigation_id == investigation_id,
            InvestigationCase.case_id == case_id,
        )
    ).first()
    if link is None:
        raise NotFound(f"case {case_id} is not in investigation {investigation_id}")
    session.delete(link)
    record_change(session, investigation, user_name, "cases", case_id, None)
    session.flush()


def update_investigation(
    session: Session, *, investigation_id: int, changes: Mapping[str, str | None], user_name: str
) -> Investigation:
    """Change title, owner or status (the status only along the workflow)."""
    investigation = require_investigation(session, investigation_id)
    for field, raw in changes.items():
        if field == "status":
            new_status = parse_status(raw)
            if new_status == investigation.status:
                continue
            if new_status not in NEXT[investigation.status]:
                allowed = ", ".join(sorted(s.value for s in NEXT[investigation.status]))
                raise InvalidTransition(
                    f"an investigation {investigation.status.value} can go to {allowed}, "
                    f"not {new_status.value}"
                )
            old: str | None = investigation.status.value
            investigation.status = new_status
            record_change(session, investigation, user_name, field, old, new_status.value)
        elif field in ("title", "owner"):
            value = clean_text(raw, field, 300 if field == "title" else 100)
            if field == "title" and value is None:
                raise InputError("an investigation needs a title", column="title")
            old = getattr(investigation, field)
            if value != old:
                setattr(investigation, field, value)
                record_change(session, investigation, user_name, field, old, value)
        else:
            raise InputError(f"{field} cannot be changed", column=field)
    session.flush()
    return investigation


def parse_status(raw: str | None) -> Status:
    try:
        return Status((raw or "").strip())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InputError(f"status {raw!r} is not one of {allowed}", column="status") from None


def record_change(
    session: Session,
    investigation: Investigation,
    user_name: str,
    field: str,
    old: str | None,
    new: str | None,
) -> None:
    session.add(
        InvestigationChange(investigation_id=investigation.id, changed_at=now(),
                            user_name=user_name, field=field, old_value=old, new_value=new)
    )  # fmt: skip
