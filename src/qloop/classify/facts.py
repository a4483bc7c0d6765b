"""Severity from facts rather than words, and duplicate detection: pure functions.

A case's text rarely says "this unit was repaired three weeks ago"; the repair
records do. These functions take plain values loaded by ``service`` so the rules
can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from qloop.classify.rules import Reason
from qloop.classify.severity_rules import EscalationSpec, FactsSpec
from qloop.intake.models import Severity


@dataclass(frozen=True)
class RepairFact:
    repair_id: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None


def repair_reasons(
    received_at: dt.datetime, repairs: Sequence[RepairFact], facts: FactsSpec
) -> list[Reason]:
    """``important`` reasons from the unit's earlier repairs.

    - soon_after_repair: a repair of the unit closed at most
      ``soon_after_repair_days`` before the case arrived;
    - repeat_repair: the unit had a repair opened within ``repeat_repair_days``
      before the case (so this is at least its second visit).
    """
    reasons = []
    soon = dt.timedelta(days=facts.soon_after_repair_days)
    recent = [
        (r.closed_at, r.repair_id)
        for r in repairs
        if r.closed_at is not None and received_at - soon <= r.closed_at <= received_at
    ]
    if recent:
        closed_at, repair_id = max(recent)
        days = (received_at - closed_at).days
        reasons.append(
            Reason(
                "soon_after_repair",
                Severity.IMPORTANT,
                (f"repair {repair_id} closed {days} days before",),
            )
        )
    window = dt.timedelta(days=facts.repeat_repair_days)
    earlier = [r for r in repairs if received_at - window <= r.opened_at < received_at]
    if earlier:
        reasons.append(
            Reason(
                "repeat_repair",
                Severity.IMPORTANT,
                (f"{len(earlier)} earlier repair(s) in {facts.repeat_repair_days} days",),
            )
        )
    return reasons


def escalated(moments: Sequence[tuple[int, dt.datetime]], rule: EscalationSpec) -> dict[int, int]:
    """Cases that are at least the ``rule.cases``-th of their group within ``rule.days``.

    ``moments`` are (case key, received at) of one failure mode and product; the
    answer maps each escalated case to the number of cases in its window
    (received_at - days, received_at], itself included.
    """
    ordered = sorted(moments, key=lambda m: (m[1], m[0]))
    window = dt.timedelta(days=rule.days)
    result: dict[int, int] = {}
    first = 0
    for i, (key, moment) in enumerate(ordered):
        while ordered[first][1] <= moment - window:
            first += 1
        count = i - first + 1
        if count >= rule.cases:
            result[key] = count
    return result


_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def comparable_text(text: str) -> str:
    """Text reduced to what matters for "near-identical": letters and digits, lower case."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).casefold())


def similarity(a: str, b: str, *, at_least: float = 0.0) -> float:
    """How alike two comparable texts are, 0..1 (difflib's ratio); 0 when surely below
    ``at_least`` (the cheap upper bounds rule most pairs out without the full comparison)."""
    if not a or not b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
        return 0.0
    return matcher.ratio()
