"""Every KPI on a hand-built history (tests/kpi/scenario.py), worked out by hand, on both DBs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.kpi.definitions import GroupBy
from qloop.kpi.periods import PeriodKind
from qloop.kpi.service import kpi_table
from tests.kpi import scenario


@pytest.fixture
def history(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        scenario.build(session)
    return engine


def rows(engine: Engine, **options: Any) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return kpi_table(session, **options).records()


def by_key(table: list[dict[str, Any]], group: str | None = None) -> dict[Any, dict[str, Any]]:
    if group is None:
        return {row["period"]: row for row in table}
    return {(row["period"], row[group]): row for row in table}


def test_monthly_kpis_overall(history: Engine) -> None:
    table = rows(history)
    assert [row["period"] for row in table] == ["2026-01", "2026-02", "2026-03"]
    jan, feb, mar = table
    # cases: C1, C2 | C3 | C4 (03-31 23:59), C5
    assert [jan["cases"], feb["cases"], mar["cases"]] == [2, 1, 2]
    # MTTR: R1 24 h, R2 36 h | R3 192 h, R7 12 h | R5 6 h; R4 is open and counts nowhere
    assert [jan["mttr_hours"], feb["mttr_hours"], mar["mttr_hours"]] == [30.0, 102.0, 6.0]
    # FTFR: C1 took two repairs, C2 one -> 1/2; C3's last repair (R4) is not resolved -> null;
    # C4 and C5 have no repair -> null, never 0
    assert [jan["ftfr"], feb["ftfr"], mar["ftfr"]] == [0.5, None, None]
    # repeats: R1 -> R2 (13 days), R2 -> R7 (20 days, across the month end) | R3 none,
    # R7 -> R4 (9 days) | R5 none; R5 has no case and still counts
    assert [jan["repeat_rate"], feb["repeat_rate"], mar["repeat_rate"]] == [1.0, 0.5, 0.0]
    # surveys: 5, 3 | 4 (and one without a score, left out) | 2
    assert [jan["csat"], feb["csat"], mar["csat"]] == [0.5, 1.0, 0.0]
    assert [jan["csat_mean"], feb["csat_mean"], mar["csat_mean"]] == [4.0, 4.0, 2.0]
    # shipped by the period's last day: U1, U3 (01-31) | + U2 | + U4; U5 never shipped
    assert [jan["units_in_service"], feb["units_in_service"], mar["units_in_service"]] == [2, 3, 4]
    assert jan["cases_per_1000"] == 1000.0
    assert feb["cases_per_1000"] == pytest.approx(1000 / 3, rel=1e-6)
    assert mar["cases_per_1000"] == 500.0


def test_by_product_uses_the_case_or_its_unit_and_the_repaired_unit(history: Engine) -> None:
    table = by_key(rows(history, by=GroupBy.PRODUCT), "product")
    assert set(table) == {(m, p) for m in ("2026-01", "2026-02", "2026-03") for p in ("P1", "P2")}
    assert all(set(row) >= {"period", "product", "cases"} for row in table.values())
    # C1 has no product: its unit U1 is a P1
    assert table["2026-01", "P1"]["cases"] == 1
    assert table["2026-01", "P2"]["cases"] == 1
    assert table["2026-02", "P2"]["cases"] == 0
    assert table["2026-02", "P2"]["cases_per_1000"] == 0.0
    assert table["2026-01", "P1"]["mttr_hours"] == 30.0
    assert table["2026-01", "P2"]["mttr_hours"] is None
    assert table["2026-02", "P2"]["mttr_hours"] == 192.0
    assert table["2026-02", "P1"]["mttr_hours"] == 12.0
    assert table["2026-03", "P2"]["mttr_hours"] == 6.0  # R5: no case, its unit is a P2
    assert (table["2026-01", "P1"]["ftfr"], table["2026-01", "P2"]["ftfr"]) == (0.0, 1.0)
    assert (table["2026-01", "P1"]["csat"], table["2026-01", "P2"]["csat"]) == (1.0, 0.0)
    assert table["2026-03", "P1"]["csat_mean"] == 2.0
    assert table["2026-03", "P2"]["csat"] is None
    units = {key: row["units_in_service"] for key, row in table.items()}
    assert [units["2026-01", "P1"], units["2026-02", "P1"], units["2026-03", "P1"]] == [1, 2, 2]
    assert [units["2026-01", "P2"], units["2026-02", "P2"], units["2026-03", "P2"]] == [1, 1, 2]


def test_by_region_a_group_without_units_has_no_rate(history: Engine) -> None:
    table = by_key(rows(history, by=GroupBy.REGION), "region")
    # C2 names its own region (north), which no unit has
    assert table["2026-01", "north"]["cases"] == 1
    assert table["2026-01", "north"]["units_in_service"] == 0
    assert table["2026-01", "north"]["cases_per_1000"] is None
    assert table["2026-01", "east"]["cases"] == 1  # C1, from its unit U1
    assert table["2026-01", "east"]["units_in_service"] == 2  # U1, U3
    # C4 has neither region nor unit
    assert table["2026-03", None]["cases"] == 1


def test_by_channel_and_category_rate_against_the_whole_fleet(history: Engine) -> None:
    channel = by_key(rows(history, by=GroupBy.CHANNEL), "channel")
    assert channel["2026-01", "hotline"]["cases"] == 1
    assert channel["2026-01", "app"]["units_in_service"] == 2
    assert channel["2026-03", "email"]["cases_per_1000"] == 250.0
    category = by_key(rows(history, by=GroupBy.CATEGORY), "category")
    assert category["2026-01", "electrical"]["mttr_hours"] == 30.0  # R1, R2 via C1
    assert category["2026-03", None]["cases"] == 1  # C4 has no category


def test_an_empty_period_has_counts_of_zero_and_no_rates(history: Engine) -> None:
    table = rows(history, first=dt.date(2026, 3, 1), last=dt.date(2026, 4, 30))
    assert [row["period"] for row in table] == ["2026-03", "2026-04"]
    april = table[1]
    assert april["cases"] == 0
    assert april["units_in_service"] == 4
    assert april["cases_per_1000"] == 0.0
    for key in ("mttr_hours", "ftfr", "repeat_rate", "csat", "csat_mean"):
        assert april[key] is None, key


def test_the_range_cuts_records_but_not_the_repeat_window(history: Engine) -> None:
    # January only: R2's repeat is R7 in February, outside the range, and still counts
    (jan,) = rows(history, first=dt.date(2026, 1, 1), last=dt.date(2026, 1, 31))
    assert jan["repeat_rate"] == 1.0
    # a range starting mid-month drops C1 (01-05) from January
    (jan,) = rows(history, first=dt.date(2026, 1, 10), last=dt.date(2026, 1, 31))
    assert jan["cases"] == 1


def test_a_shorter_repeat_window(history: Engine) -> None:
    # 10 days: R1 -> R2 is 13 days, R2 -> R7 is 20 days, R7 -> R4 is 9 days
    jan, feb, _ = rows(history, repeat_days=10)
    assert (jan["repeat_rate"], feb["repeat_rate"]) == (0.0, 0.5)


def test_quarter_and_week_periods(history: Engine) -> None:
    (q1,) = rows(history, kind=PeriodKind.QUARTER)
    assert q1["period"] == "2026-Q1"
    assert q1["cases"] == 5
    assert q1["mttr_hours"] == pytest.approx((24 + 36 + 192 + 12 + 6) / 5)
    assert q1["csat"] == pytest.approx(2 / 4)
    weeks = by_key(rows(history, kind=PeriodKind.WEEK))
    assert weeks["2026-W02"]["cases"] == 1  # C1, Monday 2026-01-05
    assert weeks["2026-W14"]["cases"] == 1  # C4, Tuesday 2026-03-31
    assert weeks["2026-W04"]["cases"] == 1  # C2, Tuesday 2026-01-20
    assert weeks["2026-W03"]["cases"] == 0
    assert list(weeks) == sorted(weeks)


def test_no_data_gives_no_rows(engine: Engine) -> None:
    assert rows(engine) == []


def test_one_product_only(history: Engine) -> None:
    table = rows(history, product="P2")
    assert [row["cases"] for row in table] == [1, 0, 1]
    assert [row["units_in_service"] for row in table] == [1, 1, 2]


def test_repeat_window_is_exact_below_the_second() -> None:
    import pandas as pd

    from qloop.kpi.analysis import repeat_flags

    base = dt.datetime(2026, 5, 31, 10, 0, 0)
    repairs = pd.DataFrame(
        {
            "serial": ["A", "A", "B", "B", "C"],
            "opened_at": [
                base - dt.timedelta(hours=1),
                base + dt.timedelta(microseconds=700_000),  # 0.3 s after A's first closes
                base - dt.timedelta(hours=1),
                base + dt.timedelta(days=30, microseconds=200_001),  # 1 µs past the window
                base,
            ],
            "closed_at": [
                base + dt.timedelta(microseconds=400_000),
                None,
                base + dt.timedelta(microseconds=200_000),
                None,
                base + dt.timedelta(hours=1),
            ],
        }
    )
    assert list(repeat_flags(repairs, 30)) == [True, False, False, False, False]
    exactly = repairs.copy()
    exactly.loc[3, "opened_at"] = base + dt.timedelta(days=30, microseconds=200_000)
    assert list(repeat_flags(exactly, 30)) == [True, False, True, False, False]


def test_a_filter_matching_nothing_gives_empty_figures(history: Engine) -> None:
    table = rows(history, product="no-such-product", by=GroupBy.PRODUCT)
    assert [row["cases"] for row in table] == [0, 0, 0]
    assert all(row["ftfr"] is None and row["mttr_hours"] is None for row in table)


def test_one_product_agrees_with_its_row_of_the_split(engine: Engine) -> None:
    from qloop.intake.models import Case, Channel, Product, Repair, Unit

    with session_scope(engine) as session:
        session.add_all([Product(code="PA"), Product(code="PB")])
        session.flush()
        session.add(Unit(serial="S1", product="PB", ship_date=dt.date(2026, 1, 1), attributes={}))
        # the case names PA, the repaired unit is a PB: the case's first-time fix is PA's,
        # the repair's time is PB's
        session.add(Case(case_id="K1", received_at=dt.datetime(2026, 2, 1), channel=Channel.APP,
                         serial="S1", product="PA", description="x", attributes={}))  # fmt: skip
        session.add(Repair(repair_id="Q1", case_id="K1", serial="S1",
                           opened_at=dt.datetime(2026, 2, 2), closed_at=dt.datetime(2026, 2, 3),
                           resolved=True, parts=[], attributes={}))  # fmt: skip
    split = by_key(rows(engine, by=GroupBy.PRODUCT), "product")
    (only_a,) = rows(engine, product="PA")
    (only_b,) = rows(engine, product="PB")
    for key in ("cases", "ftfr", "mttr_hours", "repeat_rate"):
        assert only_a[key] == split["2026-02", "PA"][key], key
        assert only_b[key] == split["2026-02", "PB"][key], key
    assert (only_a["ftfr"], only_a["mttr_hours"]) == (1.0, None)
    assert (only_b["cases"], only_b["mttr_hours"]) == (0, 24.0)
