"""The units import counts its own updates, so the stored counts stay right without a scan.

A :class:`UnitTally` lives for one import of units while the stored counts are right
(:mod:`qloop.intake.unit_counts`). For every stored unit the import changes, the chunk
writer hands it the old and the merged values; the tally moves that unit's values from
the old to the new ones, as deltas of units per (product, attribute, value) written as
:mod:`qloop.intake.unit_values` writes them, and :meth:`UnitTally.finish` applies them
at the end of the import, in its transaction. Units the counts do not cover yet (an id
above the counted one) are left to the count of new units; the import's new units too.

A value whose database text Python cannot predict for certain (a float, a list) makes
the tally give up: the counts are left stale and rebuilt when next needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from qloop.intake import unit_counts
from qloop.intake.unit_values import (
    UNIT_COLUMNS,
    NotCountable,
    ProductValueCounts,
    key_name,
    python_value_text,
)

#: the columns of a stored unit the tally needs to take its old values away
TALLY_COLUMNS = (*UNIT_COLUMNS, "attributes")
PAIRS = "_attribute_pairs"


class UnitTally:
    """Deltas of units per (product, attribute, value) from one import's updates."""

    def __init__(self, counted_through: int, *, sqlite: bool = False) -> None:
        self.counted_through = counted_through
        self.sqlite = sqlite
        self.deltas: ProductValueCounts = Counter()
        self.countable = True

    @classmethod
    def start(cls, session: Session) -> UnitTally | None:
        """A tally when the stored counts are right (they are then ``importing``), else
        None: counts that are not right are rebuilt when next needed."""
        counted_through = unit_counts.claim_for_import(session)
        if counted_through is None:
            return None
        return cls(counted_through, sqlite=session.get_bind().dialect.name == "sqlite")

    def columns(self, table: Table) -> list[Any]:
        """What to read of each stored unit the import updates, besides its id:
        :data:`TALLY_COLUMNS`, and on SQLite the number of (key, value) pairs
        ``json_each`` finds in its attributes (orjson keeps one of a repeated key)."""
        read: list[Any] = [table.c[name] for name in TALLY_COLUMNS]
        if self.sqlite:
            pairs = select(func.count()).select_from(func.json_each(table.c.attributes))
            read.append(pairs.scalar_subquery().label(PAIRS))
        return read

    def replace(self, old: Mapping[Any, Any], new: Mapping[str, Any]) -> None:
        """Move a stored unit from its ``old`` values (a mapping holding ``id`` and
        :data:`TALLY_COLUMNS`) to ``new`` ones (where missing, the old value stays)."""
        if not self.countable or old["id"] > self.counted_through:
            return
        if self.sqlite and old[PAIRS] != len(old["attributes"] or {}):
            self.countable = False  # a repeated key
            return
        merged = {name: new.get(name, old[name]) for name in TALLY_COLUMNS}
        try:
            if merged["product"] == old["product"]:
                self._move_changed(old, merged)
            else:  # every value moves to the other product
                self.deltas.subtract(Counter(_unit_values(old)))
                self.deltas.update(Counter(_unit_values(merged)))
        except NotCountable:
            self.countable = False

    def _move_changed(self, old: Mapping[Any, Any], new: Mapping[str, Any]) -> None:
        """Move only the values that changed, compared as text (True is not 1). Every
        value is checked all the same: the update writes the whole document again, and a
        value such as 1.50 may come back from the database as other text."""
        product = old["product"]
        before, after = _attributes(old), _attributes(new)
        pairs = [(n, old[n], new[n]) for n in UNIT_COLUMNS[1:]]
        keys = before.keys() | after.keys()
        pairs += [(key_name(key), before.get(key), after.get(key)) for key in keys]
        for attribute, was, now in pairs:
            if was is now and type(was) is str:
                continue
            was_text, now_text = python_value_text(was), python_value_text(now)
            if was_text != now_text:
                if was_text is not None:
                    self.deltas[product, attribute, was_text] -= 1
                if now_text is not None:
                    self.deltas[product, attribute, now_text] += 1

    def finish(self, session: Session) -> None:
        """Apply the deltas and set the counts fresh (stale if the tally gave up)."""
        unit_counts.finish_import(session, self.deltas if self.countable else None)


def _attributes(unit: Mapping[Any, Any]) -> dict[str, Any]:
    attributes = unit["attributes"]
    if attributes is not None and not isinstance(attributes, dict):
        raise NotCountable("attributes that are not a JSON object")
    return attributes or {}


def _unit_values(unit: Mapping[Any, Any]) -> Iterator[tuple[str, str, str]]:
    """(product, attribute, value text) of one unit's values (a JSON null is none)."""
    product = unit["product"]
    columns = ((name, unit[name]) for name in UNIT_COLUMNS)
    named = ((key_name(key), value) for key, value in _attributes(unit).items())
    for name, value in chain(columns, named):
        text = python_value_text(value)
        if text is not None:
            yield product, name, text
