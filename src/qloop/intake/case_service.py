"""Cases as people work with them: find, read with their context, create, change with history.

Imports go through ``service.import_file``; this module serves the API and the
pages. A typed-in case is validated by the very converter an imported row goes
through, so both paths accept and refuse the same things.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, null, or_, select
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.core.clock import now
from qloop.core.errors import InputError, NotFound
from qloop.core.settings import Settings
from qloop.core.storable import unstorable
from qloop.intake.categories import category_code
from qloop.intake.convert import RowConverter
from qloop.intake.models import Case, CaseChange, Repair, SetBy, Survey, Unit
from qloop.intake.parsing import normalise_code, parse_severity, parse_status
from qloop.intake.records import SPECS, RowError
from qloop.intake.upsert import register_categories, register_products

MAX_SEARCH_WORDS = 20
CODE_LENGTH = 100
SORTABLE = ("received_at", "case_id", "severity", "status", "channel", "product", "category")
_SEVERITY_ORDER = case({"urgent": 0, "important": 1, "general": 2}, value=Case.severity, else_=3)


@dataclass(frozen=True)
class CaseFilters:
    channel: str | None = None
    category: str | None = None
    severity: str | None = None
    status: str | None = None
    product: str | None = None
    serial: str | None = None
    q: str | None = None  # every word must appear in the title or the description
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None


def _filtered(statement: Select[Any], filters: CaseFilters) -> Select[Any]:
    for name in ("channel", "category", "severity", "status", "product", "serial"):
        value = getattr(filters, name)
        if value:
            statement = statement.where(getattr(Case, name) == value)
    if filters.received_from is not None:
        statement = statement.where(Case.received_at >= filters.received_from)
    if filters.received_to is not None:
        statement = statement.where(Case.received_at <= filters.received_to)
    for word in (filters.q or "").split()[:MAX_SEARCH_WORDS]:
        # LIKE, not a tokenising full-text index: Chinese has no spaces between words, and
        # a two-character query such as 鼓包 must find its cases.
        needle = word.lower()
        if needle == needle.upper():
            # nothing with a case (Chinese, digits): no lower() per row, which on SQLite
            # is a Python function and the bulk of a search's time
            title: ColumnElement[Any] = Case.title.expression
            description: ColumnElement[Any] = Case.description.expression
        else:
            title, description = func.lower(Case.title), func.lower(Case.description)
        statement = statement.where(
            or_(
                title.contains(needle, autoescape=True),
                description.contains(needle, autoescape=True),
            )
        )
    return statement


def list_cases(
    session: Session,
    *,
    filters: CaseFilters,
    sort: str = "-received_at",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """One page of cases and the number of all that match; ``sort`` is a field, ``-`` first
    for descending."""
    field = sort.removeprefix("-")
    if field not in SORTABLE:
        raise InputError(f"sort by one of {', '.join(SORTABLE)} (- for descending)", column="sort")
    if len((filters.q or "").split()) > MAX_SEARCH_WORDS:
        raise InputError(f"search with at most {MAX_SEARCH_WORDS} words", column="q")
    key = _SEVERITY_ORDER if field == "severity" else getattr(Case, field)
    # empty values last either way, as PostgreSQL and SQLite would not agree by themselves
    order = (key.desc() if sort.startswith("-") else key.asc()).nulls_last()
    total = session.scalar(_filtered(select(func.count()).select_from(Case), filters)) or 0
    rows = session.scalars(
        _filtered(select(Case), filters).order_by(order, Case.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def require_case(session: Session, case_id: str) -> Case:
    found = session.scalar(select(Case).where(Case.case_id == case_id))
    if found is None:
        raise NotFound(f'no case "{case_id}"')
    return found


@dataclass(frozen=True)
class CaseContext:
    case: Case
    unit: Unit | None
    repairs: list[Repair]
    surveys: list[Survey]
    history: list[CaseChange]
    #: later cases flagged as possible duplicates of this one
    duplicates: list[Case] = dataclasses.field(default_factory=list)


def case_context(session: Session, case_id: str) -> CaseContext:
    """A case with its unit, its repairs and surveys, and its change history."""
    found = require_case(session, case_id)
    unit = session.scalar(select(Unit).where(Unit.serial == found.serial)) if found.serial else None
    repairs = session.scalars(
        select(Repair).where(Repair.case_id == case_id).order_by(Repair.opened_at)
    )
    surveys = session.scalars(
        select(Survey).where(Survey.case_id == case_id).order_by(Survey.answered_at)
    )
    history = session.scalars(
        select(CaseChange).where(CaseChange.case_pk == found.id).order_by(CaseChange.id)
    )
    duplicates = session.scalars(
        select(Case).where(Case.duplicate_of == case_id).order_by(Case.received_at, Case.id)
    )
    return CaseContext(found, unit, list(repairs), list(surveys), list(history), list(duplicates))


def unit_context(session: Session, serial: str) -> tuple[Unit, list[Case], list[Repair]]:
    unit = session.scalar(select(Unit).where(Unit.serial == serial))
    if unit is None:
        raise NotFound(f'no unit "{serial}"')
    cases = session.scalars(select(Case).where(Case.serial == serial).order_by(Case.received_at))
    repairs = session.scalars(
        select(Repair).where(Repair.serial == serial).order_by(Repair.opened_at)
    )
    return unit, list(cases), list(repairs)


def create_case(
    session: Session,
    *,
    fields: dict[str, str | None],
    attributes: dict[str, str],
    user: User,
    settings: Settings | None = None,
) -> Case:
    """Store a typed-in case, validated like an imported row; its labels are the user's."""
    header = [*fields, *attributes]
    converter = RowConverter(SPECS["cases"], header, file="new case")
    try:
        record = converter.convert([v or "" for v in [*fields.values(), *attributes.values()]])
    except RowError as error:
        raise InputError(error.reason, column=error.column) from None
    if session.scalar(select(Case.id).where(Case.case_id == record["case_id"])) is not None:
        raise InputError(f'case "{record["case_id"]}" exists already', column="case_id")
    if record.get("product"):
        register_products(session, {record["product"]})
    if record.get("category"):
        register_categories(session, {record["category"]})
    values = {k: v for k, v in record.items() if v is not None}
    new = Case(**values)
    for field in ("category", "severity"):
        if values.get(field) is not None:
            setattr(new, f"{field}_set_by", SetBy.USER)
            setattr(new, f"{field}_set_by_user", user.name)
    session.add(new)
    session.flush()
    from qloop.classify.service import grade_new_cases  # classify builds on intake

    grade_new_cases(session, after_id=new.id - 1, settings=settings)
    return new


