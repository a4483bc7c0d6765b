"""The KPI arithmetic: pure functions over frames the service loads from SQL.

Every definition is in :mod:`qloop.kpi.definitions`. Counts are 0 when nothing
happened; a mean or a share whose population is empty is NaN (null in answers),
never 0, so an idle month cannot pass for a perfect one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qloop.kpi.definitions import METRIC_KEYS
from qloop.kpi.periods import PeriodKind, assign_periods, period_end, period_key, period_starts

#: stands for "no group" inside frames (pandas groups drop None); None again in answers
NO_GROUP = "\x00"
_SECONDS_PER_HOUR = 3600.0
#: how many records each figure rests on (not KPIs; alerts weigh evidence with them)
COUNT_COLUMNS = ("repairs_closed", "ftfr_cases", "surveys_scored")


@dataclass(frozen=True)
class KpiInputs:
    """What the KPIs are computed from; the service fills ``group`` for the chosen split.

    - ``cases``: case_id, received_at, group
    - ``repairs``: repair_id, case_id, serial, opened_at, closed_at, resolved, counted,
      group (every repair, also those outside the range or the product: the repeat window
      and first-time fix look at a unit's and a case's other repairs; ``counted`` marks
      those MTTR and the repeat rate are about)
    - ``surveys``: answered_at, score (NaN when the survey has none), group
    - ``shipped``: group, ship_date, units (units shipped that day)
    """

    cases: pd.DataFrame
    repairs: pd.DataFrame
    surveys: pd.DataFrame
    shipped: pd.DataFrame


@dataclass(frozen=True)
class _Window:
    starts: list[dt.date]
    first: dt.date
    stop: dt.date

    def index(self, stamps: pd.Series) -> np.ndarray:
        """Period index of each stamp within [first, stop); -1 outside."""
        index = assign_periods(stamps, self.starts, self.stop)
        values = pd.to_datetime(stamps).to_numpy(dtype="datetime64[ns]")
        index[values < np.datetime64(self.first, "ns")] = -1
        return index


def repeat_flags(repairs: pd.DataFrame, repeat_days: int) -> np.ndarray:
    """Per repair: has its serial another repair opened in (closed_at, closed_at + window]?

    Open repairs are never flagged. An as-of join (the first repair of the same serial
    opened strictly after the closing) instead of a self-join, exact to the microsecond.
    """
    if repairs.empty:
        return np.zeros(0, dtype=bool)
    closed = pd.DataFrame(
        {
            "row": np.arange(len(repairs)),
            "serial": repairs["serial"].to_numpy(),
            "closed_at": pd.to_datetime(repairs["closed_at"]).to_numpy(),
        }
    )
    closed = closed[closed["closed_at"].notna()].sort_values("closed_at", kind="stable")
    opened = pd.DataFrame(
        {
            "serial": repairs["serial"].to_numpy(),
            "next_opened": pd.to_datetime(repairs["opened_at"]).to_numpy(),
        }
    ).sort_values("next_opened", kind="stable")
    following = pd.merge_asof(
        closed,
        opened,
        left_on="closed_at",
        right_on="next_opened",
        by="serial",
        direction="forward",
        allow_exact_matches=False,
    )
    window = pd.Timedelta(days=repeat_days)
    hit = following["next_opened"].notna() & (
        following["next_opened"] <= following["closed_at"] + window
    )
    flags = np.zeros(len(repairs), dtype=bool)
    flags[following["row"].to_numpy()[hit.to_numpy()]] = True
    return flags


def case_repair_outcomes(repairs: pd.DataFrame) -> pd.DataFrame:
    """Per case id: ``repairs`` (how many) and ``last_resolved`` (its last repair by opened_at)."""
    linked = repairs[repairs["case_id"].notna()]
    if linked.empty:
        return pd.DataFrame(
            {"repairs": [], "last_resolved": []}, index=pd.Index([], name="case_id")
        )
    ordered = linked.sort_values(["case_id", "opened_at", "repair_id"], kind="stable")
    # the last row as it is: groupby's last() would skip an empty ``resolved``
    last = ordered.drop_duplicates("case_id", keep="last").set_index("case_id")
    resolved = last["resolved"].map(lambda value: value is True or value == 1)
    return pd.DataFrame({"repairs": ordered.groupby("case_id").size(), "last_resolved": resolved})


def compute_kpis(
    data: KpiInputs,
    *,
    kind: PeriodKind,
    first: dt.date,
    last: dt.date,
    repeat_days: int,
    fleet_denominator: bool,
) -> pd.DataFrame:
    """One row per period and group with every KPI, sorted by period then group.

    Columns: ``period``, ``group`` (None when not split), :data:`METRIC_KEYS`, then the
    sample sizes (:data:`COUNT_COLUMNS`) and ``mttr_sd`` (standard deviation of repair hours).
    ``fleet_denominator``: units in service are the whole fleet for every group (a unit
    belongs to no channel or category).
    """
    starts = period_starts(first, last, kind)
    window = _Window(starts, first, last + dt.timedelta(days=1))
    parts: dict[str, pd.Series] = {}

    cases = data.cases.assign(p=window.index(data.cases["received_at"]))
    cases = cases[cases["p"] >= 0]
    parts["cases"] = cases.groupby(["p", "group"]).size()

    repairs = data.repairs.assign(repeat=repeat_flags(data.repairs, repeat_days))
    closed = repairs[repairs["closed_at"].notna() & repairs.get("counted", True)]
    closed = closed.assign(p=window.index(closed["closed_at"]))
    closed = closed[closed["p"] >= 0]
    hours = (closed["closed_at"] - closed["opened_at"]).dt.total_seconds() / _SECONDS_PER_HOUR
    closed = closed.assign(hours=hours)
    parts["mttr_hours"] = closed.groupby(["p", "group"])["hours"].mean()
    parts["mttr_sd"] = closed.groupby(["p", "group"])["hours"].std()
    parts["repairs_closed"] = closed.groupby(["p", "group"]).size()
    parts["repeat_rate"] = closed.groupby(["p", "group"])["repeat"].mean()

    outcomes = case_repair_outcomes(data.repairs)
    fixed = cases.join(outcomes, on="case_id", how="inner")
    fixed = fixed[
        fixed["last_resolved"].astype(bool)
    ]  # an empty object column would select columns
    parts["ftfr"] = (fixed["repairs"] == 1).groupby([fixed["p"], fixed["group"]]).mean()
    parts["ftfr_cases"] = fixed.groupby(["p", "group"]).size()

    surveys = data.surveys[data.surveys["score"].notna()]
    surveys = surveys.assign(p=window.index(surveys["answered_at"]))
    surveys = surveys[surveys["p"] >= 0]
    parts["csat"] = (surveys["score"] >= 4).groupby([surveys["p"], surveys["group"]]).mean()
    parts["csat_mean"] = surveys.groupby(["p", "group"])["score"].mean()
    parts["surveys_scored"] = surveys.groupby(["p", "group"]).size()

    groups = _groups(parts, data.shipped, first, fleet_denominator)
    grid = pd.MultiIndex.from_product([range(len(starts)), groups], names=["p", "group"])
    table = pd.DataFrame(index=grid)
    for key, series in parts.items():
        table[key] = series.astype(float).reindex(grid)
    for count in ("cases", *COUNT_COLUMNS):
        table[count] = table[count].fillna(0).astype(np.int64)
    ends = [period_end(start, kind) for start in starts]
    table["units_in_service"] = _in_service(data.shipped, ends, groups, fleet_denominator)
    in_service = table["units_in_service"].where(table["units_in_service"] > 0)
    table["cases_per_1000"] = table["cases"] / in_service * 1000.0
    table = table.reset_index()
    table.insert(0, "period", [period_key(starts[p], kind) for p in table["p"]])
    table["group"] = table["group"].map(lambda g: None if g == NO_GROUP else g)
    return table[["period", "group", *METRIC_KEYS, *COUNT_COLUMNS, "mttr_sd"]]


def _groups(
    parts: dict[str, pd.Series], shipped: pd.DataFrame, first: dt.date, fleet: bool
) -> list[str]:
    """Every group with data in the range, and (when units have the group) every unit group."""
    seen: set[str] = set()
    for series in parts.values():
        seen.update(series.index.get_level_values("group"))
    if not fleet:
        seen.update(shipped["group"].unique())
    if not seen:
        seen.add(NO_GROUP)
    return sorted(seen, key=lambda g: (g == NO_GROUP, g))


def units_shipped_by(shipped: pd.DataFrame, ends: list[dt.date]) -> np.ndarray:
    """Units shipped on or before each day of ``ends`` (``shipped``: ship_date, units)."""
    end_days = np.array([np.datetime64(end, "D") for end in ends], dtype="datetime64[D]")
    ordered = shipped.sort_values("ship_date")
    days = pd.to_datetime(ordered["ship_date"]).to_numpy(dtype="datetime64[D]")
    totals = np.concatenate([[0], np.cumsum(ordered["units"].to_numpy(dtype=np.int64))])
    found: np.ndarray = totals[np.searchsorted(days, end_days, side="right")]
    return found


def _in_service(
    shipped: pd.DataFrame, ends: list[dt.date], groups: list[str], fleet: bool
) -> np.ndarray:
    """Units shipped on or before each period's end, in (period, group) grid order."""
    columns = []
    if fleet:
        whole = units_shipped_by(shipped, ends)
        columns = [whole for _ in groups]
    else:
        by_group = dict(list(shipped.groupby("group")))
        empty = np.zeros(len(ends), dtype=np.int64)
        columns = [units_shipped_by(by_group[g], ends) if g in by_group else empty for g in groups]
    return np.column_stack(columns).reshape(-1) if columns else np.zeros(0, dtype=np.int64)
