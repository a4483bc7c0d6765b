"""Static charts for the report (SVG from Matplotlib): the PDF cannot run Plotly's JavaScript.

Text stays text in the SVG (``svg.fonttype = none``), so the page's fonts draw it — with a
CJK font installed, Chinese labels render in the PDF and can be searched and copied.
"""

from __future__ import annotations

import io
import math
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

BLUE, RED, ORANGE = "#2680c2", "#b3261e", "#e07b00"
CJK_FAMILIES = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC",
                "Source Han Sans SC", "Droid Sans Fallback")  # fmt: skip
_CJK_FILES = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback")


@cache
def _cjk_fonts() -> list[str]:
    """CJK families Matplotlib can measure with; fonts installed after its font cache was
    built are registered here, so Chinese labels get their real width."""
    known = {font.name for font in font_manager.fontManager.ttflist}
    if not known.intersection(CJK_FAMILIES):
        for path in font_manager.findSystemFonts():
            if any(mark in Path(path).name.lower() for mark in _CJK_FILES):
                font_manager.fontManager.addfont(path)
        known = {font.name for font in font_manager.fontManager.ttflist}
    return [family for family in CJK_FAMILIES if family in known]


def chart_style() -> Any:
    return {
        "svg.fonttype": "none",
        "text.parse_math": False,  # a failure mode named "$5 part" is text, not TeX
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", *_cjk_fonts(), "sans-serif"],
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def figure_svg(figure: Any) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():  # a glyph no installed font has is drawn by the viewer's
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog: the SVG sits inside HTML


def kpi_trend_svg(
    history: pd.DataFrame, key: str, label: str, target: float | None, share: bool
) -> str:
    """One KPI over the last months, with its target as a dashed line."""
    with plt.rc_context(chart_style()):
        figure, axes = plt.subplots(figsize=(3.3, 1.9))
        values = [math.nan if v is None else v for v in history.get(key, [])]
        periods = list(history.get("period", []))
        axes.plot(periods, values, marker="o", markersize=3, color=BLUE, linewidth=1.5)
        if target is not None:
            axes.axhline(target, color=RED, linestyle="--", linewidth=1)
        axes.set_title(label, fontsize=9)
        axes.set_ylim(bottom=0)
        if share:
            axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.tick_params(axis="x", labelrotation=60, labelsize=6)
        axes.grid(axis="y", linewidth=0.3)
        return figure_svg(figure)


def pareto_svg(modes: pd.DataFrame, cases_label: str) -> str:
    """Top failure modes of the month as bars, with the cumulative share."""
    with plt.rc_context(chart_style()):
        figure, axes = plt.subplots(figsize=(7.0, 2.6))
        items = list(modes["item"]) if len(modes) else []
        axes.bar(items, list(modes["cases"]) if items else [], color=BLUE)
        axes.set_ylabel(cases_label)
        axes.tick_params(axis="x", labelrotation=35, labelsize=7)
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
        share = axes.twinx()
        share.plot(items, list(modes["cumulative_share"]) if items else [], color=ORANGE,
                   marker="o", markersize=3)  # fmt: skip
        share.set_ylim(0, 1.02)
        share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        share.spines["right"].set_visible(True)
        return figure_svg(figure)
