"""Stored units per (product, attribute, value): the population side of ``qloop suspects``.

Counting every (unit, attribute) pair of a million units takes seconds; reading the few
hundred stored counts of the population's products takes milliseconds. The counts cover
the units up to an id (``last_id``), and are used only when that provably holds:

* the status row says ``fresh``;
* the units with an id up to ``last_id`` number ``units`` (the table's count less the
  count of ids above): a unit inserted below it afterwards, or replaced, shows;
* the triggers of migration 0008 exist: any UPDATE of product, batch, region or
  attributes and any DELETE (and TRUNCATE on PostgreSQL) of units sets ``fresh`` to
  ``stale``, whoever runs it.

Units above ``last_id`` are new: whoever inserted them (the import, the ORM, plain SQL),
they are counted when the counts are next needed and added (:func:`population`), in
that transaction. Counting them in Python during the import made it a third slower
(measured; 12% even for the bare ``Counter`` passes, more than the import's speed target
leaves); counted afterwards, they cost the next ``qloop suspects`` once. Stale counts are
rebuilt from all units the same way. The counting is exact SQL
(:mod:`qloop.intake.unit_values`), or on SQLite Python where it is provably the same and
three times faster (:mod:`qloop.intake.unit_value_scan`).

The import counts its own updates (:mod:`qloop.intake.unit_tally`): it sets the status
to ``importing``, so its updates leave it alone (another transaction's update waits for
the import's row lock on PostgreSQL, then marks the counts stale), and applies its deltas
at the end, in its transaction: a failed or rolled-back import changes nothing. Without
the triggers the counts are never trusted and the units are scanned every time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from qloop.intake.models import Unit, UnitCountsState, UnitCountsStatus, UnitValueCount
from qloop.intake.unit_value_scan import count_in_python
from qloop.intake.unit_values import (
    Population,
    ProductValueCounts,
    ValueCounts,
    product_value_counts,
    scan_population,
)

#: the triggers of migration 0008 that keep a write from going unnoticed
GUARDS = {
    "sqlite": ("units_counts_stale_on_update", "units_counts_stale_on_delete"),
    "postgresql": (
        "units_counts_stale_on_update",
        "units_counts_stale_on_delete",
        "units_counts_stale_on_truncate",
    ),
}
STATE_ID = 1
_state = cast(Table, UnitCountsState.__table__)
_counts = cast(Table, UnitValueCount.__table__)
_ROWS_PER_STATEMENT = 500


def population(session: Session, products: tuple[str, ...], *, recount: bool = False) -> Population:
    """Units of ``products`` and units per (attribute, value), from the stored counts
    (new units added, stale counts rebuilt, everything when ``recount``); from a scan
    of the units when the triggers that guard the counts are missing, or when the counts
    cannot be written now (SQLite locked by an import: the answer is then slower, not
    refused)."""
    if not guards_present(session):
        return scan_population(session, products)
    if recount or counted_through(session) != last_unit_id(session):
        try:
            with session.begin_nested():  # a savepoint: a refused write leaves nothing behind
                bring_up_to_date(session, recount=recount)
        except OperationalError:  # another writer holds the database (an import): a question
            return scan_population(session, products)  # is answered from the units instead
    return stored_population(session, products)


def stored_population(session: Session, products: tuple[str, ...]) -> Population:
    """The stored counts of ``products``, summed over them (trusted or not)."""
    query = (
        select(UnitValueCount.attribute, UnitValueCount.value, func.sum(UnitValueCount.units))
        .where(UnitValueCount.product.in_(products))
        .group_by(UnitValueCount.attribute, UnitValueCount.value)
    )
    counts: ValueCounts = Counter()
    for attribute, value, units in session.execute(query):
        counts[attribute, value] = int(units)
    units = sum(counts["product", product] for product in set(products))
    return Population(units, counts)


def guards_present(session: Session) -> bool:
    """Whether the triggers that mark the counts stale exist (and are enabled)."""
    dialect = session.get_bind().dialect.name
    names = GUARDS.get(dialect)
    if names is None:
        return False
    if dialect == "postgresql":
        query = text(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('units') "
            "AND tgname = ANY(:names) AND tgenabled <> 'D'"
        ).bindparams(names=list(names))
    else:
        query = text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'units' AND name IN (:a, :b)"
        ).bindparams(a=names[0], b=names[1])
    return bool(session.scalar(query) == len(names))


def counted_through(session: Session) -> int | None:
    """The highest unit id the stored counts are right for, or None when they are not
    (status not ``fresh``, or the units up to that id are not the ones counted)."""
    state = session.execute(
        select(UnitCountsState.status, UnitCountsState.units, UnitCountsState.last_id).where(
            UnitCountsState.id == STATE_ID
        )
    ).first()
    if state is None or state.status != UnitCountsStatus.FRESH:
        return None
    return state.last_id if units_up_to(session, state.last_id) == state.units else None


def units_up_to(session: Session, last_id: int) -> int:
    """Units with an id up to ``last_id``: the table's count (SQLite answers a bare
    ``count(*)`` from its smallest index) less the few above it (a range of the key)."""
    everyone = session.scalar(select(func.count()).select_from(Unit)) or 0
    above = select(func.count()).select_from(Unit).where(Unit.id > last_id)
    return everyone - (session.scalar(above) or 0)


def last_unit_id(session: Session) -> int:
    return session.scalar(select(func.max(Unit.id))) or 0


def bring_up_to_date(session: Session, *, recount: bool = False) -> None:
    """Count the units not counted yet (all of them when the counts are not right, or
    ``recount``) and store the counts as fresh.

    The status row is written first: on PostgreSQL its lock makes a concurrent update or
    delete of units wait until this transaction ends (and then mark the counts stale);
    on SQLite it takes the write lock. Units are counted up to the highest id seen then;
    one inserted meanwhile below it by another transaction leaves the stamp behind.
    """
    _set_status(session, None)  # takes the lock, keeps the status
    after = None if recount else counted_through(session)
    _set_status(session, UnitCountsStatus.STALE)
    through = last_unit_id(session)
    counted = _count_units(session, after=after, through=through)
    units = 0
    if after is None:
        session.execute(delete(_counts))
    else:
        query = select(UnitCountsState.units).where(UnitCountsState.id == STATE_ID)
        units = session.scalar(query) or 0
    if not apply_deltas(session, counted[1]):  # only when counts were wrong: start afresh
        bring_up_to_date(session, recount=True)
        return
    _write_state(session, UnitCountsStatus.FRESH, units + counted[0], through)


def rebuild_unit_counts(session: Session) -> None:
    """Count every unit again, exactly, and store the counts as fresh."""
    bring_up_to_date(session, recount=True)


def mark_stale(session: Session) -> None:
    _set_status(session, UnitCountsStatus.STALE)


def claim_for_import(session: Session) -> int | None:
    """Set right counts to ``importing``; returns the highest id they count (the import
    counts its updates of units up to it), or None: the import need not count. Must come
    before the import's first write to units."""
    claimed = session.execute(
        update(_state)
        .where(_state.c.id == STATE_ID, _state.c.status == UnitCountsStatus.FRESH)
        .values(status=UnitCountsStatus.IMPORTING)
        .returning(_state.c.units, _state.c.last_id)
    ).first()
    if claimed is None:
        return None
    units, last_id = claimed
    if not guards_present(session) or units_up_to(session, last_id) != units:
        mark_stale(session)
        return None
    return int(last_id)


