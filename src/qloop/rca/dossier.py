"""Everything known about one investigation, gathered once for its page and its exports:
the cases, the suspects of its failure mode, failures by time in service for the leading
suspect's attribute, the 5-Why chain, the fishbone, the FMEA worksheet and the history.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.intake.models import Case
from qloop.rca import fishbone, five_why, fmea
from qloop.rca.fishbone_drawing import investigation_fishbone_svg
from qloop.rca.investigations import case_ids_of, history_of, require_investigation
from qloop.rca.models import (
    FishboneCause,
    FiveWhyStep,
    FmeaRevision,
    Investigation,
    InvestigationChange,
)
from qloop.rca.occurrence import OccurrenceSuggestion, suggest_occurrence
from qloop.rca.service import Suspects, find_suspects
from qloop.rca.time_in_service import TimeInService, failures_by_time_in_service

CASES_SHOWN = 50
SUSPECTS_SHOWN = 15
#: a suspect worth a chart: over-represented at this false-discovery rate
SIGNIFICANT_Q = 0.05


@dataclass(frozen=True)
class Dossier:
    investigation: Investigation
    failure_mode: str | None
    case_count: int
    cases: list[Case]
    suspects: Suspects | None
    time_in_service: TimeInService | None
    steps: list[FiveWhyStep]
    causes: list[FishboneCause]
    fishbone_svg: str
    fmea: list[fmea.FmeaLine]
    revisions: list[FmeaRevision]
    occurrence: OccurrenceSuggestion | None
    history: list[InvestigationChange]

    def suspect_rows(self) -> list[dict[str, Any]]:
        if self.suspects is None:
            return []
        return list(self.suspects.as_json(SUSPECTS_SHOWN)["suspects"])


def build_dossier(
    session: Session,
    investigation_id: int,
    locale: str,
    *,
    attribute: str | None = None,
    fmea_priority: str | None = None,
    fmea_sort: str = "position",
) -> Dossier:
    """Gather the investigation; ``attribute`` chooses the time-in-service chart's attribute
    (default: the leading suspect's, when one is significant, else the first row's)."""
    investigation = require_investigation(session, investigation_id)
    case_ids = case_ids_of(session, investigation_id)
    shown = case_ids[:CASES_SHOWN]
    cases = list(session.scalars(select(Case).where(Case.case_id.in_(shown))
                                 .order_by(Case.received_at.desc())))  # fmt: skip
    mode = investigation.failure_mode or _commonest_mode(session, case_ids)
    suspects = tis = occurrence = None
    if mode:
        suspects = find_suspects(session, failure_mode=mode, product=investigation.product)
        chosen = attribute or _chart_attribute(suspects)
        if chosen:
            tis = failures_by_time_in_service(
                session, failure_mode=mode, attribute=chosen, product=investigation.product
            )
        occurrence = suggest_occurrence(session, failure_mode=mode, product=investigation.product)
    return Dossier(
        investigation=investigation,
        failure_mode=mode,
        case_count=len(case_ids),
        cases=cases,
        suspects=suspects,
        time_in_service=tis,
        steps=five_why.list_steps(session, investigation_id),
        causes=fishbone.list_causes(session, investigation_id),
        fishbone_svg=investigation_fishbone_svg(session, investigation_id, locale),
        fmea=fmea.worksheet(session, investigation_id, priority=fmea_priority, sort=fmea_sort),
        revisions=fmea.revisions(session, investigation_id),
        occurrence=occurrence,
        history=history_of(session, investigation_id),
    )


def _commonest_mode(session: Session, case_ids: list[str]) -> str | None:
    """The failure mode most of the linked cases have (for investigations opened by hand)."""
    modes: Counter[str] = Counter()
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        query = select(Case.failure_mode).where(Case.case_id.in_(chunk))
        modes.update(m for m in session.scalars(query) if m)
    return modes.most_common(1)[0][0] if modes else None


def _chart_attribute(suspects: Suspects) -> str | None:
    table = suspects.table
    if table.empty:
        return None
    significant = table[table["q_value"] < SIGNIFICANT_Q]
    leading = significant if not significant.empty else table
    return str(leading.iloc[0]["attribute"])
