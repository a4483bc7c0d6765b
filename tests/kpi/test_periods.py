"""Period keys and bounds: ISO weeks across year ends, quarters, months; the binary search."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qloop.kpi.periods import (
    PeriodKind,
    assign_periods,
    next_period_start,
    parse_period_key,
    period_end,
    period_key,
    period_start,
    period_starts,
)

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31))
kinds = st.sampled_from(list(PeriodKind))


@given(days, kinds)
def test_a_day_lies_in_its_period_and_the_key_round_trips(day: dt.date, kind: PeriodKind) -> None:
    start = period_start(day, kind)
    assert start <= day <= period_end(start, kind)
    assert next_period_start(start, kind) == period_end(start, kind) + dt.timedelta(days=1)
    assert parse_period_key(period_key(start, kind), kind) == start


@given(days)
def test_week_keys_follow_iso_8601(day: dt.date) -> None:
    year, week, _ = day.isocalendar()
    assert period_key(period_start(day, PeriodKind.WEEK), PeriodKind.WEEK) == f"{year}-W{week:02d}"


def test_boundaries() -> None:
    assert period_key(period_start(dt.date(2024, 12, 30), PeriodKind.WEEK), PeriodKind.WEEK) == (
        "2025-W01"
    )
    assert period_key(period_start(dt.date(2027, 1, 3), PeriodKind.WEEK), PeriodKind.WEEK) == (
        "2026-W53"
    )
    assert period_key(dt.date(2026, 4, 1), PeriodKind.QUARTER) == "2026-Q2"
    assert period_end(dt.date(2026, 1, 1), PeriodKind.QUARTER) == dt.date(2026, 3, 31)
    assert period_end(dt.date(2024, 2, 1), PeriodKind.MONTH) == dt.date(2024, 2, 29)
    for bad, kind in (("2026-13", PeriodKind.MONTH), ("2026-W54", PeriodKind.WEEK),
                      ("2026-Q5", PeriodKind.QUARTER), ("26-05", PeriodKind.MONTH)):  # fmt: skip
        with pytest.raises(ValueError, match="is not a"):
            parse_period_key(bad, kind)


stamps_2025_2026 = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)
)


@given(st.lists(stamps_2025_2026, max_size=30), kinds)
def test_binary_search_agrees_with_the_definition(
    stamps: list[dt.datetime], kind: PeriodKind
) -> None:
    starts = period_starts(dt.date(2025, 3, 1), dt.date(2026, 6, 30), kind)
    stop = dt.date(2026, 7, 1)
    found = assign_periods(pd.Series(stamps, dtype="datetime64[ns]"), starts, stop)
    for stamp, index in zip(stamps, found, strict=True):
        inside = [i for i, s in enumerate(starts) if s <= stamp.date() <= period_end(s, kind)]
        expected = inside[0] if inside and stamp.date() < stop else -1
        assert index == expected
