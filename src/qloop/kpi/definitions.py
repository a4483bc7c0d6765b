"""The KPIs qloop computes: names, units, which direction is better, and their exact definitions.

The definitions are written once here and shown in the README, the API schema and the
pages, so the number on a report always means what its label says.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Better(StrEnum):
    """Which way a KPI improves; ``NONE`` for volumes that are neither good nor bad."""

    HIGHER = "higher"
    LOWER = "lower"
    NONE = "none"


@dataclass(frozen=True)
class Metric:
    """One KPI: its key in answers, its labels and definition in both languages."""

    key: str
    better: Better
    unit: str
    label_en: str
    label_zh: str
    definition_en: str
    definition_zh: str

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en

    def definition(self, locale: str) -> str:
        return self.definition_zh if locale.startswith("zh") else self.definition_en

    def worse(self, new: float, old: float) -> bool:
        """Whether ``new`` is strictly worse than ``old``."""
        if self.better is Better.HIGHER:
            return new < old
        if self.better is Better.LOWER:
            return new > old
        return False

    def meets(self, value: float, target: float) -> bool:
        """Whether a value meets its target (a floor for higher-is-better KPIs, else a ceiling)."""
        return value >= target if self.better is Better.HIGHER else value <= target


METRICS: tuple[Metric, ...] = (
    Metric(
        "cases",
        Better.LOWER,
        "",
        "Cases",
        "案例数",
        "Cases received in the period.",
        "本期收到的案例数。",
    ),
    Metric(
        "mttr_hours",
        Better.LOWER,
        "h",
        "MTTR",
        "平均修复时间",
        "Mean of (closed_at - opened_at) in hours over repairs closed in the period.",
        "本期关闭的维修单的（关闭时间 - 开单时间）平均值，单位小时。",
    ),
    Metric(
        "ftfr",
        Better.HIGHER,
        "%",
        "First-time-fix rate",
        "一次修复率",
        "Of the cases received in the period that have at least one repair and whose last "
        "repair (by opened_at) is resolved, the share with exactly one repair.",
        "本期收到、至少有一次维修且最后一次维修（按开单时间）已解决的案例中，只维修过一次的比例。",
    ),
    Metric(
        "repeat_rate",
        Better.LOWER,
        "%",
        "Repeat-repair rate",
        "重复维修率",
        "Of the repairs closed in the period, the share whose unit (serial) has another "
        "repair opened within the repeat window (default 30 days) after the closing.",
        "本期关闭的维修单中，同一台机器（序列号）在关闭后的重复窗口"
        "（默认 30 天）内又开了维修单的比例。",
    ),
    Metric(
        "csat",
        Better.HIGHER,
        "%",
        "CSAT (top-2-box)",
        "满意度（4-5 分占比）",
        "Of the surveys answered in the period with a score, the share scoring 4 or 5.",
        "本期有评分的回访中，评分为 4 或 5 的比例。",
    ),
    Metric(
        "csat_mean",
        Better.HIGHER,
        "",
        "Mean satisfaction score",
        "平均满意度评分",
        "Mean score (1-5) of the surveys answered in the period with a score.",
        "本期有评分的回访的平均评分（1-5）。",
    ),
    Metric(
        "units_in_service",
        Better.NONE,
        "",
        "Units in service",
        "在用台数",
        "Units shipped on or before the period's last day.",
        "在本期最后一天或之前发货的台数。",
    ),
    Metric(
        "cases_per_1000",
        Better.LOWER,
        "",
        "Cases per 1000 units",
        "千台案例数",
        "cases / units_in_service x 1000.",
        "案例数 / 在用台数 x 1000。",
    ),
)

METRIC_BY_KEY: dict[str, Metric] = {metric.key: metric for metric in METRICS}
METRIC_KEYS: tuple[str, ...] = tuple(METRIC_BY_KEY)


class GroupBy(StrEnum):
    """What the KPIs can be split by."""

    PRODUCT = "product"
    REGION = "region"
    CHANNEL = "channel"
    CATEGORY = "category"


#: groups a unit belongs to; for the others, units in service is the whole fleet
UNIT_GROUPS = frozenset({GroupBy.PRODUCT, GroupBy.REGION})
