"""Containment: the units a suspect (or any unit filter) covers, shipped or not, with cases.

A filter is a product, any number of conditions ``attribute = value`` (ANDed), a build
window on the production date, an as-of date and optionally a failure mode. Attributes are
named exactly as ``qloop suspects`` names them (:mod:`qloop.rca.service`): ``product``,
``batch`` and ``region`` are the unit's columns, any other name is a key of its JSON
attributes (``attributes.KEY`` for a key that is also a column's name), and a value
matches when the suspects table would write the unit's value as that text: JSON ``1`` as
``1``, ``1.0`` as ``1.0``, ``true`` as ``true`` — so a suspect row always finds its units.
An unknown attribute or value finds no unit; units without a production date are left
out by a build window.

Per unit: shipped when its ship date is on or before the as-of date (default today), not
yet shipped (to quarantine) when it has none or a later one; its cases are those whose
serial is the unit's (of the failure mode, when one is given; received at any time —
as-of only decides shipped), counted, with the date of the first. Everything is counted
in SQL: one GROUP BY over the cases per serial, joined to the matching units, grouped by
region. Items come a page at a time (:func:`affected_units`) or streamed
(:func:`iter_affected_units`), ordered by serial. Units without a region are counted
under the region ``""``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.intake.models import Case, Unit
from qloop.kpi.service import EARLIEST
from qloop.rca.service import UNIT_COLUMNS
from qloop.rca.time_in_service import _value_text

LATEST = dt.date(2199, 12, 31)
NO_REGION = ""
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
            "built_from": _day(self.built_from),
            "built_to": _day(self.built_to),
            "as_of": self.as_of.isoformat(),
            "failure_mode": self.failure_mode,
        }


@dataclass(frozen=True)
class RegionCounts:
    units: int = 0
    shipped: int = 0
    not_shipped: int = 0
    with_cases: int = 0

    def as_json(self) -> dict[str, int]:
        return {"units": self.units, "shipped": self.shipped,
                "not_shipped": self.not_shipped, "with_cases": self.with_cases}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AffectedUnit:
    """One unit of the list; ``values`` holds the text of each condition attribute that is
    not a unit column (None where the unit has no value)."""

    serial: str
    product: str
    batch: str | None
    region: str | None
    production_date: dt.date | None
    ship_date: dt.date | None
    shipped: bool
    cases: int
    first_case: dt.date | None
    values: Mapping[str, str | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "product": self.product,
            "batch": self.batch,
            "region": self.region,
            "production_date": _day(self.production_date),
            "ship_date": _day(self.ship_date),
            "shipped": self.shipped,
            "cases": self.cases,
            "first_case": _day(self.first_case),
            "values": dict(self.values),
        }


@dataclass(frozen=True)
class Containment:
    """Counts of the filter's units (all of them) and one page of the units themselves."""

    filter: ContainmentFilter
    units: int
    shipped: int
    not_shipped: int
    with_cases: int
    by_region: dict[str, RegionCounts]
    items: tuple[AffectedUnit, ...]

    def summary_json(self) -> dict[str, Any]:
        return {
            "filter": self.filter.as_json(),
            "units": self.units,
            "shipped": self.shipped,
            "not_shipped": self.not_shipped,
            "with_cases": self.with_cases,
            "by_region": {region: c.as_json() for region, c in self.by_region.items()},
        }

    def as_json(self) -> dict[str, Any]:
        return self.summary_json() | {"items": [item.as_json() for item in self.items]}


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


