"""Reporting periods: calendar month, ISO week and quarter, with their keys and bounds.

Keys sort as text in time order: ``2026-05``, ``2026-W18`` (ISO 8601 week-numbering
year, so 2024-12-30 is ``2025-W01``), ``2026-Q2``.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and pandas load with the first computation, not with the CLI
    import numpy as np
    import pandas as pd


class PeriodKind(StrEnum):
    """How time is cut into reporting periods."""

    MONTH = "month"
    WEEK = "week"
    QUARTER = "quarter"


_KEY_PATTERNS = {
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
}


def period_start(day: dt.date, kind: PeriodKind) -> dt.date:
    """First day of the period holding ``day``."""
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    if kind is PeriodKind.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day - dt.timedelta(days=day.weekday())


def next_period_start(start: dt.date, kind: PeriodKind) -> dt.date:
    """First day of the period after the one starting on ``start``."""
    if kind is PeriodKind.WEEK:
        return start + dt.timedelta(days=7)
    months = 1 if kind is PeriodKind.MONTH else 3
    month_index = start.year * 12 + start.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


def period_end(start: dt.date, kind: PeriodKind) -> dt.date:
    """Last day of the period starting on ``start``."""
    return next_period_start(start, kind) - dt.timedelta(days=1)


def period_key(start: dt.date, kind: PeriodKind) -> str:
    """The period's label: ``2026-05``, ``2026-W18`` or ``2026-Q2``."""
    if kind is PeriodKind.MONTH:
        return f"{start.year:04d}-{start.month:02d}"
    if kind is PeriodKind.QUARTER:
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    iso_year, iso_week, _ = start.isocalendar()
    return f"{iso_year:04d}-W{iso_week:02d}"


def parse_period_key(key: str, kind: PeriodKind) -> dt.date:
    """The first day of the period a key names; ``ValueError`` names the expected form."""
    match = _KEY_PATTERNS[kind].match(key.strip())
    examples = {PeriodKind.MONTH: "2026-05", PeriodKind.WEEK: "2026-W18"}
    if match is None:
        raise ValueError(f"{key!r} is not a {kind} (e.g. {examples.get(kind, '2026-Q2')})")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        if kind is PeriodKind.MONTH:
            return dt.date(year, number, 1)
        if kind is PeriodKind.QUARTER:
            return dt.date(year, 3 * number - 2, 1)
        return dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(
            f"{key!r} is not a {kind} (e.g. {examples.get(kind, '2026-Q2')})"
        ) from None


def period_starts(first: dt.date, last: dt.date, kind: PeriodKind) -> list[dt.date]:
    """Start days of every period from the one holding ``first`` to the one holding ``last``."""
    starts: list[dt.date] = []
    start = period_start(first, kind)
    while start <= last:
        starts.append(start)
        start = next_period_start(start, kind)
    return starts


def assign_periods(stamps: pd.Series, starts: list[dt.date], stop: dt.date) -> np.ndarray:
    """Index into ``starts`` of the period holding each timestamp; -1 outside them all.

    ``stop`` is the first day after the last period (or after the reporting range).

    Vectorised with a binary search over the period bounds, so a million stamps cost
    milliseconds; NaT falls outside.
    """
    import numpy as np
    import pandas as pd

    if not starts:
        return np.full(len(stamps), -1, dtype=np.int64)
    bounds = np.array([np.datetime64(s, "ns") for s in starts], dtype="datetime64[ns]")
    values = pd.to_datetime(stamps).to_numpy(dtype="datetime64[ns]")
    index = np.searchsorted(bounds, values, side="right") - 1
    index[np.isnat(values) | (values >= np.datetime64(stop, "ns"))] = -1
    result: np.ndarray = index.astype(np.int64)
    return result
