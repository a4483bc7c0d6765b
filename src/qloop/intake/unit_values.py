"""Units per (attribute, value), counted in SQL: the unit columns and every JSON attribute.

The values of a unit that ``qloop suspects`` compares are its columns product, batch and
region and every key of its JSON attributes (``json_each`` on SQLite, ``jsonb_each_text``
on PostgreSQL, joined to each unit). Each is named and written as text the same way on
both back ends (:func:`key_name`, :func:`value_text`); two stored values with the same
text (JSON ``1`` and ``"1"``) are one value. A value is counted when it is not NULL (a
JSON null is no value); an empty text is counted too, and left to the reader to skip.

These GROUP BY queries are the exact reference: :mod:`qloop.intake.unit_counts` keeps
their answer for the whole table; where Python counts instead (the import's updates in
:mod:`qloop.intake.unit_tally`, new units on SQLite in :mod:`qloop.intake.unit_value_scan`)
it writes values with :func:`python_value_text`, which refuses any value whose text it
cannot be sure of.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from qloop.intake.models import Unit

UNIT_COLUMNS = ("product", "batch", "region")
#: a JSON integer outside these bounds is read back as a real by SQLite
_INT64 = (-(2**63), 2**63 - 1)

#: (attribute, value) -> units
ValueCounts = Counter[tuple[str, str]]
#: (product, attribute, value) -> units
ProductValueCounts = Counter[tuple[str, str, str]]


class NotCountable(ValueError):
    """A JSON value whose text the database would give is not certain in Python (a float,
    an array, an object, a huge integer): counts holding it come from SQL only."""


@dataclass(frozen=True)
class Population:
    """The units of some products: how many, and units per (attribute, value)."""

    units: int
    counts: ValueCounts


def key_name(key: Any) -> str:
    """An attribute key as the answer names it; ``attributes.`` only where a column has the
    same name (a key called ``region`` next to the unit's region)."""
    key = str(key)
    return f"attributes.{key}" if key in UNIT_COLUMNS else key


def value_text(value: Any, kind: str | None = None) -> str:
    """A value as SQL gives it, as text alike on both back ends (1.0 and 1 stay as
    written). ``kind``: SQLite's JSON type, which tells true/false from 1/0."""
    if kind in ("true", "false"):
        return kind
    return value if isinstance(value, str) else str(value)


def python_value_text(value: Any) -> str | None:
    """The text :func:`value_text` gives for a JSON value held in Python, or None for a
    JSON null. Raises :class:`NotCountable` where that text is not certain."""
    if type(value) is str:
        return value
    if value is None:
        return None
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int and _INT64[0] <= value <= _INT64[1]:
        return str(value)
    raise NotCountable(f"{type(value).__name__} value")


def scan_population(session: Session, products: tuple[str, ...]) -> Population:
    """The plain path: units of ``products`` counted by GROUP BY over the units table."""
    scope = Unit.product.in_(products)
    units = session.scalar(select(func.count()).select_from(Unit).where(scope)) or 0
    return Population(units, value_counts(session, scope))


def value_counts(session: Session, scope: Any) -> ValueCounts:
    """Units per (attribute, value) among the units matching ``scope``."""
    counts: ValueCounts = Counter()
    for _product, attribute, value, units in _grouped(session, scope, by_product=False):
        counts[attribute, value] += units
    return counts


def product_value_counts(session: Session, scope: Any = None) -> ProductValueCounts:
    """Units per (product, attribute, value) among the units matching ``scope`` (all)."""
    counts: ProductValueCounts = Counter()
    condition = true() if scope is None else scope
    for product, attribute, value, units in _grouped(session, condition, by_product=True):
        counts[product, attribute, value] += units
    return counts


def _grouped(session: Session, scope: Any, *, by_product: bool) -> Any:
    """(product or None, attribute, value text, units) from one GROUP BY per unit column
    and one over the JSON attributes. The failed units are counted with a scope such as
    "serial IN (failed serials)", never an outer join: SQLite rescanned the join per unit.
    """
    by = [Unit.product] if by_product else []
    for name in UNIT_COLUMNS:
        column = getattr(Unit, name)
        keys = by if by_product and name == "product" else [*by, column]
        query = select(*keys, func.count()).where(scope, column.is_not(None)).group_by(*keys)
        for *found, units in session.execute(query):
            product = found[0] if by_product else None
            yield product, name, value_text(found[-1]), units
    pairs, columns = _attribute_pairs(session)
    query = (
        select(*by, *columns, func.count())
        .select_from(Unit)
        .join(pairs, true())
        .where(scope, pairs.c.value.is_not(None))
        .group_by(*by, *columns)
    )
    for row in session.execute(query):
        product = row[0] if by_product else None
        key, value, *kind = row[len(by) : -1]
        yield product, key_name(key), value_text(value, kind[0] if kind else None), row[-1]


def _attribute_pairs(session: Session) -> tuple[Any, list[Any]]:
    """The (key, value) rows of each unit's attributes: a table-valued function joined to
    each unit (implicitly lateral on both back ends); on SQLite with the JSON type too."""
    if session.get_bind().dialect.name == "postgresql":
        pairs: Any = func.jsonb_each_text(Unit.attributes).table_valued("key", "value")
        pairs = pairs.alias("j")
        return pairs, [pairs.c.key, pairs.c.value]
    pairs = func.json_each(Unit.attributes).table_valued("key", "value", "type").alias("j")
    return pairs, [pairs.c.key, pairs.c.value, pairs.c.type]
