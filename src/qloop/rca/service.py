"""Suspects from the database: a few aggregate queries, then :mod:`qloop.rca.analysis`.

Population: the units of the products that have at least one case of the failure mode
(or of ``product``). Failures: the distinct units among them with such a case received
in the window. The counts per (attribute, value) come from GROUP BY queries — the unit
columns product, batch and region, and every key of the units' JSON attributes
(``json_each`` on SQLite, ``jsonb_each_text`` on PostgreSQL) — never row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session, aliased

from qloop.core.errors import InputError
from qloop.core.json_values import json_ready
from qloop.intake.models import Case, Unit
from qloop.kpi.service import check_dates
from qloop.rca.analysis import COLUMNS, suspect_table

UNIT_COLUMNS = ("product", "batch", "region")


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
    check_dates(first, last)
    if not failure_mode.strip():
        raise InputError("name a failure mode", column="failure_mode")
    products = (product,) if product else _products_with(session, failure_mode)
    if not products:
        return Suspects(failure_mode, (), 0, 0, pd.DataFrame(columns=COLUMNS))
    failed_query = _failed_serials(session, failure_mode, products, first, last)
    failed = failed_query.subquery("failed")
    population = (
        session.scalar(select(func.count()).select_from(Unit).where(Unit.product.in_(products)))
        or 0
    )
    failures = session.scalar(select(func.count()).select_from(failed)) or 0
    rows: list[tuple[str, Any, int, int]] = []
    for column in UNIT_COLUMNS:
        value = getattr(Unit, column)
        everyone = _grouped_counts(session, value, Unit.product.in_(products))
        failing = _grouped_counts(session, value, Unit.serial.in_(failed_query))
        rows.extend((column, v, n, failing.get(v, 0)) for v, n in everyone.items() if v)
    rows.extend(_attribute_counts(session, failed_query, products))
    counts = pd.DataFrame(rows, columns=["attribute", "value", "units", "failures"])
    table = suspect_table(counts, population=population, failures=failures)
    return Suspects(failure_mode, tuple(products), population, failures, table)


def _grouped_counts(session: Session, value: Any, scope: Any) -> dict[Any, int]:
    """Units per value of one column within ``scope``. The failed units are counted in a
    second, small query ("serial IN (failed serials)", the subquery run once) rather than
    joined: an outer join to the failed set made SQLite rescan it for every unit."""
    query = select(value, func.count()).where(scope, value.is_not(None)).group_by(value)
    return {row[0]: row[1] for row in session.execute(query)}


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


def _attribute_counts(
    session: Session, failed: Any, products: tuple[str, ...]
) -> list[tuple[str, Any, int, int]]:
    """(key, value, units, failures) for every key of the units' JSON attributes.

    A table-valued function joined to each unit (implicitly lateral on both back ends):
    ``json_each`` on SQLite, ``jsonb_each_text`` on PostgreSQL. Counted twice — over the
    population, and over the failed units only (cheap) — rather than flagging each of the
    millions of (unit, key) rows as failed or not, which costs as much again (measured).
    """
    if session.get_bind().dialect.name == "postgresql":
        pairs: Any = func.jsonb_each_text(Unit.attributes).table_valued("key", "value")
        pairs = pairs.alias("j")
        columns = [pairs.c.key, pairs.c.value]
    else:  # the type tells JSON true/false (read back as 1/0) from numbers
        pairs = func.json_each(Unit.attributes).table_valued("key", "value", "type").alias("j")
        columns = [pairs.c.key, pairs.c.value, pairs.c.type]

    def counted(scope: Any) -> dict[tuple[Any, ...], int]:
        query = (
            select(*columns, func.count())
            .select_from(Unit)
            .join(pairs, true())
            .where(scope, pairs.c.value.is_not(None))
            .group_by(*columns)
        )
        return {tuple(row[:-1]): row[-1] for row in session.execute(query)}

    everyone = counted(Unit.product.in_(products))
    failing = counted(Unit.serial.in_(failed))
    rows = []
    for found, units in everyone.items():
        value = _text(found[1], found[2] if len(found) > 2 else None)
        if value != "":
            rows.append((_key_name(found[0]), value, units, failing.get(found, 0)))
    return rows


def _key_name(key: str) -> str:
    """An attribute key as the answer names it; ``attributes.`` only where a column has the
    same name (a key called ``region`` next to the unit's region)."""
    return f"attributes.{key}" if key in UNIT_COLUMNS else key


def _text(value: Any, kind: str | None = None) -> str:
    """Attribute values as text, alike on both back ends (1.0 and 1 stay as written)."""
    if kind in ("true", "false"):
        return kind
    return value if isinstance(value, str) else str(value)
