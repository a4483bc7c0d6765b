"""The monthly report as self-contained HTML (inline CSS and SVG charts) and as PDF.

The PDF is the same HTML laid out by WeasyPrint, so both always say the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qloop.core import i18n
from qloop.kpi.cli import format_value
from qloop.kpi.definitions import METRIC_BY_KEY, METRICS
from qloop.reports.content import MonthlyReport
from qloop.reports.static_charts import kpi_trend_svg, pareto_svg

_TEMPLATES = Path(__file__).parent / "templates"
#: the KPIs drawn as small trend charts
CHARTED = ("mttr_hours", "ftfr", "repeat_rate", "csat", "cases_per_1000")


def locale_of(lang: str) -> str:
    return "zh_CN" if lang.startswith("zh") else "en"


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _change(key: str, change: float | None, points: str) -> str:
    """The change against the previous month; shares change in percentage points."""
    if change is None:
        return "-"
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    if METRIC_BY_KEY[key].unit == "%":
        return f"{sign}{abs(change) * 100:.1f} {points}"
    return sign + format_value(key, abs(change) if isinstance(change, float) else abs(int(change)))


def render_html(report: MonthlyReport, lang: str) -> str:
    """The report as one HTML file that needs nothing else to display."""
    locale = locale_of(lang)
    chinese = locale == "zh_CN"
    gettext = i18n.gettext_for(locale)

    def name(code: str) -> str:
        return report.names.get(code, (code, code))[1 if chinese else 0]

    modes = report.failure_modes.assign(item=[name(c) for c in report.failure_modes["item"]])
    charts = [
        kpi_trend_svg(
            report.history,
            key,
            METRIC_BY_KEY[key].label("zh" if chinese else "en"),
            report.targets.get(key),
            METRIC_BY_KEY[key].unit == "%",
        )
        for key in CHARTED
    ]
    context: dict[str, Any] = {
        "report": report,
        "lang": "zh-CN" if chinese else "en",
        "chinese": chinese,
        "_": gettext,
        "label": i18n.label_for(locale),
        "show": format_value,
        "change": lambda key, value: _change(key, value, gettext("pp")),
        "name": name,
        "metrics": METRICS,
        "kpi_charts": charts,
        "pareto_chart": pareto_svg(modes, gettext("Cases")) if len(report.failure_modes) else "",
        "product_columns": ["cases", "mttr_hours", "ftfr", "repeat_rate", "csat", "cases_per_1000"],
        "metric": METRIC_BY_KEY,
    }
    return _environment().get_template("reports/monthly.html").render(context)


def render_pdf(report: MonthlyReport, lang: str) -> bytes:
    """The same report laid out for A4 by WeasyPrint (charts are SVG, text stays text)."""
    from weasyprint import HTML  # loaded only for PDFs: it is slow to import

    pdf: bytes = HTML(string=render_html(report, lang)).write_pdf()
    return pdf
