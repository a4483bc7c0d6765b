"""Python counts values as the SQL GROUP BY does: the import's tally of its updates, and
the count of new units from their JSON text on SQLite, against the database's own count;
values whose text Python cannot be sure of are refused."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.intake.models import Product, Unit
from qloop.intake.unit_tally import UnitTally
from qloop.intake.unit_value_scan import count_in_python
from qloop.intake.unit_values import NotCountable, product_value_counts, python_value_text

#: every value Python writes as the database does, with traps: True == 1 and "1" vs 1
VALUES = ["a", "", '值 "quoted" \\ back', "1", "true", True, False, 0, 1, -7,
          2**63 - 1, -(2**63), None]  # fmt: skip


def test_a_replaced_unit_moves_its_values() -> None:
    tally = UnitTally(counted_through=10)
    old = {"id": 3, "product": "PX9", "batch": "B1", "region": None,
           "attributes": {"cell_lot": "L1", "fw": True, "n": 3, "gone": None}}  # fmt: skip
    tally.replace(old, {"product": "WM7", "attributes": {"cell_lot": "L2", "fw": True, "n": 3}})
    assert +tally.deltas == Counter({("WM7", "product", "WM7"): 1, ("WM7", "batch", "B1"): 1,
                                     ("WM7", "cell_lot", "L2"): 1, ("WM7", "fw", "true"): 1,
                                     ("WM7", "n", "3"): 1})  # fmt: skip
    assert -tally.deltas == Counter({("PX9", "product", "PX9"): 1, ("PX9", "batch", "B1"): 1,
                                     ("PX9", "cell_lot", "L1"): 1, ("PX9", "fw", "true"): 1,
                                     ("PX9", "n", "3"): 1})  # fmt: skip


def test_a_changed_value_moves_alone_and_as_text() -> None:
    tally = UnitTally(counted_through=10)
    old = {"id": 3, "product": "PX9", "batch": "B1", "region": "east",
           "attributes": {"region": "r1", "fw": 1, "on": True, "lot": "L1"}}  # fmt: skip
    new = {"batch": "B1", "attributes": {"region": "r2", "fw": True, "on": True, "lot": "L1"}}
    tally.replace(old, new)
    assert +tally.deltas == Counter({("PX9", "attributes.region", "r2"): 1,
                                     ("PX9", "fw", "true"): 1})  # fmt: skip
    assert -tally.deltas == Counter({("PX9", "attributes.region", "r1"): 1,
                                     ("PX9", "fw", "1"): 1})  # fmt: skip


def test_a_unit_the_counts_do_not_cover_yet_is_left_to_the_count_of_new_units() -> None:
    tally = UnitTally(counted_through=10)
    old = {"id": 11, "product": "PX9", "batch": None, "region": None, "attributes": {}}
    tally.replace(old, {"batch": "B2"})
    assert tally.countable and not +tally.deltas and not -tally.deltas


@pytest.mark.parametrize("value", [1.5, 1.0, [1], {"a": 1}, 2**63, -(2**63) - 1])
def test_values_whose_database_text_is_uncertain_stop_the_tally(value: Any) -> None:
    """Even unchanged: the update writes the document again, and PostgreSQL gives 1.50
    back as "1.50" before and "1.5" after."""
    with pytest.raises(NotCountable):
        python_value_text(value)
    tally = UnitTally(counted_through=10)
    old = {"id": 1, "product": "P", "batch": None, "region": None, "attributes": {"x": value}}
    tally.replace(old, {"attributes": {"x": value, "y": "1"}})
    assert not tally.countable


def add_units(engine: Engine, documents: list[Any]) -> None:
    with session_scope(engine) as session:
        session.add_all([Product(code="P"), Product(code="Q")])
        for n, document in enumerate(documents):
            product = "PQ"[n % 2]
            session.add(Unit(serial=f"S{n}", product=product, batch=f"B{n % 3}",
                             region=None if n % 4 else "east", attributes=document))  # fmt: skip


def test_python_text_equals_the_database_text(engine: Engine) -> None:
    add_units(engine, [{"v": value} for value in VALUES])
    tally = UnitTally(counted_through=100)
    with session_scope(engine) as session:
        from_sql = product_value_counts(session)
    for n, value in enumerate(VALUES):
        unit = {"product": "PQ"[n % 2], "batch": f"B{n % 3}", "region": None if n % 4 else "east"}
        tally.replace({"id": n, **unit, "attributes": {}}, {"attributes": {"v": value}})
    # each unit moved from no attributes to its value: the unit's columns cancel out
    expected = Counter({key: n for key, n in from_sql.items() if key[1] == "v"})
    assert tally.countable and +tally.deltas == expected
    assert expected["P", "v", "1"] + expected["Q", "v", "1"] == 2  # 1 and "1"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own behaviour
def test_new_units_counted_in_python_equal_the_sql_count(engine: Engine) -> None:
    documents = [{"v": value, "w": n % 3, "region": "r"} for n, value in enumerate(VALUES)]
    add_units(engine, [*documents, {}, {"v": True}, {"v": 1}])
    with session_scope(engine) as session:
        everything = count_in_python(session, after=None, through=100)
        some = count_in_python(session, after=3, through=9)
        assert everything == (16, product_value_counts(session))
        assert some == (6, product_value_counts(session, Unit.id.between(4, 9)))
    assert everything[1]["Q", "v", "1"] == 2 and everything[1]["P", "attributes.region", "r"] == 7


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own behaviour
@pytest.mark.parametrize(
    "stored",
    ['{"v": 1.5}', '{"v": [1]}', '{"v": {"a": 1}}', "[1, 2]", '"text"', '{"v": "a", "v": "b"}'],
)
def test_new_units_python_cannot_count_are_left_to_sql(engine: Engine, stored: str) -> None:
    add_units(engine, [{"v": "a"}])
    with engine.begin() as connection:  # plain SQL can store what the ORM would not
        connection.execute(
            text("INSERT INTO units (serial, product, attributes) VALUES ('X', 'P', :a)"),
            {"a": stored},
        )
    with session_scope(engine) as session:
        assert count_in_python(session, after=None, through=100) is None
