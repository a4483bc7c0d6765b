"""Which units a containment covers: the filter, checked, and the SQL it becomes.

A filter is a product, any number of conditions ``attribute = value`` (ANDed), a build
window on the production date, an as-of date and optionally a failure mode. Attributes are
named exactly as ``qloop suspects`` names them (:mod:`qloop.rca.service`): ``product``,
``batch`` and ``region`` are the unit's columns, any other name is a key of its JSON
attributes (``attributes.KEY`` for a key that is also a column's name), and a value
matches when the suspects table would write the unit's value as that text: JSON ``1`` as
``1``, ``1.0`` as ``1.0``, ``true`` as ``true`` — so a suspect row always finds its units.
An unknown attribute or value finds no unit; units without a production date are left
out by a build window. Counting and listing the units is :mod:`qloop.capa.containment`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.orm import Session

from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.intake.models import Unit
from qloop.kpi.service import EARLIEST
from qloop.rca.service import UNIT_COLUMNS
from qloop.rca.time_in_service import value_columns

LATEST = dt.date(2199, 12, 31)
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class ContainmentFilter:
    """Which units: ``product``, ``conditions`` (attribute, value) ANDed, built from/to
    (production date, inclusive), ``as_of`` (shipped on or before), cases of which mode."""

    product: str
    conditions: tuple[tuple[str, str], ...]
    built_from: dt.date | None
    built_to: dt.date | None
    as_of: dt.date
    failure_mode: str | None

    @classmethod
    def checked(
        cls,
        *,
        product: str,
        conditions: Sequence[tuple[str, str]] = (),
        built_from: dt.date | None = None,
        built_to: dt.date | None = None,
        as_of: dt.date | None = None,
        failure_mode: str | None = None,
    ) -> ContainmentFilter:
        """The filter, or an :class:`InputError` naming the option at fault."""
        if not product.strip():
            raise InputError("name a product", column="product")
        for attribute, value in conditions:
            if not attribute.strip():
                raise InputError("an attribute name is empty", column="attribute")
            if value == "":
                raise InputError(f"{attribute}: give a value (suspects list no empty value)",
                                 column="value")  # fmt: skip
        as_of = now().date() if as_of is None else as_of
        for name, day in (("built_from", built_from), ("built_to", built_to), ("as_of", as_of)):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise InputError(f"{day} is outside {EARLIEST} to {LATEST}", column=name)
        if built_from is not None and built_to is not None and built_from > built_to:
            raise InputError(f"built from {built_from} is after built to {built_to}",
                             column="built_from")  # fmt: skip
        if failure_mode is not None and not failure_mode.strip():
            raise InputError("name a failure mode or leave it out", column="failure_mode")
        unique = tuple(dict.fromkeys((a, v) for a, v in conditions))
        return cls(product, unique, built_from, built_to, as_of, failure_mode)

    @property
    def value_attributes(self) -> tuple[str, ...]:
        """The conditions' attributes other than the unit's columns, once each: the items'
        ``values`` (the columns are fields of every item anyway)."""
        names = (a for a, _ in self.conditions if a not in UNIT_COLUMNS)
        return tuple(dict.fromkeys(names))

    def as_json(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "conditions": [{"attribute": a, "value": v} for a, v in self.conditions],
            "built_from": iso_day(self.built_from),
            "built_to": iso_day(self.built_to),
            "as_of": self.as_of.isoformat(),
            "failure_mode": self.failure_mode,
        }


def pair_conditions(
    attributes: Sequence[str], values: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    """``--attribute A --value V`` given as two lists, paired in order."""
    if len(values) > len(attributes):
        raise InputError("a value without an attribute: give attribute and value in pairs",
                         column="value")  # fmt: skip
    if len(attributes) > len(values):
        raise InputError("an attribute without a value: give attribute and value in pairs",
                         column="attribute")  # fmt: skip
    return tuple(zip(attributes, values, strict=True))


def filter_clauses(session: Session, checked: ContainmentFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses (ANDed) of the filter's units: product, conditions, build window."""
    where = [Unit.product == checked.product]
    where.extend(condition_clause(session, a, v) for a, v in checked.conditions)
    if checked.built_from is not None:
        where.append(Unit.production_date >= checked.built_from)
    if checked.built_to is not None:
        where.append(Unit.production_date <= checked.built_to)
    return where


def condition_clause(session: Session, attribute: str, text: str) -> ColumnElement[bool]:
    """The unit's value of ``attribute`` is written ``text`` in the suspects table.

    PostgreSQL's ``->>`` gives the very text ``jsonb_each_text`` gives. SQLite gives a
    JSON value as an SQL value (with its JSON type), which the suspects write with Python's
    ``str``: so ``text`` matches a text value equal to it, an integer only when ``text`` is
    that integer's own writing (``7``, not ``07``), a real likewise (``1.0``, not ``1``)
    and JSON true or false only as ``true`` or ``false``.
    """
    if attribute in UNIT_COLUMNS:
        column: ColumnElement[bool] = getattr(Unit, attribute) == text
        return column
    columns = value_columns(session, attribute)
    if len(columns) == 1:
        matched: ColumnElement[bool] = columns[0] == text
        return matched
    found, kind = columns
    storage = func.typeof(found)
    options = [and_(storage == "text", found == text)]
    if text in ("true", "false"):
        options.append(kind == text)
    number = _int_written(text)
    if number is not None:
        options.append(and_(storage == "integer", kind.not_in(("true", "false")),
                            found == number))  # fmt: skip
    real = _float_written(text)
    if real is not None:
        options.append(and_(storage == "real", found == real))
    return or_(*options)


def _int_written(text: str) -> int | None:
    """The integer whose ``str`` is ``text`` (within SQLite's 64 bits), else None."""
    try:
        number = int(text)
    except ValueError:
        return None
    return number if str(number) == text and _INT64[0] <= number <= _INT64[1] else None


def _float_written(text: str) -> float | None:
    """The float whose ``str`` is ``text`` (shortest round-trip writing), else None."""
    try:
        real = float(text)
    except ValueError:
        return None
    return real if str(real) == text and not math.isnan(real) else None


def iso_day(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None
