"""The monthly report as a workbook: one sheet per table, native Excel charts."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from qloop.core import i18n
from qloop.kpi.definitions import METRIC_BY_KEY, METRICS
from qloop.reports.content import MonthlyReport
from qloop.reports.render import CHARTED, locale_of

HEADER_FILL = PatternFill("solid", fgColor="EEF3F8")
PERCENT = "0.0%"


def cell_value(value: Any) -> Any:
    """A value as a worksheet can hold it: text without the characters XLSX forbids."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def keep_as_text(cell: Any) -> None:
    """Text that looks like a formula (a product called ``=HYPERLINK(...)``) stays text."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"


def put_cell(cell: Any, value: Any) -> None:
    """Write a value into a cell: cleaned, and never run as a formula."""
    cell.value = cell_value(value)
    keep_as_text(cell)


def append_row(sheet: Any, values: list[Any]) -> None:
    """A row of the report, each value as :func:`put_cell` writes it."""
    sheet.append([cell_value(v) for v in values])
    for cell in sheet[sheet.max_row]:
        keep_as_text(cell)


def append_header(sheet: Any, values: list[str]) -> None:
    append_row(sheet, values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL


def _formats(sheet: Any, keys: list[str | None], first_row: int) -> None:
    """Shares as percentages, other figures with one decimal; wide enough to read."""
    for column, key in enumerate(keys, start=1):
        metric = METRIC_BY_KEY.get(key or "")
        if metric is None:
            continue
        number = (
            PERCENT
            if metric.unit == "%"
            else ("0" if key in ("cases", "units_in_service") else "0.0")
        )
        for row in sheet.iter_rows(min_row=first_row, min_col=column, max_col=column):
            row[0].number_format = number
    for column in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 18


def render_xlsx(report: MonthlyReport, lang: str) -> bytes:
    """Sheets: KPIs, Trend (12 months, line charts), Failure modes (bar chart), Products,
    Alerts, Definitions."""
    locale = locale_of(lang)
    zh = locale == "zh_CN"
    _ = i18n.gettext_for(locale)
    label = i18n.label_for(locale)
    book = Workbook()
    kpis = book.active
    kpis.title = _("KPIs")
    append_row(kpis, [f"{_('Monthly quality report')} {report.period}"])
    kpis["A1"].font = Font(bold=True, size=14)
    append_header(kpis, [_("KPI"), report.period, report.previous_period, _("Target"), _("Status")])
    for line in report.kpis:
        status = "" if line.met is None else (_("met") if line.met else _("missed"))
        append_row(kpis, [line.metric.label("zh" if zh else "en"), line.value, line.previous,
                     line.target, status])  # fmt: skip
        unit = line.metric.unit
        for cell in kpis[kpis.max_row][1:4]:
            cell.number_format = PERCENT if unit == "%" else "0.0"
    kpis.column_dimensions["A"].width = 30
    for column in "BCDE":
        kpis.column_dimensions[column].width = 14

    trend = book.create_sheet(_("Trend"))
    keys = list(CHARTED)
    append_header(
        trend, [_("Period"), *(METRIC_BY_KEY[k].label("zh" if zh else "en") for k in keys)]
    )
    for row in report.history.to_dict(orient="records"):
        append_row(trend, [row["period"], *(row.get(k) for k in keys)])
    _formats(trend, [None, *keys], 2)
    rows = trend.max_row
    for index, key in enumerate(keys):
        chart = LineChart()
        chart.title = METRIC_BY_KEY[key].label("zh" if zh else "en")
        chart.height, chart.width = 6.5, 12
        chart.legend = None
        data = Reference(trend, min_col=index + 2, min_row=1, max_row=rows)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(trend, min_col=1, min_row=2, max_row=rows))
        anchor_row = 2 + (index // 2) * 14
        trend.add_chart(chart, f"{'H' if index % 2 == 0 else 'P'}{anchor_row}")

    modes = book.create_sheet(_("Failure modes"))
    append_header(modes, [_("Failure mode"), _("Cases"), _("Share"), _("Cumulative share"),
                    report.previous_period])  # fmt: skip
    for row in report.failure_modes.itertuples():
        name = report.names.get(row.item, (row.item, row.item))[1 if zh else 0]
        append_row(modes, [name, int(row.cases), float(row.share), float(row.cumulative_share),
                      int(row.previous)])  # fmt: skip
        modes.cell(modes.max_row, 3).number_format = PERCENT
        modes.cell(modes.max_row, 4).number_format = PERCENT
    modes.column_dimensions["A"].width = 26
    if modes.max_row > 1:
        bars = BarChart()
        bars.title = _("Top failure modes")
        bars.legend = None
        bars.height, bars.width = 8, 16
        bars.add_data(Reference(modes, min_col=2, min_row=1, max_row=modes.max_row),
                      titles_from_data=True)  # fmt: skip
        bars.set_categories(Reference(modes, min_col=1, min_row=2, max_row=modes.max_row))
        modes.add_chart(bars, "G2")

    products = book.create_sheet(_("By product"))
    columns = ["cases", "mttr_hours", "ftfr", "repeat_rate", "csat", "cases_per_1000"]
    names = [METRIC_BY_KEY[k].label("zh" if zh else "en") for k in columns]
    append_header(products, [label("product"), *names])
    for item in report.by_product:
        append_row(products, [item["product"], *(item[k] for k in columns)])
    _formats(products, [None, *columns], 2)

    alerts = book.create_sheet(_("Alerts"))
    append_header(alerts, [_("Kind"), _("Period"), _("Alert"), _("Acknowledged")])
    for alert in report.alerts:
        append_row(alerts, [label("alert_" + alert.kind), alert.periods[-1],
                       alert.message_zh if zh else alert.message_en,
                       alert.acknowledged_by or ""])  # fmt: skip
    alerts.column_dimensions["C"].width = 100

    if report.investigations:
        opened = book.create_sheet(_("Open investigations"))
        append_header(opened, ["#", _("Title"), _("Status"), _("Owner"), _("Cases")])
        for number, title, status, owner, cases in report.investigations:
            append_row(
                opened, [number, title, label("investigation_" + status), owner or "", cases]
            )
        opened.column_dimensions["B"].width = 60

    definitions = book.create_sheet(_("Definitions"))
    append_header(definitions, [_("KPI"), _("Definitions")])
    for metric in METRICS:
        append_row(
            definitions,
            [metric.label("zh" if zh else "en"), metric.definition("zh" if zh else "en")],
        )
    definitions.column_dimensions["A"].width = 26
    definitions.column_dimensions["B"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
