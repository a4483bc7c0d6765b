"""What an alert rule finds, and how it is worded in both languages."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from qloop.alerts.models import AlertKind
from qloop.kpi.definitions import METRIC_BY_KEY
from qloop.kpi.periods import PeriodKind

_UNIT_WORDS = {
    PeriodKind.MONTH: ("months", "个月"),
    PeriodKind.WEEK: ("weeks", "周"),
    PeriodKind.QUARTER: ("quarters", "个季度"),
}


@dataclass(frozen=True)
class Finding:
    """One alert as a rule raises it; ``anchor`` with kind, metric and scope identifies it."""

    kind: AlertKind
    metric: str
    scope: dict[str, str]
    periods: list[str]
    values: list[float]
    anchor: str
    period_end: dt.date
    message_en: str
    message_zh: str
    evidence: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        scope = ",".join(f"{k}={v}" for k, v in sorted(self.scope.items()))
        return f"{self.kind}|{self.metric}|{scope}|{self.anchor}"


def scope_label(scope: dict[str, str], chinese: bool) -> str:
    """``WM7``, ``Region east`` / ``地区 east``, or ``Overall`` / ``整体``."""
    if "product" in scope:
        return scope["product"]
    if "region" in scope:
        return f"地区 {scope['region']}" if chinese else f"Region {scope['region']}"
    return "整体" if chinese else "Overall"


def format_figure(metric: str, value: float) -> str:
    """A KPI value the way the messages show it: shares in %, hours and rates with decimals."""
    if math.isnan(value):
        return "-"
    definition = METRIC_BY_KEY.get(metric)
    if definition is not None and definition.unit == "%":
        return f"{value * 100:.1f}%"
    if metric == "cases_per_1000":
        return f"{value:.2f}"
    return f"{value:.1f}"


def trend_messages(
    metric: str, scope: dict[str, str], kind: PeriodKind, values: list[float]
) -> tuple[str, str]:
    definition = METRIC_BY_KEY[metric]
    rose = definition.better == "lower"
    steps = len(values) - 1
    chain = " → ".join(format_figure(metric, v) for v in values)
    unit = f" {definition.unit}" if definition.unit not in ("", "%") else ""
    words_en, words_zh = _UNIT_WORDS[kind]
    english = (
        f"{scope_label(scope, False)} {definition.label_en} {'rose' if rose else 'fell'} "
        f"{steps} {words_en} in a row: {chain}{unit}"
    )
    chinese = (
        f"{scope_label(scope, True)} {definition.label_zh}连续 {steps} {words_zh}"
        f"{'上升' if rose else '下降'}：{chain}{unit}"
    )
    return english, chinese


def target_messages(
    metric: str, scope: dict[str, str], period: str, value: float, target: float
) -> tuple[str, str]:
    definition = METRIC_BY_KEY[metric]
    sign_en, sign_zh = (">=", "≥") if definition.better == "higher" else ("<=", "≤")
    unit = f" {definition.unit}" if definition.unit not in ("", "%") else ""
    shown, goal = format_figure(metric, value), format_figure(metric, target)
    english = (
        f"{scope_label(scope, False)} {definition.label_en} {shown}{unit} in {period} "
        f"misses its target ({sign_en} {goal}{unit})"
    )
    chinese = (
        f"{scope_label(scope, True)} {period} {definition.label_zh} {shown}{unit}，"
        f"未达目标（{sign_zh} {goal}{unit}）"
    )
    return english, chinese


def emerging_messages(
    scope: dict[str, str],
    week: str,
    cases: int,
    *,
    per_1000: float | None,
    limit: float | None,
    baseline: float | None,
    history_weeks: int,
) -> tuple[str, str]:
    """Wording for a failure mode above its control limit, or new at volume (limit None)."""
    who = " ".join(v for v in (scope.get("product"), scope.get("failure_mode")) if v)
    if limit is None:
        return (
            f"{who}: a new failure mode, {cases} cases in {week} and none in the "
            f"{history_weeks} weeks before",
            f"{who}：新出现的失效模式，{week} 有 {cases} 例，此前 {history_weeks} 周为 0",
        )
    if per_1000 is not None and baseline is not None:
        rate_en = f" ({per_1000:.3f} per 1000 units)"
        rate_zh = f"（每千台 {per_1000:.3f}）"
        base_en = f"baseline {baseline:.3f} per 1000 units a week"
        base_zh = f"基线每周每千台 {baseline:.3f}"
    else:
        rate_en = rate_zh = ""
        base_en = f"baseline {baseline or 0:.2f} a week"
        base_zh = f"基线每周 {baseline or 0:.2f} 例"
    return (
        f"{who}: {cases} cases in {week}{rate_en}, above the control limit of "
        f"{limit:g} ({base_en})",
        f"{who}：{week} 有 {cases} 例{rate_zh}，超过控制上限 {limit:g}（{base_zh}）",
    )