def find_affected_units(
    session: Session,
    *,
    product: str,
    conditions: Sequence[tuple[str, str]] = (),
    built_from: dt.date | None = None,
    built_to: dt.date | None = None,
    as_of: dt.date | None = None,
    failure_mode: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Containment:
    """The units of the filter (module docstring): all counts, and items ``offset`` to
    ``offset + limit`` by serial (all of them when ``limit`` is None)."""
    checked = ContainmentFilter.checked(
        product=product, conditions=conditions, built_from=built_from, built_to=built_to,
        as_of=as_of, failure_mode=failure_mode,
    )  # fmt: skip
    return affected_units(session, checked, limit=limit, offset=offset)


def affected_units(
    session: Session, checked: ContainmentFilter, *, limit: int | None = None, offset: int = 0
) -> Containment:
    """:func:`find_affected_units` for a filter already made."""
    if limit is not None and limit < 0:
        raise InputError("limit must be 0 or more", column="limit")
    if offset < 0:
        raise InputError("offset must be 0 or more", column="offset")
    unit = _per_unit(session, checked)
    shipped = and_(unit.c.ship_date.is_not(None), unit.c.ship_date <= checked.as_of)
    query = select(
        unit.c.region,
        func.count(),
        func.sum(case((shipped, 1), else_=0)),
        func.sum(case((unit.c.cases > 0, 1), else_=0)),
    ).group_by(unit.c.region)
    by_region: dict[str, RegionCounts] = {}
    for region, units, shipped_units, with_cases in session.execute(query):
        key = region or NO_REGION  # NULL and "" are both no region
        was = by_region.get(key, RegionCounts())
        by_region[key] = RegionCounts(
            was.units + units,
            was.shipped + int(shipped_units or 0),
            was.not_shipped + units - int(shipped_units or 0),
            was.with_cases + int(with_cases or 0),
        )
    ordered = dict(sorted(by_region.items(), key=lambda pair: (pair[0] == NO_REGION, pair[0])))
    items: tuple[AffectedUnit, ...] = ()
    if limit != 0:
        page = _items_query(session, checked).offset(offset).limit(limit)
        items = tuple(_items(session.execute(page), checked))
    counts = ordered.values()
    return Containment(
        checked,
        units=sum(c.units for c in counts),
        shipped=sum(c.shipped for c in counts),
        not_shipped=sum(c.not_shipped for c in counts),
        with_cases=sum(c.with_cases for c in counts),
        by_region=ordered,
        items=items,
    )


def iter_affected_units(
    session: Session, checked: ContainmentFilter, *, chunk: int = 2000
) -> Iterator[AffectedUnit]:
    """Every unit of the filter by serial, fetched ``chunk`` rows at a time (a server-side
    cursor on PostgreSQL): for exports of tens of thousands of units."""
    result = session.execute(_items_query(session, checked), execution_options={"yield_per": chunk})
    yield from _items(result, checked)


def _scope(session: Session, checked: ContainmentFilter) -> list[ColumnElement[bool]]:
    where = [Unit.product == checked.product]
    where.extend(_matches(session, a, v) for a, v in checked.conditions)
    if checked.built_from is not None:
        where.append(Unit.production_date >= checked.built_from)
    if checked.built_to is not None:
        where.append(Unit.production_date <= checked.built_to)
    return where


def _per_unit(session: Session, checked: ContainmentFilter) -> Any:
    """One row per unit of the filter — id, region, ship date, its cases and first case —
    from the units joined to their cases (of the mode) by serial and grouped by unit.

    Joined, not matched against a GROUP BY of all cases by serial: PostgreSQL guesses a
    handful of units for JSON conditions, and then compared every unit with every serial
    that has cases (quadratic; 0.4 s for 1,700 units of the demo). The join looks each unit
    up in the index on ``cases.serial`` or hashes, whatever the guess.
    """
    on = Case.serial == Unit.serial
    if checked.failure_mode is not None:
        on = and_(on, Case.failure_mode == checked.failure_mode)
    return (
        select(Unit.id.label("id"), Unit.region.label("region"),
               Unit.ship_date.label("ship_date"), func.count(Case.id).label("cases"),
               func.min(Case.received_at).label("first_case"))
        .outerjoin(Case, on)
        .where(*_scope(session, checked))
        .group_by(Unit.id, Unit.region, Unit.ship_date)
        .subquery("per_unit")
    )  # fmt: skip


def _items_query(session: Session, checked: ContainmentFilter) -> Select[Any]:
    unit = _per_unit(session, checked)
    values = [c for name in checked.value_attributes for c in _value_columns(session, name)]
    return (
        select(Unit.serial, Unit.product, Unit.batch, Unit.region, Unit.production_date,
               Unit.ship_date, unit.c.cases, unit.c.first_case, *values)
        .join(unit, unit.c.id == Unit.id)
        .order_by(Unit.serial)
    )  # fmt: skip


def _items(rows: Any, checked: ContainmentFilter) -> Iterator[AffectedUnit]:
    names = checked.value_attributes
    for serial, product, batch, region, built, ship, cases, first, *found in rows:
        width = len(found) // len(names) if names else 0
        values = {name: _value_text(found[k * width : (k + 1) * width])
                  for k, name in enumerate(names)}  # fmt: skip
        shipped = ship is not None and ship <= checked.as_of
        first_day = first.date() if isinstance(first, dt.datetime) else first
        yield AffectedUnit(serial, product, batch, region, built, ship, shipped, int(cases),
                           first_day, values)  # fmt: skip


def _matches(session: Session, attribute: str, text: str) -> ColumnElement[bool]:
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
    columns = _value_columns(session, attribute)
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


def _value_columns(session: Session, attribute: str) -> list[Any]:
    """A JSON attribute's value as SQL, and on SQLite its JSON type (true and false read
    back as 1 and 0), as :mod:`qloop.rca.time_in_service` selects them — but with the key
    bound as an ordinary parameter, so that several conditions each keep their own."""
    key = attribute
    if attribute.startswith("attributes.") and attribute[11:] in UNIT_COLUMNS:
        key = attribute[11:]
    if session.get_bind().dialect.name == "postgresql":
        return [Unit.attributes.op("->>", return_type=Text)(literal(key, Text))]
    if '"' in key:  # a JSON path cannot quote it: look the key up with json_each
        pairs = func.json_each(Unit.attributes).table_valued("key", "value", "type").alias()
        return [
            select(pairs.c[column]).where(pairs.c.key == key).limit(1).scalar_subquery()
            for column in ("value", "type")
        ]
    path = f'$."{key}"'
    return [func.json_extract(Unit.attributes, path), func.json_type(Unit.attributes, path)]


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


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None
