"""The FMEA worksheet of an investigation: rows, RPN and Action Priority, revisions.

Severity, occurrence and detection are rated 1..10; RPN = S x O x D is shown as a number
only, and the Action Priority (AIAG & VDA FMEA Handbook 2019, :mod:`qloop.rca.action_priority`)
orders the work. Every change — a row added, edited or removed, a spreadsheet imported —
stores the whole worksheet as a numbered revision with who, when and what changed, so an
auditor can see the worksheet as it stood on any day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qloop.core.clock import now
from qloop.core.errors import InputError, NotFound
from qloop.rca.action_priority import ActionPriority, action_priority, rpn
from qloop.rca.fmea_fields import FmeaInput
from qloop.rca.investigations import record_change, require_investigation
from qloop.rca.models import FmeaRevision, FmeaRow

MAX_ROWS = 500
_PRIORITY_ORDER = {ActionPriority.HIGH: 0, ActionPriority.MEDIUM: 1, ActionPriority.LOW: 2}
SORTS = ("position", "priority", "rpn", "severity")


@dataclass(frozen=True)
class FmeaLine:
    """A stored row with its derived figures."""

    row: FmeaRow
    rpn: int
    priority: ActionPriority

    def as_json(self) -> dict[str, Any]:
        values = FmeaInput.of_row(self.row).as_json()
        return {"id": self.row.id, "position": self.row.position, **values, "rpn": self.rpn,
                "action_priority": self.priority.value}  # fmt: skip


def worksheet(
    session: Session,
    investigation_id: int,
    *,
    priority: str | None = None,
    sort: str = "position",
) -> list[FmeaLine]:
    """The rows, optionally only one Action Priority (H, M or L), sorted by ``sort``:
    position (as entered), priority (H first, then RPN), rpn or severity (highest first)."""
    require_investigation(session, investigation_id)
    if sort not in SORTS:
        raise InputError(f"sort by one of {', '.join(SORTS)}, not {sort!r}", column="sort")
    wanted = _parse_priority(priority)
    query = select(FmeaRow).where(FmeaRow.investigation_id == investigation_id)
    lines = [
        FmeaLine(row, rpn(row.severity, row.occurrence, row.detection),
                 action_priority(row.severity, row.occurrence, row.detection))
        for row in session.scalars(query.order_by(FmeaRow.position))
    ]  # fmt: skip
    if wanted is not None:
        lines = [line for line in lines if line.priority is wanted]
    keys = {
        "position": lambda line: (line.row.position,),
        "priority": lambda line: (_PRIORITY_ORDER[line.priority], -line.rpn, line.row.position),
        "rpn": lambda line: (-line.rpn, line.row.position),
        "severity": lambda line: (-line.row.severity, -line.rpn, line.row.position),
    }
    return sorted(lines, key=keys[sort])


def require_row(session: Session, investigation_id: int, row_id: int) -> FmeaRow:
    found = session.get(FmeaRow, row_id)
    if found is None or found.investigation_id != investigation_id:
        raise NotFound(f"no FMEA row {row_id} in investigation {investigation_id}")
    return found


def add_row(
    session: Session, *, investigation_id: int, values: FmeaInput, user_name: str
) -> FmeaRow:
    require_investigation(session, investigation_id)
    count = _row_count(session, investigation_id)
    if count >= MAX_ROWS:
        raise InputError(f"an FMEA worksheet holds at most {MAX_ROWS} rows", column="item")
    row = FmeaRow(investigation_id=investigation_id, position=count + 1, **values.columns())
    session.add(row)
    session.flush()
    _revise(session, investigation_id, user_name, f"row {row.position} added: {_label(row)}")
    return row


def update_row(
    session: Session, *, investigation_id: int, row_id: int, values: FmeaInput, user_name: str
) -> FmeaRow:
    require_investigation(session, investigation_id)
    row = require_row(session, investigation_id, row_id)
    before = FmeaInput.of_row(row)
    changed = [
        f"{name} {_shown(old)} -> {_shown(new)}"
        for name, old, new in zip(
            values.columns(), asdict(before).values(), asdict(values).values(), strict=True
        )
        if old != new
    ]
    if not changed:
        return row
    for name, value in values.columns().items():
        setattr(row, name, value)
    session.flush()
    summary = f"row {row.position} ({_label(row)}): " + "; ".join(changed)
    _revise(session, investigation_id, user_name, summary)
    return row


def remove_row(session: Session, *, investigation_id: int, row_id: int, user_name: str) -> None:
    require_investigation(session, investigation_id)
    row = require_row(session, investigation_id, row_id)
    summary = f"row {row.position} removed: {_label(row)}"
    session.delete(row)
    session.flush()
    rest = session.scalars(
        select(FmeaRow).where(FmeaRow.investigation_id == investigation_id)
        .order_by(FmeaRow.position)
    )  # fmt: skip
    for number, other in enumerate(rest, start=1):
        other.position = number
    session.flush()
    _revise(session, investigation_id, user_name, summary)


def replace_rows(
    session: Session,
    *,
    investigation_id: int,
    rows: Sequence[FmeaInput],
    user_name: str,
    summary: str,
) -> list[FmeaRow]:
    """The worksheet becomes ``rows`` (an import): one revision for the whole change."""
    require_investigation(session, investigation_id)
    if len(rows) > MAX_ROWS:
        raise InputError(f"an FMEA worksheet holds at most {MAX_ROWS} rows", column="item")
    for old in session.scalars(select(FmeaRow).where(FmeaRow.investigation_id == investigation_id)):
        session.delete(old)
    session.flush()
    stored = [FmeaRow(investigation_id=investigation_id, position=n, **values.columns())
              for n, values in enumerate(rows, start=1)]  # fmt: skip
    session.add_all(stored)
    session.flush()
    _revise(session, investigation_id, user_name, summary)
    return stored


def revisions(session: Session, investigation_id: int) -> list[FmeaRevision]:
    """Newest first."""
    require_investigation(session, investigation_id)
    query = select(FmeaRevision).where(FmeaRevision.investigation_id == investigation_id)
    return list(session.scalars(query.order_by(FmeaRevision.number.desc())))


def require_revision(session: Session, investigation_id: int, number: int) -> FmeaRevision:
    query = select(FmeaRevision).where(
        FmeaRevision.investigation_id == investigation_id, FmeaRevision.number == number
    )
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"no FMEA revision {number} in investigation {investigation_id}")
    return found


def _revise(session: Session, investigation_id: int, user_name: str, summary: str) -> None:
    last = session.scalar(
        select(func.max(FmeaRevision.number)).where(
            FmeaRevision.investigation_id == investigation_id
        )
    )
    rows = session.scalars(
        select(FmeaRow).where(FmeaRow.investigation_id == investigation_id)
        .order_by(FmeaRow.position)
    )  # fmt: skip
    snapshot = [FmeaInput.of_row(row).as_json() for row in rows]
    number = (last or 0) + 1
    session.add(
        FmeaRevision(investigation_id=investigation_id, number=number, created_at=now(),
                     created_by=user_name, summary=summary[:300], rows=snapshot)
    )  # fmt: skip
    investigation = require_investigation(session, investigation_id)
    record_change(session, investigation, user_name, "fmea", None, f"revision {number}: {summary}")
    session.flush()


def _row_count(session: Session, investigation_id: int) -> int:
    query = select(func.count()).where(FmeaRow.investigation_id == investigation_id)
    return session.scalar(query) or 0


def _parse_priority(raw: str | None) -> ActionPriority | None:
    if raw is None or not raw.strip():
        return None
    try:
        return ActionPriority(raw.strip().upper())
    except ValueError:
        raise InputError(f"action priority {raw!r} is not H, M or L", column="priority") from None


def _label(row: FmeaRow) -> str:
    return f"{row.item} / {row.failure_mode}"[:120]


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)
