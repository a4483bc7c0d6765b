"""5-Why: an investigation's ordered chain of why -> because, each link with its evidence.

The chain is kept as numbered steps (1..n, no gaps) so it reads top to bottom in the page
and in exports; moving or removing a step renumbers the rest. Every change goes to the
investigation's history, like its status and cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.core.errors import InputError, NotFound
from qloop.intake.models import Case
from qloop.rca.investigations import clean_text, record_change, require_investigation
from qloop.rca.models import FiveWhyStep

MAX_STEPS = 20
#: an evidence file is kept in the database: photos and short reports, not videos
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
TEXT_LIMIT = 2000
#: a step's evidence columns that ``update_step`` also takes one by one in ``changes``
EVIDENCE_FIELDS = ("evidence_case_id", "evidence_suspect", "evidence_note")


@dataclass(frozen=True)
class Evidence:
    """What supports a step: a case, a suspect row, a note and/or a file."""

    case_id: str | None = None
    suspect: str | None = None
    note: str | None = None
    file_name: str | None = None
    file: bytes | None = None


def list_steps(session: Session, investigation_id: int) -> list[FiveWhyStep]:
    require_investigation(session, investigation_id)
    query = select(FiveWhyStep).where(FiveWhyStep.investigation_id == investigation_id)
    return list(session.scalars(query.order_by(FiveWhyStep.position)))


def require_step(session: Session, investigation_id: int, step_id: int) -> FiveWhyStep:
    found = session.get(FiveWhyStep, step_id)
    if found is None or found.investigation_id != investigation_id:
        raise NotFound(f"no 5-Why step {step_id} in investigation {investigation_id}")
    return found


def add_step(
    session: Session,
    *,
    investigation_id: int,
    why: str,
    because: str,
    user_name: str,
    evidence: Evidence | None = None,
) -> FiveWhyStep:
    """Append a link to the chain."""
    investigation = require_investigation(session, investigation_id)
    steps = list_steps(session, investigation_id)
    if len(steps) >= MAX_STEPS:
        raise InputError(f"a 5-Why chain has at most {MAX_STEPS} steps", column="why")
    step = FiveWhyStep(
        investigation_id=investigation_id,
        position=len(steps) + 1,
        why=_required(why, "why"),
        because=_required(because, "because"),
    )
    _set_evidence(session, step, evidence or Evidence())
    session.add(step)
    session.flush()
    record_change(session, investigation, user_name, f"5-why {step.position}", None,
                  _describe(step))  # fmt: skip
    return step


def update_step(
    session: Session,
    *,
    investigation_id: int,
    step_id: int,
    changes: Mapping[str, str | None],
    user_name: str,
    evidence: Evidence | None = None,
) -> FiveWhyStep:
    """Change the why or because text; replace the evidence when ``evidence`` is given.

    ``changes`` may also hold single evidence fields (``evidence_note`` ...): only those
    change; the other fields and the file stay as they are."""
    investigation = require_investigation(session, investigation_id)
    step = require_step(session, investigation_id, step_id)
    before = _describe(step)
    for field, raw in changes.items():
        if field in EVIDENCE_FIELDS:
            continue
        if field not in ("why", "because"):
            raise InputError(f"{field} cannot be changed", column=field)
        setattr(step, field, _required(raw, field))
    if evidence is None and changes.keys() & set(EVIDENCE_FIELDS):
        evidence = Evidence(
            case_id=changes.get("evidence_case_id", step.evidence_case_id),
            suspect=changes.get("evidence_suspect", step.evidence_suspect),
            note=changes.get("evidence_note", step.evidence_note),
        )
    if evidence is not None:
        _set_evidence(session, step, evidence, keep_file=evidence.file is None)
    after = _describe(step)
    if after != before:
        record_change(session, investigation, user_name, f"5-why {step.position}", before, after)
    session.flush()
    return step


def remove_step(session: Session, *, investigation_id: int, step_id: int, user_name: str) -> None:
    investigation = require_investigation(session, investigation_id)
    step = require_step(session, investigation_id, step_id)
    record_change(session, investigation, user_name, f"5-why {step.position}",
                  _describe(step), None)  # fmt: skip
    session.delete(step)
    session.flush()
    _renumber([s for s in list_steps(session, investigation_id) if s.id != step_id])


def move_step(
    session: Session, *, investigation_id: int, step_id: int, position: int, user_name: str
) -> list[FiveWhyStep]:
    """Put a step at ``position`` (1-based, clamped to the chain); the others shift."""
    investigation = require_investigation(session, investigation_id)
    step = require_step(session, investigation_id, step_id)
    steps = [s for s in list_steps(session, investigation_id) if s.id != step_id]
    old = step.position
    target = min(max(position, 1), len(steps) + 1)
    steps.insert(target - 1, step)
    _renumber(steps)
    if target != old:
        record_change(session, investigation, user_name, "5-why order", str(old), str(target))
    session.flush()
    return steps


def evidence_file(session: Session, *, investigation_id: int, step_id: int) -> tuple[str, bytes]:
    step = require_step(session, investigation_id, step_id)
    if step.evidence_file is None or step.evidence_file_name is None:
        raise NotFound(f"5-Why step {step_id} has no evidence file")
    return step.evidence_file_name, step.evidence_file


def _renumber(steps: list[FiveWhyStep]) -> None:
    for number, step in enumerate(steps, start=1):
        step.position = number


def _required(value: str | None, field: str) -> str:
    cleaned = clean_text(value, field, TEXT_LIMIT)
    if cleaned is None:
        raise InputError(f"a 5-Why step needs its '{field}'", column=field)
    return cleaned


def _set_evidence(
    session: Session, step: FiveWhyStep, evidence: Evidence, *, keep_file: bool = False
) -> None:
    case_id = clean_text(evidence.case_id, "evidence_case_id", 100)
    if (
        case_id is not None
        and session.scalar(select(Case.id).where(Case.case_id == case_id)) is None
    ):
        raise InputError(f"no such case: {case_id}", column="evidence_case_id")
    step.evidence_case_id = case_id
    step.evidence_suspect = clean_text(evidence.suspect, "evidence_suspect", 300)
    step.evidence_note = clean_text(evidence.note, "evidence_note", TEXT_LIMIT)
    if keep_file:
        return
    if evidence.file is not None and len(evidence.file) > MAX_EVIDENCE_BYTES:
        raise InputError(
            f"the evidence file is {len(evidence.file):,} bytes; at most "
            f"{MAX_EVIDENCE_BYTES:,} are kept",
            file=evidence.file_name,
            column="evidence_file",
        )
    has_file = bool(evidence.file)
    name = clean_text(evidence.file_name, "evidence_file_name", 255) if has_file else None
    step.evidence_file_name = (name or "evidence") if has_file else None
    step.evidence_file = evidence.file if has_file else None


def _describe(step: FiveWhyStep) -> str:
    parts = [f"{step.why} -> {step.because}"]
    evidence = (
        ("case", step.evidence_case_id),
        ("suspect", step.evidence_suspect),
        ("note", step.evidence_note),
        ("file", step.evidence_file_name),
    )
    for label, value in evidence:
        if value:
            parts.append(f"{label}: {value}")
    return "; ".join(parts)
