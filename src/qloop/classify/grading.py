"""Applying a classification to stored cases: labels, facts, escalation, duplicates.

Split from ``service`` so each step reads on its own. Everything here loads
what it needs in a few set-based queries per chunk of cases (never one query
per case): an import of a hundred thousand cases must not become a hundred
thousand round trips.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from qloop.classify.classifier import Classification
from qloop.classify.facts import RepairFact, comparable_text, escalated, repair_reasons, similarity
from qloop.classify.rules import Reason
from qloop.classify.severity_rules import GRADE_RANK, EscalationSpec, SeverityRulesSpec
from qloop.core.settings import Settings
from qloop.intake.models import Case, Repair, SetBy

IN_LIMIT = 500  # values per IN (...) list


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), IN_LIMIT):
        yield items[start : start + IN_LIMIT]


def repairs_of(session: Session, serials: set[str]) -> dict[str, list[RepairFact]]:
    found: dict[str, list[RepairFact]] = defaultdict(list)
    for chunk in _chunks(serials):
        rows = session.execute(
            select(Repair.serial, Repair.repair_id, Repair.opened_at, Repair.closed_at).where(
                Repair.serial.in_(chunk)
            )
        )
        for serial, repair_id, opened_at, closed_at in rows:
            found[serial].append(RepairFact(repair_id, opened_at, closed_at))
    return found


def apply(
    case: Case,
    answer: Classification,
    repairs: Sequence[RepairFact],
    rules: SeverityRulesSpec,
) -> None:
    """Fill the case's empty labels from ``answer`` and the unit's repair history."""
    if case.category is None and case.category_set_by != SetBy.USER and answer.category:
        case.category = answer.category
        case.category_set_by = SetBy.AUTO
        case.category_confidence = answer.category_confidence
        case.category_set_by_user = None
    if case.failure_mode is None and answer.failure_mode and case.category == answer.category:
        case.failure_mode = answer.failure_mode
    if case.severity is None and case.severity_set_by != SetBy.USER:
        reasons = list(answer.severity_reasons)
        facts = repair_reasons(case.received_at, repairs, rules.facts) if repairs else []
        if facts:
            reasons = [r for r in reasons if r.rule != "default"] + facts
        grade = max((r.grade for r in reasons), key=GRADE_RANK.__getitem__)
        case.severity = grade
        case.severity_set_by = SetBy.AUTO
        case.severity_set_by_user = None
        case.severity_reasons = [
            r.as_dict() for r in sorted(reasons, key=lambda r: -GRADE_RANK[r.grade])
        ]


def escalate(session: Session, cases: Sequence[Case], rule: EscalationSpec) -> int:
    """Raise automatically graded new cases when their failure mode piles up on a product."""
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for case in cases:
        if case.product and case.failure_mode:
            groups[(case.product, case.failure_mode)].append(case)
    window = dt.timedelta(days=rule.days)
    raised = 0
    for (product, mode), members in groups.items():
        first = min(c.received_at for c in members) - window
        last = max(c.received_at for c in members)
        moments = session.execute(
            select(Case.id, Case.received_at).where(
                Case.product == product,
                Case.failure_mode == mode,
                Case.received_at > first,
                Case.received_at <= last,
            )
        ).all()
        counts = escalated([(pk, at) for pk, at in moments], rule)
        for case in members:
            count = counts.get(case.id)
            if (
                count is None
                or case.severity_set_by != SetBy.AUTO
                or case.severity is None
                or GRADE_RANK[case.severity] >= GRADE_RANK[rule.grade]
            ):
                continue
            reason = Reason(
                "escalation",
                rule.grade,
                (f"{count} cases of {mode} on {product} within {rule.days} days",),
            )
            case.severity = rule.grade
            earlier = [r for r in case.severity_reasons or [] if r.get("rule") != "default"]
            case.severity_reasons = [reason.as_dict(), *earlier]
            raised += 1
    return raised


def flag_duplicates(session: Session, cases: Sequence[Case], settings: Settings) -> int:
    """Link a new case to the earlier case it probably repeats (see README: duplicates)."""
    fresh = [c for c in cases if c.duplicate_of is None]
    if not fresh:
        return 0
    serial_window = dt.timedelta(days=settings.duplicate_days)
    text_window = dt.timedelta(days=settings.duplicate_text_days)
    first = min(c.received_at for c in fresh)
    by_serial = _neighbours(
        session, Case.serial, {c.serial for c in fresh if c.serial}, first - serial_window
    )
    by_customer = _neighbours(
        session, Case.customer, {c.customer for c in fresh if c.customer}, first - text_window
    )
    texts: dict[int, str] = {}  # each text reduced once, however many pairs it is in

    def comparable(case: Case) -> str:
        if case.id not in texts:
            texts[case.id] = comparable_text(case_words(case))
        return texts[case.id]

    flagged = 0
    for case in fresh:
        moment = (case.received_at, case.id)
        if case.serial and case.failure_mode:
            same = [
                other
                for other in by_serial.get(case.serial, [])
                if other.failure_mode == case.failure_mode
                and (other.received_at, other.id) < moment
                and case.received_at - other.received_at <= serial_window
            ]
            if same:
                earlier = max(same, key=lambda o: (o.received_at, o.id))
                days = (case.received_at - earlier.received_at).days
                _link(
                    case,
                    earlier,
                    f"same serial and failure mode {case.failure_mode}, {days} days later",
                )
                flagged += 1
                continue
        if case.customer:
            text = comparable(case)
            best: tuple[float, Case] | None = None
            for other in by_customer.get(case.customer, []):
                if not (
                    (other.received_at, other.id) < moment
                    and case.received_at - other.received_at <= text_window
                ):
                    continue
                score = similarity(text, comparable(other), at_least=settings.duplicate_similarity)
                if score >= settings.duplicate_similarity and (best is None or score > best[0]):
                    best = (score, other)
            if best is not None:
                _link(case, best[1], f"near-identical text ({best[0]:.0%}) from the same customer")
                flagged += 1
    return flagged


def case_words(case: Case) -> str:
    return " ".join(part for part in (case.title, case.description) if part)


def _link(case: Case, earlier: Case, reason: str) -> None:
    case.duplicate_of = earlier.case_id
    case.duplicate_reason = reason[:300]


def _neighbours(
    session: Session,
    column: InstrumentedAttribute[str | None],
    values: set[str],
    since: dt.datetime,
) -> dict[str, list[Case]]:
    """Stored cases since ``since`` sharing a serial (or customer) with the new ones."""
    found: dict[str, list[Case]] = defaultdict(list)
    for chunk in _chunks(values):
        for case in session.scalars(
            select(Case).where(column.in_(chunk), Case.received_at >= since)
        ):
            found[getattr(case, column.key)].append(case)
    return found
