"""KPI targets: the settings give defaults, targets set by an admin (global or per product) win."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.core.storable import has_nul
from qloop.kpi.definitions import METRIC_BY_KEY, Better, Metric
from qloop.kpi.models import KpiTarget


@dataclass(frozen=True)
class Target:
    """An effective target: which KPI, for which product (None: all), the value, its source."""

    metric: str
    product: str | None
    value: float
    source: str  # "settings" or the name of the person who set it

    @property
    def definition(self) -> Metric:
        return METRIC_BY_KEY[self.metric]

    def met_by(self, value: float) -> bool:
        return self.definition.meets(value, self.value)


def targetable(metric: str) -> Metric:
    """The KPI a target may be set for; ``InputError`` otherwise."""
    definition = METRIC_BY_KEY.get(metric)
    if definition is None or definition.better is Better.NONE:
        allowed = ", ".join(k for k, m in METRIC_BY_KEY.items() if m.better is not Better.NONE)
        raise InputError(f"no target can be set for {metric!r} ({allowed})", column="metric")
    return definition


def effective_targets(session: Session, defaults: dict[str, float]) -> list[Target]:
    """Every target in force: stored ones, then settings defaults for KPIs with no stored global."""
    stored = [
        Target(row.metric, row.product, row.value, row.set_by)
        for row in session.scalars(select(KpiTarget).order_by(KpiTarget.metric, KpiTarget.product))
        if row.metric in METRIC_BY_KEY
    ]
    global_set = {t.metric for t in stored if t.product is None}
    from_settings = [
        Target(metric, None, float(value), "settings")
        for metric, value in sorted(defaults.items())
        if metric in METRIC_BY_KEY and metric not in global_set
    ]
    return sorted(from_settings + stored, key=lambda t: (t.metric, t.product or ""))


def target_for(targets: list[Target], metric: str, product: str | None) -> Target | None:
    """The product's own target, else the global one."""
    own = [t for t in targets if t.metric == metric and t.product == product]
    if own:
        return own[0]
    return next((t for t in targets if t.metric == metric and t.product is None), None)


def set_target(
    session: Session, *, metric: str, value: float, product: str | None, user_name: str
) -> KpiTarget:
    """Set (or replace) the target of one KPI for all products or one."""
    targetable(metric)
    if not math.isfinite(value) or value < 0:
        raise InputError(f"a target must be a number >= 0, not {value}", column="value")
    if METRIC_BY_KEY[metric].unit == "%" and value > 1:
        raise InputError(f"{metric} is a share: give 0-1 (0.9 = 90 %)", column="value")
    if metric == "csat_mean" and not 1 <= value <= 5:
        raise InputError("csat_mean is a score from 1 to 5", column="value")
    if product is not None and (has_nul(product) or len(product) > 100):
        raise InputError("a product code is at most 100 characters, without NUL", column="product")
    product = (product or "").strip() or None
    row = _stored(session, metric, product)
    if row is None:
        row = KpiTarget(metric=metric, product=product)
        session.add(row)
    row.value = value
    row.set_by = user_name
    row.set_at = now()
    session.flush()
    return row


def remove_target(session: Session, *, metric: str, product: str | None) -> bool:
    """Remove a stored target; whether one was there."""
    row = _stored(session, metric, (product or "").strip() or None)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def _stored(session: Session, metric: str, product: str | None) -> KpiTarget | None:
    query = select(KpiTarget).where(KpiTarget.metric == metric)
    query = query.where(
        KpiTarget.product.is_(None) if product is None else KpiTarget.product == product
    )
    return session.scalars(query).first()
