"""Effectiveness of a change, from the field: failure rates of the units before and after it.

Cohorts: the units of the product built (``cohort="production"``: production date) or
shipped (``cohort="ship"``: ship date) before the change date, and those on or after it.
Each unit is followed for ``window_days`` from its ship date, so both cohorts are
compared at equal time in service:

* a unit without the cohort date is left out (``excluded.no_cohort_date``); one without
  a ship date has no time in service (``excluded.no_ship_date``); one whose
  ``ship_date + window_days`` is after the as-of date has not been followed for the
  whole window yet (``excluded.immature``). The rest are *mature*: ``ship_date +
  window_days <= as_of``, so a unit whose window ends on the as-of day counts.
* a mature unit *failed* when it has a case of the failure mode received before the
  window ends: ``received_at < ship_date + window_days`` (midnight). Cases received
  before the ship date count too: a field problem reported for a unit not yet shipped
  is a data error in one of the dates, but still a failure of that unit.

``as_of`` defaults to the day of the latest case received (the data's "now"), else to
today when there is no case. The counts come from two GROUP BY queries: the units of
the product by cohort and state, and the mature units with a qualifying case (driven
from the failure mode's cases) by cohort; :mod:`qloop.capa.analysis` compares them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Integer, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from qloop.capa.analysis import EffectResult, verify_effect
from qloop.capa.cohort_size import expected_failures
from qloop.capa.effect_terms import DEFAULT_TARGET_REDUCTION, MAX_WINDOW_DAYS, Cohort
from qloop.capa.verification_text import describe
from qloop.core.clock import now
from qloop.core.errors import InputError, NotFound
from qloop.core.json_values import json_ready
from qloop.intake.models import Case, Unit
from qloop.kpi.service import check_dates


class days_after(FunctionElement[dt.date]):  # noqa: N801 (named as the SQL it stands for)
    """``day + days`` as a date: ``date(day, '+N days')`` on SQLite, ``day + N`` elsewhere."""

    type = Date()
    inherit_cache = True
    name = "days_after"


@compiles(days_after)
def _days_after_default(element: days_after, compiler: SQLCompiler, **kw: Any) -> str:
    day, days = element.clauses
    return f"({compiler.process(day, **kw)} + {compiler.process(cast(days, Integer), **kw)})"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element: days_after, compiler: SQLCompiler, **kw: Any) -> str:
    day, days = element.clauses
    return f"date({compiler.process(day, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"


@dataclass(frozen=True)
class Excluded:
    """Units of the product left out of both cohorts, by reason."""

    no_cohort_date: int
    no_ship_date: int
    immature: int


@dataclass(frozen=True)
class Verification:
    """The answer of ``qloop verify-effect``; ``immature_after`` are after-cohort units
    shipped but not yet followed for the whole window (they will add to it)."""

    failure_mode: str
    product: str
    change_date: dt.date
    cohort: Cohort
    window_days: int
    as_of: dt.date
    effect: EffectResult
    excluded: Excluded
    immature_after: int

    def as_json(self) -> dict[str, Any]:
        e = self.effect
        found: dict[str, Any] = {
            "failure_mode": self.failure_mode,
            "product": self.product,
            "change_date": self.change_date.isoformat(),
            "cohort": self.cohort.value,
            "window_days": self.window_days,
            "as_of": self.as_of.isoformat(),
            "confidence": e.confidence,
            "before": _side(e.before_units, e.before_failures, e.before_rate),
            "after": _side(e.after_units, e.after_failures, e.after_rate),
            "excluded": vars(self.excluded).copy(),
            **{
                key: json_ready(getattr(e, key))
                for key in ("rate_ratio", "reduction", "ci_low", "ci_high", "p_value")
            },
            "verdict": e.verdict.value,
            "needed": self.needed(),
            "assumed_reduction": e.assumed_reduction,
            "immature_after": self.immature_after,
        }
        return found | {"message": describe(found)}

    def needed(self) -> dict[str, Any] | None:
        """What would decide a ``not_yet_significant`` comparison, or None."""
        e = self.effect
        if e.needed_after_units is None or e.assumed_reduction is None:
            return None
        rate = e.before_rate * (1.0 - e.assumed_reduction)
        return {
            "after_units": e.needed_after_units,
            "more_after_units": e.needed_after_units - e.after_units,
            "immature_after_units": self.immature_after,
            "before_rate": e.before_rate,
            "assumed_reduction": e.assumed_reduction,
            "expected_after_failures": expected_failures(e.needed_after_units, rate),
        }


def _side(units: int, failures: int, rate: float) -> dict[str, Any]:
    return {"units": units, "failures": failures, "rate": json_ready(rate)}


def verify_change(
    session: Session,
    *,
    failure_mode: str,
    product: str,
    change_date: dt.date,
    window_days: int = 90,
    cohort: str = Cohort.PRODUCTION,
    as_of: dt.date | None = None,
    confidence: float = 0.95,
    target_reduction: float = DEFAULT_TARGET_REDUCTION,
) -> Verification:
    """Compare ``failure_mode`` among ``product``'s units before and after ``change_date``.

    ``target_reduction`` is the reduction :func:`qloop.capa.analysis.verify_effect`
    assumes for ``needed`` when the data show none. Raises ``NotFound`` when the product
    has no unit, ``InputError`` on a bad argument.
    """
    chosen = _check(failure_mode, window_days, cohort, confidence, target_reduction)
    check_dates(change_date, as_of)
    if as_of is None:
        latest = session.scalar(select(func.max(Case.received_at)))
        as_of = (latest or now()).date()
    cohort_date = Unit.production_date if chosen is Cohort.PRODUCTION else Unit.ship_date
    window_end = days_after(Unit.ship_date, literal(window_days, Integer))
    state = case(
        (cohort_date.is_(None), "no_cohort_date"),
        (Unit.ship_date.is_(None), "no_ship_date"),
        (window_end > as_of, "immature"),
        else_="mature",
    )
    side = case((cohort_date < change_date, "before"), else_="after")
    units = (
        select(state.label("state"), side.label("side")).where(Unit.product == product).subquery()
    )
    counts = {
        (row.state, row.side): row.n
        for row in session.execute(
            select(units.c.state, units.c.side, func.count().label("n")).group_by(
                units.c.state, units.c.side
            )
        )
    }
    if not counts:
        raise NotFound(f"no units of product {product!r}")
    failed = (
        select(Unit.id, side.label("side"))
        .join(Case, Case.serial == Unit.serial)
        .where(Unit.product == product, Case.failure_mode == failure_mode)
        .where(state == "mature", Case.received_at < window_end)
        .distinct()
        .subquery()
    )
    by_side = select(failed.c.side, func.count()).group_by(failed.c.side)
    failures: dict[str, int] = dict(session.execute(by_side).all())
    effect = verify_effect(
        counts.get(("mature", "before"), 0),
        failures.get("before", 0),
        counts.get(("mature", "after"), 0),
        failures.get("after", 0),
        confidence,
        target_reduction=target_reduction,
    )
    excluded = Excluded(
        *(sum(n for (s, _), n in counts.items() if s == name) for name in
          ("no_cohort_date", "no_ship_date", "immature"))
    )  # fmt: skip
    return Verification(
        failure_mode, product, change_date, chosen, window_days, as_of, effect, excluded,
        immature_after=counts.get(("immature", "after"), 0),
    )  # fmt: skip


def _check(
    failure_mode: str, window_days: int, cohort: str, confidence: float, target: float
) -> Cohort:
    if not failure_mode.strip():
        raise InputError("name a failure mode", column="failure_mode")
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise InputError(f"must be 1 to {MAX_WINDOW_DAYS} days", column="window_days")
    if not 0.0 < confidence < 1.0:
        raise InputError("must be between 0 and 1, e.g. 0.95", column="confidence")
    if not 0.0 < target <= 1.0:
        raise InputError("must be above 0 and at most 1, e.g. 0.5", column="target_reduction")
    try:
        return Cohort(cohort)
    except ValueError:
        raise InputError("must be 'production' or 'ship'", column="cohort") from None
