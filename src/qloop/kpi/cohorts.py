"""The reliability engineer's cohort view and the Pareto, as pure arithmetic over frames.

Cohort: units grouped by production month; for each months-in-service value m (whole
months of 30.4375 days from ship date to the case), the cumulative cases with at most m
months in service per 1000 shipped units of the cohort. A point is shown only once every
unit of the cohort has been in service m + 1 whole months (its last ship date plus that
on or before the last day with data), so young cohorts do not look better than they are.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def cohort_curves(
    units: pd.DataFrame, cases: pd.DataFrame, *, as_of: dt.date, max_months: int = 24
) -> pd.DataFrame:
    """Long frame: ``cohort`` (YYYY-MM), ``months_in_service``, ``units``, ``cases``
    (cumulative), ``per_1000``.

    ``units``: cohort_month (first day of the production month), units (shipped units),
    last_ship (the latest ship date among them);
    ``cases``: cohort_month, ship_date, received_at — one row per case on a shipped unit.
    """
    rows: list[dict[str, object]] = []
    if units.empty:
        return pd.DataFrame(columns=["cohort", "months_in_service", "units", "cases", "per_1000"])
    sizes = units.groupby("cohort_month")["units"].sum()
    last_ship = pd.to_datetime(units.groupby("cohort_month")["last_ship"].max())
    months = np.floor(
        (pd.to_datetime(cases["received_at"]) - pd.to_datetime(cases["ship_date"])).dt.days
        / DAYS_PER_MONTH
    )
    cases = cases.assign(mis=months.clip(lower=0))
    for cohort, size in sizes.items():
        start = pd.Timestamp(cohort).date()
        mine = cases.loc[cases["cohort_month"] == cohort, "mis"].to_numpy()
        counts = np.bincount(mine.astype(np.int64), minlength=max_months + 1)[: max_months + 1]
        cumulative = np.cumsum(counts)
        youngest = (pd.Timestamp(as_of) - last_ship[cohort]).days / DAYS_PER_MONTH
        for m in range(max_months + 1):
            if m + 1 > youngest:  # not every unit of the cohort has been m + 1 months out
                break
            rows.append(
                {
                    "cohort": month_key(start),
                    "months_in_service": m,
                    "units": int(size),
                    "cases": int(cumulative[m]),
                    "per_1000": float(cumulative[m] / size * 1000.0) if size else np.nan,
                }
            )
    return pd.DataFrame(rows)


def pareto(counts: pd.Series) -> pd.DataFrame:
    """``item``, ``cases``, ``share``, ``cumulative_share``, largest first (ties by name)."""
    ordered = counts[counts > 0].sort_index().sort_values(ascending=False, kind="stable")
    total = ordered.sum()
    frame = pd.DataFrame({"item": ordered.index.astype(str), "cases": ordered.to_numpy()})
    frame["share"] = frame["cases"] / total if total else np.nan
    frame["cumulative_share"] = frame["share"].cumsum()
    return frame
