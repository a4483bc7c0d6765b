"""Failures by time in service: the early-failure signature of a bad lot.

For one failure mode and one attribute — a unit column (product, batch, region) or a key of
the unit's JSON attributes, named as :func:`qloop.rca.service.find_suspects` names it — each
value's failed units are counted by the month of service in which they first failed, next
to the same curve for all other units of the population.

Month in service of a failed unit, in calendar months from its ship date to its first case
of the mode in the window (dates only; the time of day is ignored)::

    months = (case.year * 12 + case.month) - (ship.year * 12 + ship.month)
             - (1 if case.day < ship.day else 0),         floored at 0

So a case on the same day of the next month is month 1, one day earlier is still month 0,
2025-12-15 -> 2026-01-15 is month 1, and a case dated before its ship date is month 0.

Cumulative failures per 1000 units of a value by month m::

    cumulative_per_1000[m] = 1000 * (its failures in months 0..m) / (its units)

over all of the value's units in the population. Units shipped too recently to have reached
month m are not taken out (a crude cumulative incidence, not a life table), so compare
curves of lots shipped over similar periods. Failed units without a ship date count in
``failures`` and ``no_ship_date`` but in no month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Text, bindparam, func, select
from sqlalchemy.orm import Session

from qloop.core.errors import InputError
from qloop.core.json_values import json_ready
from qloop.intake.models import Case, Unit
from qloop.kpi.service import check_dates
from qloop.rca.service import UNIT_COLUMNS, _failed_serials, _products_with, _text


@dataclass(frozen=True)
class Curve:
    """One value's failed units by month in service; ``value`` is None for all other units.

    ``per_month[m]`` counts the failures in month m; ``cumulative_per_1000`` is NaN
    throughout when the value has no units; ``median_months`` is None without a dated failure.
    """

    value: str | None
    units: int
    failures: int
    no_ship_date: int
    per_month: np.ndarray
    cumulative_per_1000: np.ndarray
    median_months: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "units": self.units,
            "failures": self.failures,
            "no_ship_date": self.no_ship_date,
            "per_month": [int(n) for n in self.per_month],
            "cumulative_per_1000": [json_ready(x) for x in self.cumulative_per_1000],
            "median_months": self.median_months,
        }


@dataclass(frozen=True)
class Curves:
    """Curves over one month axis: ``months`` is 0 .. the latest month of any failure."""

    months: np.ndarray
    values: tuple[Curve, ...]
    others: Curve

    def as_json(self) -> dict[str, Any]:
        return {
            "months": [int(m) for m in self.months],
            "values": [curve.as_json() for curve in self.values],
            "others": self.others.as_json(),
        }


@dataclass(frozen=True)
class TimeInService:
    """The answer of :func:`failures_by_time_in_service`."""

    failure_mode: str
    attribute: str
    products: tuple[str, ...]
    first: dt.date | None
    last: dt.date | None
    population: int
    failures: int
    no_ship_date: int
    curves: Curves

    def as_json(self) -> dict[str, Any]:
        return {
            "failure_mode": self.failure_mode,
            "attribute": self.attribute,
            "products": list(self.products),
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "population": self.population,
            "failures": self.failures,
            "no_ship_date": self.no_ship_date,
        } | self.curves.as_json()


def months_in_service(ship: dt.date | None, case: dt.date) -> int | None:
    """Whole calendar months from ``ship`` to ``case`` (module docstring); None without a
    ship date. A datetime counts by its date."""
    if ship is None:
        return None
    months = (case.year * 12 + case.month) - (ship.year * 12 + ship.month)
    return max(months - (case.day < ship.day), 0)


def time_in_service_curves(
    failures: pd.DataFrame,
    units: Mapping[str, int] | pd.Series,
    *,
    values: Sequence[str] | None = None,
    top: int = 5,
    population: int | None = None,
) -> Curves:
    """Failures by month in service per value, and for all other units.

    ``failures`` has one row per failed unit: ``value`` (its text; None or NA when the unit
    has none) and ``months_in_service`` (an integer >= 0; NA without a ship date).
    ``units`` gives the units per value; ``population`` all units, those without a value
    included (default: the sum of ``units``). ``values`` are drawn in the order given;
    by default the ``top`` values by failures (most first, ties by value), each with at
    least one. "Others" are the population's units outside the drawn values, their
    units ``population`` minus the drawn values' units.
    """
    units = pd.Series(units, dtype="int64")
    population = int(units.sum()) if population is None else population
    value = failures["value"].astype(object)
    months = pd.to_numeric(failures["months_in_service"]).astype("Int64")
    if (months.dropna() < 0).any():
        raise ValueError("months_in_service must be 0 or more")
    if values is None:
        counted = value.dropna().value_counts()
        ranked = sorted(counted.items(), key=lambda pair: (-pair[1], str(pair[0])))
        chosen = [str(found) for found, _ in ranked[:top]]
    else:
        chosen = list(dict.fromkeys(values))
    known = months.dropna()
    length = int(known.max()) + 1 if len(known) else 0
    curves = tuple(
        _curve(v, int(units.get(v, 0)), months[(value == v).to_numpy()], length) for v in chosen
    )
    rest = months[(~value.isin(chosen)).to_numpy()]
    others = _curve(None, population - sum(c.units for c in curves), rest, length)
    return Curves(np.arange(length), curves, others)


def _curve(value: str | None, units: int, months: pd.Series, length: int) -> Curve:
    known = months.dropna().to_numpy(dtype=np.int64)
    per_month = np.bincount(known, minlength=length)
    if units > 0:
        cumulative = np.cumsum(per_month) * 1000.0 / units
    else:
        cumulative = np.full(length, np.nan)
    median = float(np.median(known)) if known.size else None
    no_ship_date = len(months) - known.size
    return Curve(value, units, len(months), no_ship_date, per_month, cumulative, median)


def failures_by_time_in_service(
    session: Session,
    *,
    failure_mode: str,
    attribute: str,
    product: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    values: Sequence[str] | None = None,
    top: int = 5,
) -> TimeInService:
    """Failures by month in service per value of ``attribute``, as ``find_suspects`` counts.

    Population: the units of ``product``, else of every product with a case of the mode;
    failures: its units with a case of the mode received from ``first`` to ``last``, each
    dated by its first such case. Two GROUP BY queries: units per value over the
    population, and one row per failed unit (value, ship date, first case).
    """
    check_dates(first, last)
    if not failure_mode.strip():
        raise InputError("name a failure mode", column="failure_mode")
    if not attribute.strip():
        raise InputError("name an attribute", column="attribute")
    if top < 1:
        raise InputError("top must be 1 or more", column="top")
    products = (product,) if product else _products_with(session, failure_mode)
    columns = value_columns(session, attribute)
    population_query = (
        select(*columns, func.count()).where(Unit.product.in_(products)).group_by(*columns)
    )
    units: dict[str, int] = {}
    population = 0
    for *found, count in session.execute(population_query):
        population += count
        text = value_text(found)
        if text is not None:
            units[text] = units.get(text, 0) + count
    failed_query = (
        _failed_serials(session, failure_mode, products, first, last)
        .with_only_columns(Case.serial, Unit.ship_date, func.min(Case.received_at), *columns)
        .group_by(Case.serial, Unit.ship_date, *columns)
    )
    rows = [
        (value_text(found), months_in_service(ship, received))
        for _serial, ship, received, *found in session.execute(failed_query)
    ]
    failed = pd.DataFrame(rows, columns=["value", "months_in_service"])
    curves = time_in_service_curves(failed, units, values=values, top=top, population=population)
    no_ship_date = int(failed["months_in_service"].isna().sum())
    return TimeInService(failure_mode, attribute, tuple(products), first, last, population,
                         len(failed), no_ship_date, curves)  # fmt: skip


def value_columns(session: Session, attribute: str) -> list[Any]:
    """The attribute's stored value as SQL, and on SQLite its JSON type (true and false
    read back as 1 and 0).

    The key is written into the SQL as a quoted literal (``literal_execute``) so that
    PostgreSQL sees the GROUP BY and the selected expression as the same. Its parameter is
    ``unique``: a statement may hold the columns of several attributes (containment's
    conditions), and parameters sharing one name would all take the last key's value."""
    if attribute in UNIT_COLUMNS:
        return [getattr(Unit, attribute)]
    key = attribute
    if attribute.startswith("attributes.") and attribute[11:] in UNIT_COLUMNS:
        key = attribute[11:]
    if session.get_bind().dialect.name == "postgresql":
        name = bindparam("key", key, type_=Text, literal_execute=True, unique=True)
        return [Unit.attributes.op("->>", return_type=Text)(name)]
    if '"' in key:  # a JSON path cannot quote it: look the key up with json_each
        pairs = func.json_each(Unit.attributes).table_valued("key", "value", "type").alias()
        return [
            select(pairs.c[column]).where(pairs.c.key == key).limit(1).scalar_subquery()
            for column in ("value", "type")
        ]
    path = bindparam("path", f'$."{key}"', type_=Text, literal_execute=True, unique=True)
    return [func.json_extract(Unit.attributes, path), func.json_type(Unit.attributes, path)]


def value_text(found: Sequence[Any]) -> str | None:
    """A value as the suspects table writes it; None for no value or an empty one."""
    if found[0] is None:
        return None
    text = _text(found[0], found[1] if len(found) > 1 else None)
    return text or None
