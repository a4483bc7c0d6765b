"""Containment: the units a suspect (or any unit filter) covers, shipped or not, with cases.

Which units a filter covers, and how a condition matches, is
:mod:`qloop.capa.containment_filter`. Per unit: shipped when its ship date is on or before
the as-of date (default today), not yet shipped (to quarantine) when it has none or a
later one; its cases are those whose serial is the unit's (of the failure mode, when one
is given; received at any time — as-of only decides shipped), counted, with the date of
the first. Everything is counted in SQL: one GROUP BY over the cases per serial, joined to
the matching units, grouped by region. Items come a page at a time
(:func:`affected_units`) or streamed (:func:`iter_affected_units`), ordered by serial.
Units without a region are counted under the region ``""``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from qloop.capa.containment_filter import ContainmentFilter, filter_clauses, iso_day
from qloop.core.errors import InputError
from qloop.intake.models import Case, Unit
from qloop.rca.time_in_service import value_columns, value_text

NO_REGION = ""


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
            "production_date": iso_day(self.production_date),
            "ship_date": iso_day(self.ship_date),
            "shipped": self.shipped,
            "cases": self.cases,
            "first_case": iso_day(self.first_case),
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
        .where(*filter_clauses(session, checked))
        .group_by(Unit.id, Unit.region, Unit.ship_date)
        .subquery("per_unit")
    )  # fmt: skip


def _items_query(session: Session, checked: ContainmentFilter) -> Select[Any]:
    unit = _per_unit(session, checked)
    values = [c for name in checked.value_attributes for c in value_columns(session, name)]
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
        values = {name: value_text(found[k * width : (k + 1) * width])
                  for k, name in enumerate(names)}  # fmt: skip
        shipped = ship is not None and ship <= checked.as_of
        first_day = first.date() if isinstance(first, dt.datetime) else first
        yield AffectedUnit(serial, product, batch, region, built, ship, shipped, int(cases),
                           first_day, values)  # fmt: skip
