"""Suspects from the database: a few aggregate queries, then :mod:`qloop.rca.analysis`.

Population: the units of the products that have at least one case of the failure mode
(or of ``product``). Failures: the distinct units among them with such a case received
in the window. The counts per (attribute, value) come from GROUP BY queries — the unit
columns product, batch and region, and every key of the units' JSON attributes
(``json_each`` on SQLite, ``jsonb_each_text`` on PostgreSQL) — never row by row.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, case, cast, func, literal, select, true
from sqlalchemy.orm import Session, aliased

from qloop.core.errors import InputError
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
                {key: _plain(getattr(row, key)) for key in COLUMNS}
                for row in rows.itertuples(index=False)
            ],
        }


def _plain(value: Any) -> Any:
    """JSON has no NaN or infinity: an undefined or unbounded figure is null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


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
    failed = _failed_serials(session, failure_mode, products, first, last).subquery("failed")
    population = (
        session.scalar(select(func.count()).select_from(Unit).where(Unit.product.in_(products)))
        or 0
    )
    failures = session.scalar(select(func.count()).select_from(failed)) or 0
    rows: list[tuple[str, Any, int, int]] = []
    for column in UNIT_COLUMNS:
        value = getattr(Unit, column)
        query = (
            select(value, func.count(), func.count(failed.c.serial))
            .outerjoin(failed, failed.c.serial == Unit.serial)
            .where(Unit.product.in_(products), value.is_not(None), value != "")
            .group_by(value)
        )
        rows.extend((column, v, n, f) for v, n, f in session.execute(query))
    rows.extend(_attribute_counts(session, failed, products))
    counts = pd.DataFrame(rows, columns=["attribute", "value", "units", "failures"])
    table = suspect_table(counts, population=population, failures=failures)
    return Suspects(failure_mode, tuple(products), population, failures, table)


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
    ``json_each`` on SQLite, ``jsonb_each_text`` on PostgreSQL.
    """
    if session.get_bind().dialect.name == "postgresql":
        pairs = func.jsonb_each_text(Unit.attributes).table_valued("key", "value").alias("j")
        value: Any = pairs.c.value
    else:
        pairs = func.json_each(Unit.attributes).table_valued("key", "value", "type").alias("j")
        # JSON true/false read back as 1/0 in SQLite; PostgreSQL gives 'true'/'false'
        value = case(
            (pairs.c.type == "true", literal("true")),
            (pairs.c.type == "false", literal("false")),
            else_=pairs.c.value,
        )
    query = (
        select(pairs.c.key, value, func.count(), func.count(failed.c.serial))
        .select_from(Unit)
        .join(pairs, true())
        .outerjoin(failed, failed.c.serial == Unit.serial)
        .where(Unit.product.in_(products), value.is_not(None), cast(value, String) != "")
        .group_by(pairs.c.key, value)
    )
    return [(_key_name(key), _text(v), n, f) for key, v, n, f in session.execute(query)]


def _key_name(key: str) -> str:
    """An attribute key as the answer names it; ``attributes.`` only where a column has the
    same name (a key called ``region`` next to the unit's region)."""
    return f"attributes.{key}" if key in UNIT_COLUMNS else key


def _text(value: Any) -> str:
    """Attribute values as text, alike on both back ends (1.0 and 1 stay as written)."""
    return value if isinstance(value, str) else str(value)
