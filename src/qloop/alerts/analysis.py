"""The alert rules, pure over KPI frames (see :func:`qloop.kpi.analysis.compute_kpis`).

- Trend: a KPI worse for N consecutive periods (default 3). Optionally (settings) each
  period must rest on at least ``min_count`` records and the last figure must be
  significantly worse than the first of the run (one-sided: Welch's t-test for MTTR,
  Fisher's exact test for shares, the Poisson means test of Gu et al. (2008) for cases
  per 1000 units): the textbook rule alone fires by chance on one series in 24 for every
  window of four periods, and the test keeps it to runs that are real. The p-value is
  kept with every trend either way.
- Target: a period's KPI worse than the target in force (product's own, else global).
- Emerging: a failure mode's weekly cases above the upper control limit from its own
  history (Poisson, the exact form of a u-chart: the smallest count whose upper tail is
  below ``alpha`` given the baseline rate and this week's units in service); a mode with
  no history raises an alert from ``new_cases`` cases in a week.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qloop.alerts.findings import (
    Finding,
    emerging_messages,
    target_messages,
    trend_messages,
)
from qloop.alerts.models import AlertKind
from qloop.kpi.definitions import METRIC_BY_KEY
from qloop.kpi.periods import PeriodKind

#: KPIs watched for trends (cases alone grow with the fleet: cases per 1000 is watched)
TREND_METRICS = ("mttr_hours", "ftfr", "repeat_rate", "csat", "cases_per_1000")
#: the records each KPI rests on
EVIDENCE = {
    "cases": "cases",
    "mttr_hours": "repairs_closed",
    "repeat_rate": "repairs_closed",
    "ftfr": "ftfr_cases",
    "csat": "surveys_scored",
    "csat_mean": "surveys_scored",
    "cases_per_1000": "cases",
}
#: a failure mode with history raises no emerging alert below this many cases in a week
MIN_EMERGING_CASES = 3


@dataclass(frozen=True)
class TrendRule:
    """Defaults: the textbook rule (any worsening counts); raise ``min_count`` and lower
    ``significance`` to keep small samples and noise out."""

    periods: int = 3
    min_count: int = 1
    significance: float = 1.0


def worse_p_value(metric: str, first: pd.Series, last: pd.Series) -> float:
    """One-sided p-value that ``last`` is worse than ``first`` (rows of a KPI frame)."""
    from scipy import stats  # a second of start-up that only alert checks need

    better = METRIC_BY_KEY[metric].better
    if metric == "mttr_hours":
        if np.isnan(first["mttr_sd"]) or np.isnan(last["mttr_sd"]):
            return 1.0
        result = stats.ttest_ind_from_stats(
            last["mttr_hours"], last["mttr_sd"], last["repairs_closed"],
            first["mttr_hours"], first["mttr_sd"], first["repairs_closed"],
            equal_var=False, alternative="greater",
        )  # fmt: skip
        return float(result.pvalue) if not math.isnan(result.pvalue) else 1.0
    if metric == "cases_per_1000":
        if first["units_in_service"] <= 0 or last["units_in_service"] <= 0:
            return 1.0
        result = stats.poisson_means_test(
            int(last["cases"]), int(last["units_in_service"]),
            int(first["cases"]), int(first["units_in_service"]),
            alternative="greater",
        )  # fmt: skip
        return float(result.pvalue)
    size = EVIDENCE[metric]
    hits_last = round(last[metric] * last[size])
    hits_first = round(first[metric] * first[size])
    table = [
        [hits_last, last[size] - hits_last],
        [hits_first, first[size] - hits_first],
    ]
    alternative = "greater" if better == "lower" else "less"
    return float(stats.fisher_exact(table, alternative=alternative).pvalue)


def trend_findings(
    frame: pd.DataFrame,
    *,
    scope_key: str | None,
    kind: PeriodKind,
    period_ends: dict[str, dt.date],
    rule: TrendRule,
    since: dt.date,
) -> list[Finding]:
    """Runs of ``rule.periods`` or more worsening periods ending on or after ``since``."""
    found: list[Finding] = []
    for group, series in frame.groupby("group", dropna=False, sort=False):
        scope = {} if scope_key is None or _empty(group) else {scope_key: str(group)}
        if scope_key is not None and _empty(group):
            continue
        series = series.sort_values("period").reset_index(drop=True)
        for metric in TREND_METRICS:
            found.extend(_runs(series, metric, scope, kind, period_ends, rule, since))
    return found


def _runs(
    series: pd.DataFrame,
    metric: str,
    scope: dict[str, str],
    kind: PeriodKind,
    period_ends: dict[str, dt.date],
    rule: TrendRule,
    since: dt.date,
) -> list[Finding]:
    definition = METRIC_BY_KEY[metric]
    valid = series[metric].notna() & (series[EVIDENCE[metric]] >= rule.min_count)
    found: list[Finding] = []
    start = 0
    for index in range(1, len(series) + 1):
        extends = (
            index < len(series)
            and valid[index]
            and valid[index - 1]
            and definition.worse(series[metric][index], series[metric][index - 1])
        )
        if extends:
            continue
        last = index - 1
        if last - start >= rule.periods:
            run = series.iloc[start : last + 1]
            end = period_ends[run["period"].iloc[-1]]
            p_value = worse_p_value(metric, run.iloc[0], run.iloc[-1])
            significant = rule.significance >= 1 or p_value < rule.significance
            if end >= since and significant:
                values = [float(v) for v in run[metric]]
                english, chinese = trend_messages(metric, scope, kind, values)
                found.append(
                    Finding(
                        AlertKind.TREND,
                        metric,
                        scope,
                        list(run["period"]),
                        values,
                        anchor=str(run["period"].iloc[0]),
                        period_end=end,
                        message_en=english,
                        message_zh=chinese,
                        evidence={"p_value": p_value},
                    )  # fmt: skip
                )
        start = index
    return found


def target_findings(
    frame: pd.DataFrame,
    *,
    scope_key: str | None,
    target_of: Callable[[str, str | None], float | None],
    period_ends: dict[str, dt.date],
    min_count: int,
    since: dt.date,
) -> list[Finding]:
    """Every period on or after ``since`` whose KPI misses the target in force."""
    found: list[Finding] = []
    for row in frame.itertuples(index=False):
        if scope_key is not None and _empty(row.group):
            continue
        end = period_ends[row.period]
        if end < since:
            continue
        product = str(row.group) if scope_key == "product" else None
        scope = {} if scope_key is None else {scope_key: str(row.group)}
        for metric, size in EVIDENCE.items():
            value, target = getattr(row, metric), target_of(metric, product)
            if target is None or pd.isna(value) or getattr(row, size) < min_count:
                continue
            if METRIC_BY_KEY[metric].meets(float(value), target):
                continue
            english, chinese = target_messages(metric, scope, row.period, float(value), target)
            found.append(
                Finding(
                    AlertKind.TARGET,
                    metric,
                    scope,
                    [row.period],
                    [float(value)],
                    anchor=row.period,
                    period_end=end,
                    message_en=english,
                    message_zh=chinese,
                    evidence={"target": target},
                )  # fmt: skip
            )
    return found


def _empty(group: object) -> bool:
    return group is None or (isinstance(group, float) and math.isnan(group))


@dataclass(frozen=True)
class EmergingRule:
    alpha: float = 0.00135
    history_weeks: int = 26
    new_cases: int = 5
    min_history_weeks: int = 8


def emerging_findings(
    counts: np.ndarray,
    exposure: np.ndarray | None,
    *,
    weeks: list[str],
    week_ends: list[dt.date],
    scope: dict[str, str],
    rule: EmergingRule,
    since: dt.date,
) -> list[Finding]:
    """Weeks where one failure mode's cases (of one product) break out of their history.

    ``counts[w]``: cases in week ``w``; ``exposure[w]``: units in service that week (None or
    zero: not known, so counts are compared as they are, a c-chart).
    """
    from scipy import stats

    found: list[Finding] = []
    for week in range(rule.min_history_weeks, len(weeks)):
        cases = int(counts[week])
        if week_ends[week] < since or cases < min(MIN_EMERGING_CASES, rule.new_cases):
            continue
        low = max(0, week - rule.history_weeks)
        history = counts[low:week]
        size = len(history)
        if history.sum() == 0:
            if cases >= rule.new_cases:
                english, chinese = emerging_messages(
                    scope, weeks[week], cases, per_1000=None, limit=None, baseline=None,
                    history_weeks=size,
                )  # fmt: skip
                found.append(_emerging(scope, weeks[week], week_ends[week], cases, english,
                                       chinese, {"history_cases": 0.0}))  # fmt: skip
            continue
        if cases < MIN_EMERGING_CASES:
            continue
        known = exposure is not None and bool(np.all(exposure[low : week + 1] > 0))
        if known:
            assert exposure is not None
            thousands = exposure[low:week] / 1000.0
            baseline = float(history.sum() / thousands.sum())
            expected = baseline * exposure[week] / 1000.0
        else:
            baseline = float(history.mean())
            expected = baseline
        limit = float(stats.poisson.isf(rule.alpha, expected))
        if cases <= limit:
            continue
        per_1000 = cases / (exposure[week] / 1000.0) if known and exposure is not None else None
        english, chinese = emerging_messages(
            scope, weeks[week], cases, per_1000=per_1000, limit=limit, baseline=baseline,
            history_weeks=size,
        )  # fmt: skip
        found.append(
            _emerging(
                scope,
                weeks[week],
                week_ends[week],
                cases,
                english,
                chinese,
                {"limit": limit, "baseline": baseline},
            )  # fmt: skip
        )
    return found


def _emerging(
    scope: dict[str, str],
    week: str,
    end: dt.date,
    cases: int,
    english: str,
    chinese: str,
    evidence: dict[str, float],
) -> Finding:
    return Finding(
        AlertKind.EMERGING, "cases", scope, [week], [float(cases)], anchor=week,
        period_end=end, message_en=english, message_zh=chinese, evidence=evidence,
    )  # fmt: skip
