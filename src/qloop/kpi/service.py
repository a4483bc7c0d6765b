"""KPIs from the database: a few narrow queries, then :mod:`qloop.kpi.analysis`.

The million-row units table is never read row by row: it is aggregated in SQL to
units shipped per day (and group). Cases, repairs and surveys are read as narrow frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, SQLColumnExpression, false, func, select, true
from sqlalchemy.orm import Session, aliased

from qloop.core.errors import InputError
from qloop.core.json_values import json_ready
from qloop.intake.models import Case, Repair, Survey, Unit
from qloop.kpi.analysis import COUNT_COLUMNS, NO_GROUP, KpiInputs, compute_kpis
from qloop.kpi.definitions import METRIC_KEYS, UNIT_GROUPS, GroupBy
from qloop.kpi.periods import PeriodKind

DEFAULT_REPEAT_DAYS = 30


@dataclass(frozen=True)
class KpiTable:
    """KPIs per period (and group): ``frame`` has ``period``, ``group`` and every metric."""

    kind: PeriodKind
    by: GroupBy | None
    frame: pd.DataFrame

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready object per row: ``period``, the group under its name, the KPIs."""
        rows: list[dict[str, Any]] = []
        for values in self.frame.itertuples(index=False):
            row: dict[str, Any] = {"period": values.period}
            if self.by is not None:
                row[self.by.value] = None if pd.isna(values.group) else values.group
            for key in METRIC_KEYS:
                row[key] = _json_number(getattr(values, key))
            rows.append(row)
        return rows


def _json_number(value: Any) -> int | float | None:
    """Counts as integers, figures to 6 decimals, empty as None."""
    plain = json_ready(value)
    return plain if plain is None or isinstance(plain, int) else round(float(plain), 6)


def kpi_table(
    session: Session,
    *,
    kind: PeriodKind = PeriodKind.MONTH,
    by: GroupBy | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    repeat_days: int = DEFAULT_REPEAT_DAYS,
    product: str | None = None,
) -> KpiTable:
    """KPIs for every period from ``first`` to ``last`` (default: the span of the data).

    ``product`` restricts everything (cases, repairs, surveys, units) to one product.
    """
    check_dates(first, last)
    if first is None or last is None:
        span = data_span(session)
        if span is None:
            return KpiTable(kind, by, _empty_frame())
        first = first or span[0]
        last = last or span[1]
    if last < first:
        return KpiTable(kind, by, _empty_frame())
    stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    start = dt.datetime.combine(first, dt.time())
    inputs = KpiInputs(
        cases=_cases(session, by, start, stop, product),
        repairs=_repairs(session, by, product),
        surveys=_surveys(session, by, start, stop, product),
        shipped=shipped_per_day(session, by, product),
    )
    frame = compute_kpis(
        inputs,
        kind=kind,
        first=first,
        last=last,
        repeat_days=repeat_days,
        fleet_denominator=by is not None and by not in UNIT_GROUPS,
    )
    return KpiTable(kind, by, frame)


#: the dates a report may ask about (timestamps are kept in nanoseconds, 1677 to 2262)
EARLIEST = dt.date(1900, 1, 1)


def check_dates(*days: dt.date | None) -> None:
    """Refuse dates no record can have, before any arithmetic overflows on them."""
    for day in days:
        if day is not None and not EARLIEST <= day <= dt.date(2199, 12, 31):
            raise InputError(f"{day} is outside 1900-01-01 to 2199-12-31", column="date")


def data_span(session: Session) -> tuple[dt.date, dt.date] | None:
    """First and last day with a case received, a repair closed or a survey answered."""
    stamps: list[dt.datetime] = []
    for column in (Case.received_at, Repair.closed_at, Survey.answered_at):
        low, high = session.execute(select(func.min(column), func.max(column))).one()
        stamps.extend(s for s in (low, high) if s is not None)
    if not stamps:
        return None
    return min(stamps).date(), max(stamps).date()


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=["period", "group", *METRIC_KEYS, *COUNT_COLUMNS, "mttr_sd"])


# --- the narrow frames -----------------------------------------------------------------------

_case_unit = aliased(Unit)
_repair_case = aliased(Case)
_repair_unit = aliased(Unit)
_repair_case_unit = aliased(Unit)


def _case_group(by: GroupBy | None) -> SQLColumnExpression[Any] | None:
    """A case's group: its own product or region, else its unit's."""
    if by is GroupBy.PRODUCT:
        return func.coalesce(Case.product, _case_unit.product)
    if by is GroupBy.REGION:
        return func.coalesce(Case.region, _case_unit.region)
    if by is GroupBy.CHANNEL:
        return Case.channel
    if by is GroupBy.CATEGORY:
        return Case.category
    return None


