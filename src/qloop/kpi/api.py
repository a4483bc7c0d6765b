"""``/api/v1/kpi``: the same answer as ``qloop kpi --format json``; and the KPI targets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from qloop.kpi import service, targets
from qloop.kpi.definitions import GroupBy
from qloop.kpi.periods import PeriodKind
from qloop.kpi.schemas import KpiRow, TargetKey, TargetRead, TargetWrite
from qloop.web.deps import Admin, Reader, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["kpi"])


@router.get("/kpi", response_model=list[KpiRow], response_model_exclude_unset=True)
def get_kpis(
    session: SessionDep,
    settings: SettingsDep,
    _user: Reader,
    period: PeriodKind = PeriodKind.MONTH,
    by: GroupBy | None = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    product: Annotated[str | None, Query(max_length=100)] = None,
    repeat_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> list[KpiRow]:
    """KPIs per period (and group), sorted; definitions in the README and on the KPI page."""
    table = service.kpi_table(
        session,
        kind=period,
        by=by,
        first=start,
        last=end,
        repeat_days=repeat_days or settings.repeat_days,
        product=product,
    )
    return [KpiRow.model_validate(row) for row in table.records()]


@router.get("/kpi/targets", response_model=list[TargetRead])
def get_targets(session: SessionDep, settings: SettingsDep, _user: Reader) -> list[TargetRead]:
    """Targets in force: settings defaults, and those set per KPI or per product."""
    return [_target_read(t) for t in targets.effective_targets(session, settings.kpi_targets)]


@router.put("/kpi/targets", response_model=TargetRead)
def put_target(body: TargetWrite, session: SessionDep, user: Admin) -> TargetRead:
    """Set a target for all products (``product`` empty) or one product."""
    row = targets.set_target(
        session, metric=body.metric, value=body.value, product=body.product, user_name=user.name
    )
    return _target_read(targets.Target(row.metric, row.product, row.value, row.set_by))


@router.post("/kpi/targets/remove", response_model=bool)
def remove_target(body: TargetKey, session: SessionDep, _user: Admin) -> bool:
    """Remove a stored target (a settings default then applies again); whether one was there."""
    return targets.remove_target(session, metric=body.metric, product=body.product)


def _target_read(target: targets.Target) -> TargetRead:
    return TargetRead(
        metric=target.metric,
        product=target.product,
        value=target.value,
        better=target.definition.better.value,
        source=target.source,
    )