def update_case(
    session: Session,
    *,
    case_id: str,
    changes: dict[str, str | None],
    user: User,
    at: dt.datetime | None = None,
) -> Case:
    """Apply a person's changes; every changed field is recorded with old and new value."""
    found = require_case(session, case_id)
    at = at or now()
    for field, raw in changes.items():
        old = getattr(found, field)
        if raw is not None and old is not None and raw == str(old):
            continue  # unchanged (also keeps an assignee who has since been disabled)
        new = _parsed(session, field, raw)
        if (str(old) if old is not None else None) == new:
            continue
        setattr(found, field, new)
        if field in ("category", "severity"):
            setattr(found, f"{field}_set_by", SetBy.USER)
            setattr(found, f"{field}_set_by_user", user.name)
            if field == "category":
                found.category_confidence = None  # the classifier's doubt no longer applies
            else:
                found.severity_reasons = null()  # its reasons were for another grade
        session.add(
            CaseChange(
                case_pk=found.id,
                changed_at=at,
                user_name=user.name,
                field=field,
                old_value=None if old is None else str(old),
                new_value=new,
            )
        )
    session.flush()
    return found


def _parsed(session: Session, field: str, raw: str | None) -> str | None:
    if raw is not None and unstorable(raw):
        raise InputError("contains a NUL character or broken text", column=field)
    if raw is None or not raw.strip():
        if field == "status":
            raise InputError("a case always has a status", column="status")
        return None
    try:
        if field in ("category", "failure_mode"):
            code = category_code(raw) if field == "category" else normalise_code(raw)
            if len(code) > CODE_LENGTH:
                raise ValueError(f"is longer than {CODE_LENGTH} characters")
            if field == "category":
                register_categories(session, {code})
            return code
        if field == "severity":
            return parse_severity(raw)
        if field == "status":
            return parse_status(raw)
    except ValueError as error:
        raise InputError(str(error), column=field) from None
    if field != "assignee":
        raise InputError("cannot be changed here", column=field)
    assignee = session.scalar(select(User).where(User.name == raw.strip(), User.active))
    if assignee is None:
        raise InputError(f'no active user "{raw.strip()}"', column="assignee")
    return assignee.name


OPEN_STATUSES = ("new", "in_progress")


def open_case_counts(session: Session) -> dict[tuple[str, str | None], int]:
    """Open cases by (status, severity); severity ``None`` for cases not graded yet."""
    rows = session.execute(
        select(Case.status, Case.severity, func.count())
        .where(Case.status.in_(OPEN_STATUSES))
        .group_by(Case.status, Case.severity)
    )
    return {
        (str(status), None if severity is None else str(severity)): count
        for status, severity, count in rows
    }


def newest_urgent(session: Session, *, limit: int = 10) -> list[Case]:
    """The most recent open urgent cases."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.severity == "urgent", Case.status.in_(OPEN_STATUSES))
            .order_by(Case.received_at.desc(), Case.id.desc())
            .limit(limit)
        )
    )


def cases_per_day(session: Session, *, days: int, until: dt.date) -> list[tuple[dt.date, int]]:
    """Cases received on each of the ``days`` days ending with ``until``; days without any
    count 0."""
    first = until - dt.timedelta(days=days - 1)
    received = session.scalars(
        select(Case.received_at).where(
            Case.received_at >= dt.datetime.combine(first, dt.time()),
            Case.received_at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()),
        )
    )
    counts: dict[dt.date, int] = {}
    for moment in received:
        counts[moment.date()] = counts.get(moment.date(), 0) + 1
    return [
        (first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0))
        for i in range(days)
    ]
