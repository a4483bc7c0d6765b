"""The stored units per value stay those of the units table, whoever writes the units.

After a first import, a re-import that changes units, writes through the ORM and plain
SQL, a failed import and a dry run, on both back ends: the stored counts equal the exact
GROUP BY over the units they cover (ids up to ``last_id``) before ``find_suspects`` adds
the new units, and over all units after; ``find_suspects`` equals
``find_suspects_by_scan``, which counts the population from the units themselves. An
import keeps the counts right (its updates counted, its new units left to be added);
updates and deletes by anything else make them stale until ``find_suspects`` rebuilds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.intake import unit_counts, upsert
from qloop.intake.models import Case, Channel, Product, Unit, UnitValueCount
from qloop.intake.service import import_file
from qloop.intake.unit_values import product_value_counts
from qloop.rca.service import find_suspects, find_suspects_by_scan
from tests.files import write_csv

HEADER = ["serial", "product", "batch", "region", "cell_lot", "fw"]
FIRST = [
    # chunks of 4 rows: one with a single product, others with two
    ["S01", "PX9", "B1", "east", "L1", "1.0"],
    ["S02", "PX9", "B1", "east", "L1", "1.0"],
    ["S03", "PX9", "B2", "", "L2", "1.1"],
    ["S04", "PX9", "B2", "west", "", "1.1"],
    ["S05", "PX9", "", "west", "L2", "1.0"],
    ["S06", "WM7", "B1", "east", "L1", ""],
    ["S07", "WM7", "B3", "east", "L3", "2.0"],
    ["S08", "PX9", "B1", "north", "L1", "1.0"],
    ["S09", "WM7", "B3", "", "L3", "2.0"],
    ["S10", "PX9", "B2", "east", "L17", "1.1"],
]


@pytest.fixture
def counted(engine: Engine) -> Engine:
    """Counts trusted from the start. (A fresh database starts so; the PostgreSQL test
    schema is emptied between tests, its status row included.)"""
    with session_scope(engine) as session:
        unit_counts.rebuild_unit_counts(session)
    return engine


def stored(session: Session) -> Counter[tuple[str, str, str]]:
    rows = session.execute(
        select(UnitValueCount.product, UnitValueCount.attribute, UnitValueCount.value,
               UnitValueCount.units)
    )  # fmt: skip
    return Counter({(p, a, v): n for p, a, v, n in rows})


def right(engine: Engine) -> bool:
    """The counts are right for the units they cover (no rebuild needed)."""
    with session_scope(engine) as session:
        return (
            unit_counts.guards_present(session) and unit_counts.counted_through(session) is not None
        )


def add_cases(engine: Engine, serials: list[str]) -> None:
    with session_scope(engine) as session:
        for n, serial in enumerate(serials):
            session.add(Case(case_id=f"C{serial}{n}", received_at=dt.datetime(2026, 5, 1),
                             channel=Channel.HOTLINE, serial=serial, failure_mode="swelling",
                             description="swollen", attributes={}))  # fmt: skip


def assert_exact(engine: Engine) -> None:
    """Right counts = the GROUP BY over the units they cover; after find_suspects (which
    adds new units, rebuilds counts that are not right) = the GROUP BY over all units;
    find_suspects = the scanning path, for all products and for each."""
    with session_scope(engine) as session:
        through = unit_counts.counted_through(session)
        if through is not None:  # before find_suspects adds new units
            assert stored(session) == product_value_counts(session, Unit.id <= through)
        answers = [find_suspects(session, failure_mode="swelling")]
        assert unit_counts.counted_through(session) == unit_counts.last_unit_id(session)
        assert stored(session) == product_value_counts(session)
        answers.append(find_suspects_by_scan(session, failure_mode="swelling"))
        for product in ("PX9", "WM7"):
            answers.append(find_suspects(session, failure_mode="swelling", product=product))
            answers.append(find_suspects_by_scan(session, failure_mode="swelling", product=product))
    assert answers[0].population > 0 and len(answers[0].table) > 0
    for ours, scanned in zip(answers[::2], answers[1::2], strict=True):
        assert (ours.population, ours.failures) == (scanned.population, scanned.failures)
        pd.testing.assert_frame_equal(ours.table, scanned.table)


def import_units(
    engine: Engine,
    path: Path,
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    dry_run: bool = False,
) -> None:
    source = write_csv(path, header, rows)
    import_file(engine, table="units", path=source, chunk_rows=4, dry_run=dry_run)


def test_a_first_import_counts_its_units(counted: Engine, tmp_path: Path) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01", "S02", "S10", "S07"])
    assert right(counted)
    assert_exact(counted)
    with session_scope(counted) as session:
        counts = stored(session)
    assert counts["PX9", "cell_lot", "L1"] == 3 and counts["WM7", "batch", "B3"] == 2
    assert counts["PX9", "product", "PX9"] == 7 and ("PX9", "cell_lot", "") not in counts


def test_a_reimport_that_changes_units_keeps_them_counted(counted: Engine, tmp_path: Path) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01", "S03", "S11", "S09"])
    assert_exact(counted)  # the first units counted: the re-import updates counted units
    header = ["serial", "product", "batch", "cell_lot", "supplier"]  # no region, fw: kept
    changes = [
        ["S01", "PX9", "B1", "L9", "ACME"],  # lot changed, a key added
        ["S02", "PX9", "B1", "L1", ""],  # unchanged
        ["S03", "WM7", "", "", "ACME"],  # product changed: region and fw move with it
        ["S06", "WM7", "B4", "L1", "Volt"],
        ["S11", "PX9", "B5", "L17", "ACME"],  # new
        ["S12", "WM7", "", "", ""],  # new, no values
    ]
    import_units(counted, tmp_path / "v.csv", changes, header=header)
    assert right(counted)
    assert_exact(counted)
    with session_scope(counted) as session:
        counts = stored(session)
    assert counts["WM7", "region", "west"] == 0 and counts["PX9", "region", "west"] == 2
    assert counts["PX9", "supplier", "ACME"] == 2 and counts["WM7", "fw", "1.1"] == 1


def test_units_written_through_the_orm_are_counted_again(counted: Engine, tmp_path: Path) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01", "S05", "S07"])
    with session_scope(counted) as session:  # an insert: a new unit, counted when needed
        session.add(Unit(serial="O1", product="PX9", batch="B1", attributes={"cell_lot": "L1"}))
    assert right(counted)
    assert_exact(counted)
    with session_scope(counted) as session:  # an update that removes a key: the trigger
        unit = session.scalars(select(Unit).where(Unit.serial == "S01")).one()
        unit.attributes = {"fw": "1.0"}
    assert not right(counted)
    assert_exact(counted)
    with session_scope(counted) as session:  # plain SQL: an update of a column, a delete
        session.execute(update(Unit).where(Unit.serial == "S02").values(batch="B7"))
        assert unit_counts.counted_through(session) is None
    assert_exact(counted)
    with session_scope(counted) as session:
        session.execute(delete(Unit).where(Unit.serial == "S04"))
    assert not right(counted)
    assert_exact(counted)
    import_units(counted, tmp_path / "w.csv", [["O2", "PX9", "B1", "east", "L1", "1.0"]])
    assert right(counted)  # rebuilt, then the import
    assert_exact(counted)


def test_an_update_that_changes_nothing_counted_keeps_the_counts(counted: Engine) -> None:
    add_cases(counted, ["U1"])
    with session_scope(counted) as session:
        session.add_all([Product(code="PX9"), Unit(serial="U1", product="PX9", attributes={})])
    assert_exact(counted)
    with session_scope(counted) as session:
        session.execute(update(Unit).values(ship_date=dt.date(2026, 1, 2)))
    assert right(counted)


@pytest.mark.parametrize("how", ["failure", "dry run"])
def test_a_failed_or_dry_import_leaves_the_counts_as_they_were(
    counted: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01", "S10"])
    with session_scope(counted) as session:
        before = stored(session)
    rows = [["S01", "WM7", "B9", "south", "L5", "9.9"]] + [
        [f"N{i}", "PX9", "B9", "south", "L5", "9.9"] for i in range(12)
    ]
    if how == "failure":
        real_write = upsert.ChunkWriter.write
        calls = {"n": 0}

        def write_then_fail(self: upsert.ChunkWriter, chunk: object) -> object:
            calls["n"] += 1
            if calls["n"] == 3:  # two chunks were written inside the transaction
                raise RuntimeError("disk full")
            return real_write(self, chunk)  # type: ignore[arg-type]

        monkeypatch.setattr(upsert.ChunkWriter, "write", write_then_fail)
        with pytest.raises(RuntimeError):
            import_units(counted, tmp_path / "v.csv", rows)
    else:
        import_units(counted, tmp_path / "v.csv", rows, dry_run=True)
    assert right(counted)
    with session_scope(counted) as session:
        assert stored(session) == before
    assert_exact(counted)


def test_values_python_cannot_write_as_the_database_leave_the_counts_stale(
    counted: Engine, tmp_path: Path
) -> None:
    with session_scope(counted) as session:
        session.add(Product(code="PX9"))
        attributes = {"cell_lot": "L1", "weight": 1.5, "tags": ["a", "b"]}
        session.add(Unit(serial="S01", product="PX9", attributes=attributes))
    add_cases(counted, ["S01"])
    assert_exact(counted)
    import_units(counted, tmp_path / "u.csv", [["S01", "PX9", "B1", "east", "L2", "1.0"]])
    assert not right(counted)  # the tally could not take 1.5 away as SQL writes it
    assert_exact(counted)


def test_every_json_type_is_counted_as_the_scan_counts_it(counted: Engine) -> None:
    values = [True, False, 1, 0, "1", "true", 1.0, 2.5, None, "", "x", {"a": 1}, [1, 2]]
    with session_scope(counted) as session:
        session.add_all([Product(code="PX9"), Product(code="WM7")])
        for n, value in enumerate(values):
            attributes = {"v": value, "region": "r", "product": n % 2}
            session.add(Unit(serial=f"J{n}", product="PX9", attributes=attributes))
            session.add(Unit(serial=f"K{n}", product="WM7", attributes={"v": value}))
    add_cases(counted, ["J0", "J2", "J4", "K1"])
    assert_exact(counted)  # new units with 2.5, [1, 2]: counted by SQL
    with session_scope(counted) as session:
        counts = stored(session)
    assert counts["PX9", "v", "1"] == 2  # JSON 1 and "1": one value, as on PostgreSQL
    assert counts["PX9", "v", "true"] == 2 and counts["PX9", "attributes.region", "r"] == 13


def test_without_its_triggers_the_counts_are_never_trusted(counted: Engine, tmp_path: Path) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01", "S02"])
    postgresql = counted.dialect.name == "postgresql"
    off = (
        "ALTER TABLE units DISABLE TRIGGER units_counts_stale_on_update"
        if postgresql
        else "DROP TRIGGER units_counts_stale_on_update"
    )
    with counted.begin() as connection:
        connection.execute(text(off))
    try:
        with session_scope(counted) as session:
            assert not unit_counts.guards_present(session)
            session.execute(update(Unit).where(Unit.serial == "S01").values(batch="B8"))
            assert unit_counts.counted_through(session) is not None  # nothing said stale...
            ours = find_suspects(session, failure_mode="swelling")  # ...so the units are scanned
            scanned = find_suspects_by_scan(session, failure_mode="swelling")
            assert ("batch", "B8") in set(
                zip(ours.table["attribute"], ours.table["value"], strict=True)
            )
            pd.testing.assert_frame_equal(ours.table, scanned.table)
    finally:
        if postgresql:
            with counted.begin() as connection:
                connection.execute(
                    text("ALTER TABLE units ENABLE TRIGGER units_counts_stale_on_update")
                )


def test_counts_that_contradict_the_failed_units_are_rebuilt(
    counted: Engine, tmp_path: Path
) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01", "S10"])
    with session_scope(counted) as session:  # damage the stored counts behind their back
        session.execute(delete(UnitValueCount).where(UnitValueCount.value == "L17"))
    assert right(counted)  # the stamp cannot see this; the failed units can
    with session_scope(counted) as session:
        found = find_suspects(session, failure_mode="swelling")
        assert stored(session) == product_value_counts(session)
        scanned = find_suspects_by_scan(session, failure_mode="swelling")
    pd.testing.assert_frame_equal(found.table, scanned.table)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own behaviour
def test_a_replace_on_sqlite_changes_the_stamp(counted: Engine, tmp_path: Path) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01"])
    assert_exact(counted)  # S01 counted
    with counted.begin() as connection:  # replaces S01: its DELETE trigger fires (recursive)
        connection.execute(
            text("INSERT OR REPLACE INTO units (serial, product, attributes) "
                 "VALUES ('S01', 'PX9', '{\"lot\": \"L5\"}')")
        )  # fmt: skip
    assert not right(counted)
    assert_exact(counted)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's own behaviour
def test_a_repeated_key_on_sqlite_stops_the_tally(counted: Engine, tmp_path: Path) -> None:
    import_units(counted, tmp_path / "u.csv", FIRST)
    add_cases(counted, ["S01"])
    with counted.begin() as connection:  # json_each gives both pairs, orjson the last
        connection.execute(text("""UPDATE units SET attributes = '{"fw": "1", "fw": "2"}'
                                   WHERE serial = 'S02'"""))  # fmt: skip
    assert_exact(counted)  # rebuilt (the update made the counts stale): both pairs counted
    import_units(counted, tmp_path / "v.csv", [["S02", "PX9", "B1", "east", "L2", ""]])
    assert not right(counted)  # the update rewrote the document with one "fw"
    assert_exact(counted)
