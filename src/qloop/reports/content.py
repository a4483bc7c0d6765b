"""What the monthly report says, gathered once and rendered by each format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qloop.alerts import service as alerts_service
from qloop.alerts.models import Alert
from qloop.core.errors import InputError
from qloop.core.json_values import json_ready
from qloop.core.settings import Settings
from qloop.intake.models import Case, Category
from qloop.kpi import service as kpi_service
from qloop.kpi import targets as kpi_targets
from qloop.kpi.cohorts import pareto
from qloop.kpi.definitions import METRICS, GroupBy, Metric
from qloop.kpi.periods import PeriodKind, parse_period_key, period_end, period_key
from qloop.taxonomy.models import FailureMode

TREND_MONTHS = 12
TOP_MODES = 10


@dataclass(frozen=True)
class KpiLine:
    """One KPI of the month: value, the month before, the target in force and its verdict."""

    metric: Metric
    value: int | float | None
    previous: int | float | None
    target: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.metric.meets(self.value, self.target)


@dataclass(frozen=True)
class MonthlyReport:
    period: str
    previous_period: str
    first_day: dt.date
    last_day: dt.date
    kpis: list[KpiLine]
    by_product: list[dict[str, Any]]
    history: pd.DataFrame  # last 12 months, overall: period + every KPI
    targets: dict[str, float]
    failure_modes: pd.DataFrame  # item, cases, share, cumulative_share, previous
    alerts: list[Alert]
    #: failure mode and category codes -> (English, Chinese) names from the taxonomy
    names: dict[str, tuple[str, str]]
    #: investigations not closed by the month's end: (number, title, status, owner, cases)
    investigations: list[tuple[int, str, str, str | None, int]] = field(default_factory=list)
    generated_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now().replace(microsecond=0)
    )

    @property
    def trends(self) -> list[Alert]:
        return [a for a in self.alerts if a.kind == "trend"]


def _number(value: Any) -> int | float | None:
    plain = json_ready(value)
    return plain if plain is None or isinstance(plain, int) else float(plain)


def build_report(session: Session, settings: Settings, *, period: str) -> MonthlyReport:
    """Gather the month's report; alerts are checked for the month first (and stored)."""
    try:
        first = parse_period_key(period, PeriodKind.MONTH)
    except ValueError as error:
        raise InputError(str(error), column="period") from None
    period = period_key(first, PeriodKind.MONTH)  # " 2026-06" and "2026-06" alike
    last = period_end(first, PeriodKind.MONTH)
    previous_first = (first - dt.timedelta(days=1)).replace(day=1)
    history_first = first
    for _ in range(TREND_MONTHS - 1):
        history_first = (history_first - dt.timedelta(days=1)).replace(day=1)
    span = kpi_service.data_span(session)
    if span is not None:  # no empty months before the data start
        history_first = max(history_first, span[0].replace(day=1))
    if span is not None and span[0] > last:
        history_first = first
    history = kpi_service.kpi_table(
        session, first=history_first, last=last, repeat_days=settings.repeat_days
    ).records()
    rows = {row["period"]: row for row in history}
    current = rows.get(period, {})
    before = rows.get(period_key(previous_first, PeriodKind.MONTH), {})
    in_force = kpi_targets.effective_targets(session, settings.kpi_targets)
    targets: dict[str, float] = {}
    lines = []
    for metric in METRICS:
        target = kpi_targets.target_for(in_force, metric.key, None)
        if target is not None:
            targets[metric.key] = target.value
        lines.append(
            KpiLine(
                metric,
                _number(current.get(metric.key)),
                _number(before.get(metric.key)),
                None if target is None else target.value,
            )  # fmt: skip
        )
    by_product = kpi_service.kpi_table(
        session, by=GroupBy.PRODUCT, first=first, last=last, repeat_days=settings.repeat_days
    ).records()
    if span is not None:  # judge only what has ended: a month still running is not checked
        alerts_service.check_alerts(session, settings, since=first, as_of=min(last, span[1]))
    alerts = [
        a
        for a in alerts_service.list_alerts(session, since=first, limit=None)
        if period in a.periods or a.period_end <= last
    ]
    return MonthlyReport(
        period=period,
        previous_period=period_key(previous_first, PeriodKind.MONTH),
        first_day=first,
        last_day=last,
        kpis=lines,
        by_product=[r for r in by_product if r["product"] is not None],
        history=pd.DataFrame(history),
        targets=targets,
        failure_modes=_failure_modes(session, first, last, previous_first),
        alerts=alerts,
        names=_names(session),
        investigations=_open_investigations(session, last),
    )


def _open_investigations(
    session: Session, last: dt.date
) -> list[tuple[int, str, str, str | None, int]]:
    """Investigations opened by the month's end and not closed, oldest first."""
    from qloop.rca.investigations import list_investigations
    from qloop.rca.models import InvestigationStatus

    stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    found = [
        (item.id, item.title, item.status.value, item.owner, cases)
        for item, cases in list_investigations(session)
        if item.status is not InvestigationStatus.CLOSED and item.created_at < stop
    ]
    return sorted(found)


def _names(session: Session) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for model in (Category, FailureMode):
        for code, english, chinese in session.execute(
            select(model.code, model.name_en, model.name_zh)
        ):
            names[code] = (english or code, chinese or english or code)
    return names


def _mode_counts(session: Session, first: dt.date, stop: dt.date) -> pd.Series:
    mode = func.coalesce(Case.failure_mode, Case.category)
    query = (
        select(mode, func.count())
        .where(
            Case.received_at >= dt.datetime.combine(first, dt.time()),
            Case.received_at < dt.datetime.combine(stop, dt.time()),
        )
        .group_by(mode)
    )
    return pd.Series({(m or "(none)"): n for m, n in session.execute(query)}, dtype=int)


def _failure_modes(
    session: Session, first: dt.date, last: dt.date, previous_first: dt.date
) -> pd.DataFrame:
    """The month's top failure modes with the previous month's count beside each."""
    now = _mode_counts(session, first, last + dt.timedelta(days=1))
    before = _mode_counts(session, previous_first, first)
    table = pareto(now).head(TOP_MODES)
    table["previous"] = [int(before.get(item, 0)) for item in table["item"]]
    return table
