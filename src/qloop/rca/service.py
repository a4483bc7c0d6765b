"""Suspects from the database: a few aggregate queries, then :mod:`qloop.rca.analysis`.

Population: the units of the products that have at least one case of the failure mode
(or of ``product``). Failures: the distinct units among them with such a case received
in the window. Units per (attribute, value) — the unit columns product, batch and region,
and every key of the units' JSON attributes — are counted by GROUP BY queries
(:mod:`qloop.intake.unit_values`), never row by row: over the failed units each time (a
few thousand), and over the population from the stored counts of
:mod:`qloop.intake.unit_counts`, which are provably those of the units table or else
rebuilt first. :func:`find_suspects_by_scan` counts the population by scanning the
units instead: the reference the stored counts are tested against.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from qloop.core.errors import InputError
from qloop.core.json_values import json_ready
from qloop.intake import unit_counts
from qloop.intake.models import Case, Unit
from qloop.intake.unit_values import (
    UNIT_COLUMNS,
    Population,
    ValueCounts,
    scan_population,
    value_counts,
    value_text,
)
from qloop.kpi.service import check_dates
from qloop.rca.analysis import COLUMNS, suspect_table

__all__ = ["UNIT_COLUMNS", "Suspects", "find_suspects", "find_suspects_by_scan"]
_text = value_text  # the value text, by the name other RCA modules import
PopulationSource = Callable[[Session, tuple[str, ...]], Population]
#: failed units counted per query (bound parameters: SQLite allows 32,766)
IDS_PER_QUERY = 10_000


@dataclass(frozen=True)
class Suspects:
    """The answer of ``qloop suspects``: population, failures and the ranked rows."""

    failure_mode: str
    products: tuple[str, ...]
    population: int
    failures: int
    table: pd.DataFrame

    def as_json(self, limit: int | None = None) -> dict[str, Any]:
        rows = self.table if limit is None else self.table.head(limit)
        return {
            "failure_mode": self.failure_mode,
            "population": self.population,
            "failures": self.failures,
            "suspects": [
                {key: json_ready(getattr(row, key)) for key in COLUMNS}
                for row in rows.itertuples(index=False)
            ],
        }


def find_suspects(
    session: Session,
    *,
    failure_mode: str,
    product: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Suspects:
    """Rank every (attribute, value) of the population's units by over-representation."""
    return _suspects(session, unit_counts.population, failure_mode, product, first, last)


def find_suspects_by_scan(
    session: Session,
    *,
    failure_mode: str,
    product: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Suspects:
    """:func:`find_suspects` with the population counted from the units themselves."""
    return _suspects(session, scan_population, failure_mode, product, first, last)


def _suspects(
    session: Session,
    population_of: PopulationSource,
    failure_mode: str,
    product: str | None,
    first: dt.date | None,
    last: dt.date | None,
) -> Suspects:
    check_dates(first, last)
    if not failure_mode.strip():
        raise InputError("name a failure mode", column="failure_mode")
    products = (product,) if product else _products_with(session, failure_mode)
    if not products:
        return Suspects(failure_mode, (), 0, 0, pd.DataFrame(columns=COLUMNS))
    failed_query = _failed_serials(session, failure_mode, products, first, last)
    failing, failures = _failed_counts(session, failed_query)
    population = population_of(session, products)
    if not _holds(population, failing, failures) and population_of is unit_counts.population:
        # the failed units are some of the population: stored counts that say otherwise
        # missed a write (none known), so they are rebuilt from the units
        population = unit_counts.population(session, products, recount=True)
    rows = [
        (attribute, value, units, failing.get((attribute, value), 0))
        for (attribute, value), units in population.counts.items()
        if value != "" and units > 0
    ]
    counts = pd.DataFrame(rows, columns=["attribute", "value", "units", "failures"])
    table = suspect_table(counts, population=population.units, failures=failures)
    return Suspects(failure_mode, tuple(products), population.units, failures, table)


def _failed_counts(session: Session, failed_query: Select[Any]) -> tuple[ValueCounts, int]:
    """Units per (attribute, value) among the failed units, and how many they are. The
    failed units are found once (their ids), then counted a part at a time by id: the
    failed query as a subquery was run again by each of the four GROUP BYs."""
    ids = list(session.scalars(failed_query.with_only_columns(Unit.id)))
    failing: ValueCounts = Counter()
    for start in range(0, len(ids), IDS_PER_QUERY):
        failing.update(value_counts(session, Unit.id.in_(ids[start : start + IDS_PER_QUERY])))
    return failing, len(ids)


def _holds(population: Population, failing: ValueCounts, failures: int) -> bool:
    """Whether the failed units' counts fit inside the population's."""
    return failures <= population.units and all(
        n <= population.counts.get(key, 0) for key, n in failing.items()
    )


def _products_with(session: Session, failure_mode: str) -> tuple[str, ...]:
    unit = aliased(Unit)
    product = func.coalesce(Case.product, unit.product)
    query = (
        select(product)
        .distinct()
        .outerjoin(unit, unit.serial == Case.serial)
        .where(Case.failure_mode == failure_mode, product.is_not(None))
    )
    return tuple(sorted(session.scalars(query)))


def _failed_serials(
    session: Session,
    failure_mode: str,
    products: tuple[str, ...],
    first: dt.date | None,
    last: dt.date | None,
) -> Select[Any]:
    query = (
        select(Case.serial.label("serial"))
        .distinct()
        .join(Unit, Unit.serial == Case.serial)
        .where(Case.failure_mode == failure_mode, Unit.product.in_(products))
    )
    if first is not None:
        query = query.where(Case.received_at >= dt.datetime.combine(first, dt.time()))
    if last is not None:
        stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
        query = query.where(Case.received_at < stop)
    return query
