"""The pandas baseline of ``benchmarks/kpi.py``: monthly KPIs by product, the obvious way.

Reads the four tables whole (every row, the columns the KPIs need) with ``pd.read_sql``
and computes the KPIs of ``qloop.kpi.definitions`` in plain, vectorised pandas: merges,
group-bys and a self-merge for repeat repairs. Written apart from ``qloop.kpi.analysis``
on purpose, so the two can check each other.

Group rules (by product): a case's product is its own, else its unit's (by serial); a
repair's is its unit's, else its case's ``product`` column; a survey takes its case's.
Records with no product form the group ``None``.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd

KPI_COLUMNS = (
    "cases",
    "mttr_hours",
    "ftfr",
    "repeat_rate",
    "csat",
    "csat_mean",
    "units_in_service",
    "cases_per_1000",
)
#: the group of records without a product while computing (pandas groups drop None)
NONE = "<no product>"
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def read_tables(database: Path) -> dict[str, pd.DataFrame]:
    """The units, cases, repairs and surveys tables, dates parsed."""
    queries = {
        "units": ("SELECT serial, product, ship_date FROM units", {"ship_date": "%Y-%m-%d"}),
        "cases": (
            "SELECT case_id, received_at, serial, product FROM cases",
            {"received_at": STAMP},
        ),
        "repairs": (
            "SELECT repair_id, case_id, serial, opened_at, closed_at, resolved FROM repairs",
            {"opened_at": STAMP, "closed_at": STAMP},
        ),
        "surveys": ("SELECT case_id, answered_at, score FROM surveys", {"answered_at": STAMP}),
    }
    with closing(sqlite3.connect(database)) as connection:
        return {
            name: pd.read_sql(
                sql, connection, parse_dates={c: {"format": f} for c, f in dates.items()}
            )
            for name, (sql, dates) in queries.items()
        }


def monthly_kpis_by_product(tables: dict[str, pd.DataFrame], repeat_days: int = 30) -> pd.DataFrame:
    """One row per month (of the data's span) and product: ``period``, ``product``, KPIs."""
    units, cases, repairs, surveys = (
        tables[name] for name in ("units", "cases", "repairs", "surveys")
    )
    unit_product = units.set_index("serial")["product"]
    case_product = cases.set_index("case_id")["product"]
    cases = cases.assign(
        group=cases["product"].fillna(cases["serial"].map(unit_product)).fillna(NONE),
        month=cases["received_at"].dt.to_period("M"),
    )
    repairs = repairs.assign(
        group=repairs["serial"].map(unit_product).fillna(repairs["case_id"].map(case_product))
    ).fillna({"group": NONE})
    surveys = surveys.assign(
        group=surveys["case_id"].map(cases.set_index("case_id")["group"]).fillna(NONE),
        month=surveys["answered_at"].dt.to_period("M"),
    )
    stamps = pd.concat([cases["received_at"], repairs["closed_at"], surveys["answered_at"]])
    months = pd.period_range(stamps.min(), stamps.max(), freq="M")

    closed = repairs[repairs["closed_at"].notna()]
    closed = closed.assign(
        month=closed["closed_at"].dt.to_period("M"),
        hours=(closed["closed_at"] - closed["opened_at"]).dt.total_seconds() / 3600,
        repeat=closed["repair_id"].isin(_repeated(closed, repairs, repeat_days)),
    )
    fixed = cases.merge(_case_outcomes(repairs), on="case_id")
    fixed = fixed[fixed["last_resolved"]]
    scored = surveys[surveys["score"].notna()]
    shipped = units[units["ship_date"].notna()]

    by = ["month", "group"]
    parts = {
        "cases": cases.groupby(by).size(),
        "mttr_hours": closed.groupby(by)["hours"].mean(),
        "repeat_rate": closed.groupby(by)["repeat"].mean(),
        "ftfr": (fixed["repairs"] == 1).groupby([fixed["month"], fixed["group"]]).mean(),
        "csat": (scored["score"] >= 4).groupby([scored["month"], scored["group"]]).mean(),
        "csat_mean": scored.groupby(by)["score"].mean(),
    }
    groups = set(shipped["product"])
    for frame in (cases, closed, fixed, scored):
        groups.update(frame["group"])
    grid = pd.MultiIndex.from_product([months, sorted(groups)], names=by)
    table = pd.DataFrame({key: series.reindex(grid) for key, series in parts.items()})
    table["cases"] = table["cases"].fillna(0).astype(np.int64)
    in_service = _units_in_service(shipped, months).reindex(grid, fill_value=0)
    table["units_in_service"] = in_service.astype(np.int64)
    table["cases_per_1000"] = table["cases"] / in_service.where(in_service > 0) * 1000
    table = table.reset_index()
    table.insert(0, "period", table.pop("month").astype(str))
    table.insert(1, "product", table.pop("group").map(lambda g: None if g == NONE else g))
    return table[["period", "product", *KPI_COLUMNS]]


def _repeated(closed: pd.DataFrame, repairs: pd.DataFrame, repeat_days: int) -> pd.Series:
    """Ids of closed repairs whose serial has a repair opened in (closed, closed + window]."""
    pairs = closed[["repair_id", "serial", "closed_at"]].merge(
        repairs[["serial", "opened_at"]], on="serial"
    )
    window_end = pairs["closed_at"] + pd.Timedelta(days=repeat_days)
    later = (pairs["opened_at"] > pairs["closed_at"]) & (pairs["opened_at"] <= window_end)
    return pairs.loc[later, "repair_id"]


def _case_outcomes(repairs: pd.DataFrame) -> pd.DataFrame:
    """Per case id: ``repairs`` (count) and ``last_resolved`` (its last repair is resolved)."""
    linked = repairs[repairs["case_id"].notna()].sort_values(["case_id", "opened_at", "repair_id"])
    last = linked.drop_duplicates("case_id", keep="last")  # the row itself: NaN is not skipped
    return pd.DataFrame(
        {
            "case_id": last["case_id"].to_numpy(),
            "last_resolved": (last["resolved"] == 1).to_numpy(),
            "repairs": linked.groupby("case_id").size().reindex(last["case_id"]).to_numpy(),
        }
    )


def _units_in_service(shipped: pd.DataFrame, months: pd.PeriodIndex) -> pd.Series:
    """Per (month, product): units shipped on or before the month's last day."""
    per_month = (
        shipped.groupby([shipped["product"], shipped["ship_date"].dt.to_period("M")])
        .size()
        .unstack(fill_value=0)
    )
    every_month = pd.period_range(min(per_month.columns.min(), months[0]), months[-1], freq="M")
    running = per_month.reindex(columns=every_month, fill_value=0).cumsum(axis=1)[months]
    return running.stack().swaplevel().rename_axis(["month", "group"])
