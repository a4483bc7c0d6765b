"""The time-in-service chart of an investigation as static SVG for HTML and PDF exports
(Matplotlib, text kept as text, Chinese fonts as the monthly report registers them)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from qloop.rca.time_in_service import TimeInService
from qloop.reports.static_charts import chart_style, figure_svg


def time_in_service_svg(tis: TimeInService, labels: dict[str, str]) -> str:
    """Cumulative failures per 1000 units by months in service: one line per value, the
    rest of the population dashed. ``labels``: others, x and y axis titles."""
    curves = tis.curves
    with plt.rc_context(chart_style()):
        figure, axes = plt.subplots(figsize=(6.4, 3.0))
        for curve in curves.values:
            axes.plot(curves.months, curve.cumulative_per_1000, marker="o", markersize=3,
                      label=f"{curve.value} ({curve.failures}/{curve.units})")  # fmt: skip
        others = curves.others
        axes.plot(curves.months, others.cumulative_per_1000, linestyle="--", color="#7b8794",
                  label=f"{labels['others']} ({others.failures}/{others.units})")  # fmt: skip
        axes.set_xlabel(labels["x"])
        axes.set_ylabel(labels["y"])
        axes.set_ylim(bottom=0)
        axes.legend(fontsize=7, frameon=False)
        return figure_svg(figure)
