"""Data behind the KPI charts, each as a frame that the page draws and exports as CSV.

- ``kpis``: every KPI by month (overall, or one product) with the target in force;
- ``pareto``: cases per failure mode, largest first, with the cumulative share;
- ``cohorts``: cumulative cases per 1000 units by production month against months in
  service (see :mod:`qloop.kpi.cohorts`);
- ``heatmap``: cases per region and category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qloop.core.settings import Settings
from qloop.intake.models import Case, Unit
from qloop.kpi import service, targets
from qloop.kpi.cohorts import cohort_curves, pareto
from qloop.kpi.definitions import METRIC_KEYS
from qloop.kpi.periods import PeriodKind

CHARTS = ("kpis", "pareto", "cohorts", "heatmap")
NO_VALUE = "(none)"


def _window(session: Session, months: int) -> tuple[dt.date, dt.date] | None:
    span = service.data_span(session)
    if span is None:
        return None
    index = span[1].year * 12 + span[1].month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    return max(first, span[0]), span[1]


def kpi_chart(
    session: Session, settings: Settings, *, product: str | None = None, months: int = 12
) -> pd.DataFrame:
    """``period``, every KPI, and ``target_<kpi>`` columns for KPIs with a target."""
    window = _window(session, months)
    if window is None:
        return pd.DataFrame(columns=["period", *METRIC_KEYS])
    table = service.kpi_table(
        session, kind=PeriodKind.MONTH, first=window[0], last=window[1],
        repeat_days=settings.repeat_days, product=product,
    )  # fmt: skip
    frame = pd.DataFrame(table.records())
    in_force = targets.effective_targets(session, settings.kpi_targets)
    for metric in METRIC_KEYS:
        target = targets.target_for(in_force, metric, product)
        if target is not None:
            frame[f"target_{metric}"] = target.value
    return frame


_unit = aliased(Unit)


def pareto_chart(session: Session, *, product: str | None = None, months: int = 12) -> pd.DataFrame:
    """Failure modes of the cases of the last ``months`` months, largest first."""
    window = _window(session, months)
    if window is None:
        return pareto(pd.Series(dtype=int))
    mode = func.coalesce(Case.failure_mode, Case.category)
    query = (
        select(mode, func.count())
        .outerjoin(_unit, _unit.serial == Case.serial)
        .where(Case.received_at >= dt.datetime.combine(window[0], dt.time()))
        .group_by(mode)
    )
    if product is not None:
        query = query.where(func.coalesce(Case.product, _unit.product) == product)
    counts = {(name or NO_VALUE): n for name, n in session.execute(query)}
    return pareto(pd.Series(counts, dtype=int))


def cohort_chart(
    session: Session, *, product: str | None = None, cohorts: int = 12, max_months: int = 24
) -> pd.DataFrame:
    """Cumulative cases per 1000 units by production month and months in service."""
    span = service.data_span(session)
    if span is None:
        return cohort_curves(pd.DataFrame(), pd.DataFrame(), as_of=dt.date.today())
    built = func.coalesce(Unit.production_date, Unit.ship_date)
    unit_query = (
        select(built, func.count(), func.max(Unit.ship_date)).where(
            Unit.ship_date.is_not(None), built.is_not(None)
        )
    ).group_by(built)
    if product is not None:
        unit_query = unit_query.where(Unit.product == product)
    units = pd.DataFrame(
        [tuple(r) for r in session.execute(unit_query)], columns=["day", "units", "last_ship"]
    )
    units["cohort_month"] = pd.to_datetime(units["day"]).dt.to_period("M").dt.to_timestamp()
    recent = sorted(units["cohort_month"].unique())[-cohorts:]
    units = units[units["cohort_month"].isin(recent)]
    unit_built = func.coalesce(_unit.production_date, _unit.ship_date)
    case_query = (
        select(unit_built, _unit.ship_date, Case.received_at)
        .join(_unit, _unit.serial == Case.serial)
        .where(_unit.ship_date.is_not(None), unit_built.is_not(None))
    )
    if product is not None:
        case_query = case_query.where(_unit.product == product)
    cases = pd.DataFrame(
        [tuple(r) for r in session.execute(case_query)], columns=["day", "ship_date", "received_at"]
    )
    cases["cohort_month"] = pd.to_datetime(cases["day"]).dt.to_period("M").dt.to_timestamp()
    return cohort_curves(units, cases, as_of=span[1], max_months=max_months)


def heatmap_chart(
    session: Session, *, product: str | None = None, months: int = 12
) -> pd.DataFrame:
    """``region``, ``category``, ``cases`` of the last ``months`` months (long form)."""
    window = _window(session, months)
    if window is None:
        return pd.DataFrame(columns=["region", "category", "cases"])
    region = func.coalesce(Case.region, _unit.region)
    query = (
        select(region, Case.category, func.count())
        .outerjoin(_unit, _unit.serial == Case.serial)
        .where(Case.received_at >= dt.datetime.combine(window[0], dt.time()))
        .group_by(region, Case.category)
    )
    if product is not None:
        query = query.where(func.coalesce(Case.product, _unit.product) == product)
    rows = [(r or NO_VALUE, c or NO_VALUE, n) for r, c, n in session.execute(query)]
    return pd.DataFrame(rows, columns=["region", "category", "cases"]).sort_values(
        ["region", "category"]
    )


def chart_frame(
    session: Session, settings: Settings, name: str, product: str | None
) -> pd.DataFrame:
    """One chart's data by its name (see :data:`CHARTS`)."""
    makers: dict[str, Callable[[], pd.DataFrame]] = {
        "kpis": lambda: kpi_chart(session, settings, product=product),
        "pareto": lambda: pareto_chart(session, product=product),
        "cohorts": lambda: cohort_chart(session, product=product),
        "heatmap": lambda: heatmap_chart(session, product=product),
    }
    return makers[name]()