def finish_import(session: Session, deltas: ProductValueCounts | None) -> None:
    """Apply an import's deltas and set the counts fresh again; ``None`` (the import met
    a value it could not count) leaves them stale."""
    if deltas is None or not apply_deltas(session, deltas):
        mark_stale(session)
        return
    _set_status(session, UnitCountsStatus.FRESH)


def apply_deltas(session: Session, deltas: ProductValueCounts) -> bool:
    """Add ``deltas`` to the stored counts (a count that reaches 0 is deleted). False,
    with nothing written, when a count would fall below 0: the counts were not right."""
    changes = {key: n for key, n in deltas.items() if n}
    if not changes:
        return True
    products = sorted({product for product, _a, _v in changes})
    stored: dict[tuple[str, str, str], tuple[int, int]] = {}
    columns = [_counts.c[name] for name in ("id", "product", "attribute", "value", "units")]
    for part in _parts(products):
        for row_id, product, attribute, value, units in session.execute(
            select(*columns).where(_counts.c.product.in_(part))
        ):
            stored[product, attribute, value] = (row_id, units)
    updates: list[dict[str, int]] = []
    deletes: list[int] = []
    new: list[tuple[tuple[str, str, str], int]] = []
    for key, change in changes.items():
        row_id, units = stored.get(key, (None, 0))
        total = units + change
        if total < 0:
            return False
        if row_id is None:
            new.append((key, total))
        elif total == 0:
            deletes.append(row_id)
        else:
            updates.append({"_id": row_id, "_units": total})
    if updates:
        statement = (
            update(_counts)
            .where(_counts.c.id == bindparam("_id"))
            .values(units=bindparam("_units"))
        )
        session.execute(statement, updates)
    for part in _parts(deletes):
        session.execute(delete(_counts).where(_counts.c.id.in_(part)))
    _insert_counts(session, new)
    return True


def _count_units(
    session: Session, *, after: int | None, through: int
) -> tuple[int, ProductValueCounts]:
    """(units, counts) of the units with ``after < id <= through``."""
    if session.get_bind().dialect.name == "sqlite":
        counted = count_in_python(session, after=after, through=through)
        if counted is not None:
            return counted
    scope = Unit.id <= through if after is None else Unit.id.between(after + 1, through)
    counts = product_value_counts(session, scope)
    units = sum(n for (_p, attribute, _v), n in counts.items() if attribute == "product")
    return units, counts


def _insert_counts(session: Session, rows: Iterable[tuple[tuple[str, str, str], int]]) -> None:
    values = [
        {"product": product, "attribute": attribute, "value": value, "units": units}
        for (product, attribute, value), units in rows
        if units
    ]
    if values:
        session.execute(insert(_counts), values)


def _set_status(session: Session, status: UnitCountsStatus | None) -> None:
    """Write the status (None: as it is, which takes the row's lock); the row is made,
    stale, when missing (a table emptied by hand)."""
    value: Any = _state.c.status if status is None else status
    written = session.execute(
        update(_state).where(_state.c.id == STATE_ID).values(status=value).returning(_state.c.id)
    ).first()
    if written is None:
        stale = UnitCountsStatus.STALE
        session.execute(insert(_state).values(id=STATE_ID, status=stale, units=0, last_id=0))


def _write_state(session: Session, status: UnitCountsStatus, units: int, last_id: int) -> None:
    session.execute(
        update(_state)
        .where(_state.c.id == STATE_ID)
        .values(status=status, units=units, last_id=last_id)
    )


def _parts(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _ROWS_PER_STATEMENT):
        yield values[start : start + _ROWS_PER_STATEMENT]