def _with_case_unit(query: Select[Any]) -> Select[Any]:
    return query.outerjoin(_case_unit, _case_unit.serial == Case.serial)


def _cases(
    session: Session, by: GroupBy | None, start: dt.datetime, stop: dt.datetime, product: str | None
) -> pd.DataFrame:
    query = _with_case_unit(
        select(Case.case_id, Case.received_at, *_grouped(_case_group(by))).where(
            Case.received_at >= start, Case.received_at < stop
        )
    )
    if product is not None:
        query = query.where(func.coalesce(Case.product, _case_unit.product) == product)
    return _frame(session, query, ["case_id", "received_at", "group"])


def _repairs(session: Session, by: GroupBy | None, product: str | None) -> pd.DataFrame:
    """Every repair: the repeat window and first-time fix look beyond the range and the
    product (a case's repairs count for its first-time fix whatever unit they were on);
    ``counted`` marks those of ``product`` for MTTR and the repeat rate."""
    own_product = func.coalesce(
        _repair_unit.product, _repair_case.product, _repair_case_unit.product
    )
    groups: dict[GroupBy | None, SQLColumnExpression[Any]] = {
        GroupBy.PRODUCT: own_product,
        GroupBy.REGION: func.coalesce(
            _repair_unit.region, _repair_case.region, _repair_case_unit.region
        ),
        GroupBy.CHANNEL: _repair_case.channel,
        GroupBy.CATEGORY: _repair_case.category,
    }
    query = (
        select(
            Repair.repair_id,
            Repair.case_id,
            Repair.serial,
            Repair.opened_at,
            Repair.closed_at,
            Repair.resolved,
            true() if product is None else func.coalesce(own_product == product, false()),
            *_grouped(groups.get(by)),
        )
        .outerjoin(_repair_unit, _repair_unit.serial == Repair.serial)
        .outerjoin(_repair_case, _repair_case.case_id == Repair.case_id)
        .outerjoin(_repair_case_unit, _repair_case_unit.serial == _repair_case.serial)
    )
    columns = ["repair_id", "case_id", "serial", "opened_at", "closed_at", "resolved", "counted"]
    frame = _frame(session, query, [*columns, "group"])
    frame["counted"] = frame["counted"].astype(bool)
    frame["opened_at"] = pd.to_datetime(frame["opened_at"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"])
    return frame


def _surveys(
    session: Session, by: GroupBy | None, start: dt.datetime, stop: dt.datetime, product: str | None
) -> pd.DataFrame:
    query = _with_case_unit(
        select(Survey.answered_at, Survey.score, *_grouped(_case_group(by)))
        .outerjoin(Case, Case.case_id == Survey.case_id)
        .where(Survey.answered_at >= start, Survey.answered_at < stop)
    )
    if product is not None:
        query = query.where(func.coalesce(Case.product, _case_unit.product) == product)
    frame = _frame(session, query, ["answered_at", "score", "group"])
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype(float)
    return frame


def shipped_per_day(session: Session, by: GroupBy | None, product: str | None) -> pd.DataFrame:
    """Units shipped per day (and per product or region when the split is by one)."""
    splits: dict[GroupBy | None, SQLColumnExpression[Any]] = {
        GroupBy.PRODUCT: Unit.product,
        GroupBy.REGION: Unit.region,
    }
    group = _grouped(splits.get(by))
    query = select(Unit.ship_date, func.count(), *group).where(Unit.ship_date.is_not(None))
    if product is not None:
        query = query.where(Unit.product == product)
    query = query.group_by(Unit.ship_date, *group)
    return _frame(session, query, ["ship_date", "units", "group"])


def _grouped(group: SQLColumnExpression[Any] | None) -> list[SQLColumnExpression[Any]]:
    """The group column to select, or none: an unsplit table gets its group in Python."""
    return [] if group is None else [group]


def _frame(session: Session, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    """The query's rows as a frame; ``group`` is last, and absent from unsplit queries."""
    # plain tuples: pandas probes each SQLAlchemy Row for attributes, slowly (measured)
    rows = [tuple(row) for row in session.execute(query)]
    width = len(query.selected_columns)
    frame = pd.DataFrame.from_records(rows, columns=columns[:width])
    if width < len(columns):
        frame["group"] = NO_GROUP
    else:
        frame["group"] = frame["group"].map(lambda g: NO_GROUP if pd.isna(g) else str(g))
    return frame
