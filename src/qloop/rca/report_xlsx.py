"""An investigation as a workbook: summary, suspects, time in service, 5-Why, fishbone and
FMEA, one sheet each, in English or Chinese (the same content as the HTML/PDF export)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from qloop.core import i18n
from qloop.rca.dossier import Dossier
from qloop.rca.fmea_fields import COLUMNS
from qloop.rca.report import chart_labels, locale_of
from qloop.reports.xlsx import append_header, append_row

AP_FILLS = {"H": "FFD8D6", "M": "FFF0C2", "L": "DFF5E1"}


def render_investigation_xlsx(dossier: Dossier, lang: str) -> bytes:
    locale = locale_of(lang)
    _ = i18n.gettext_for(locale)
    label = i18n.label_for(locale)
    inv = dossier.investigation
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")
    for name, value in (
        (_("Investigation"), f"#{inv.id} {inv.title}"),
        (_("Status"), label("investigation_" + inv.status.value)),
        (_("Owner"), inv.owner or ""),
        (_("Failure mode"), dossier.failure_mode or ""),
        (_("Product"), inv.product or _("every product with such cases")),
        (_("Cases"), dossier.case_count),
    ):
        append_row(summary, [name, value])
    if dossier.suspects is not None:
        sheet = book.create_sheet(_("Suspects"))
        append_header(sheet, [_("Attribute"), _("Value"), _("Units"), _("Failures"), _("Rate"),
                              _("Rate without"), "RR", "p", "q"])  # fmt: skip
        for row in dossier.suspects.as_json()["suspects"]:
            append_row(sheet, [row["attribute"], row["value"], row["units"], row["failures"],
                               row["rate"], row["baseline_rate"], row["relative_risk"],
                               row["p_value"], row["q_value"]])  # fmt: skip
    if dossier.time_in_service is not None:
        _time_in_service_sheet(book, dossier, locale)
    sheet = book.create_sheet(_("5-Why"))
    append_header(sheet, ["#", _("Why?"), _("Because"), _("Evidence case"),
                          _("Evidence suspect"), _("Note"), _("File")])  # fmt: skip
    for step in dossier.steps:
        append_row(sheet, [step.position, step.why, step.because, step.evidence_case_id,
                           step.evidence_suspect, step.evidence_note,
                           step.evidence_file_name])  # fmt: skip
    sheet = book.create_sheet(_("Fishbone"))
    append_header(sheet, [_("Category"), _("Cause"), _("State"), _("Note")])
    for cause in dossier.causes:
        append_row(sheet, [label(cause.category.value), cause.text, label(cause.state.value),
                           cause.note])  # fmt: skip
    _fmea_sheet(book, dossier, locale)
    for sheet in book.worksheets:
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 20
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _time_in_service_sheet(book: Any, dossier: Dossier, locale: str) -> None:
    tis = dossier.time_in_service
    assert tis is not None
    labels = chart_labels(locale)
    sheet = book.create_sheet(i18n.gettext_for(locale)("Time in service"))
    curves = [*tis.curves.values, tis.curves.others]
    names = [str(c.value) if c.value is not None else labels["others"] for c in curves]
    append_row(sheet, [tis.attribute, labels["y"]])
    append_header(sheet, [labels["x"], *names])
    for index, month in enumerate(tis.curves.months):
        values = [c.cumulative_per_1000[index] for c in curves]
        append_row(sheet, [int(month), *(None if v != v else float(v) for v in values)])


def _fmea_sheet(book: Any, dossier: Dossier, locale: str) -> None:
    chinese = locale == "zh_CN"
    sheet = book.create_sheet("FMEA")
    headers = [zh if chinese else en for _name, en, zh, _limit in COLUMNS]
    append_header(sheet, ["#", *headers, "RPN", "AP"])
    for line in dossier.fmea:
        values = line.row
        append_row(sheet, [values.position, *(getattr(values, name) for name, *_ in COLUMNS),
                           line.rpn, line.priority.value])  # fmt: skip
        cell = sheet.cell(row=sheet.max_row, column=sheet.max_column)
        cell.fill = PatternFill("solid", fgColor=AP_FILLS[line.priority.value])
