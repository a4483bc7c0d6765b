"""A corrective action plan's 8D report as a workbook, in English or Chinese: the steps'
fields (one row each, empty ones too), actions, containment counts, the verification's
figures, suspects, the 5-Why chain, supplier claims and the audit trail, one sheet each."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from qloop.capa.report import COUNTS, Report8D, build_8d, filter_text, verification_rows
from qloop.reports.xlsx import append_header, append_row

#: column widths of the sheets whose columns hold long texts (the others are 16 wide)
WIDE = {"8D": (28, 36, 90)}
PERCENT, DAY, MINUTE = "0.00%", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


def render_8d_xlsx(session: Session, plan_id: int, lang: str) -> bytes:
    return render_report_xlsx(build_8d(session, plan_id, lang))


def render_report_xlsx(report: Report8D) -> bytes:
    _ = report.gettext()
    book = Workbook()
    sheet = book.active
    sheet.title = "8D"
    _steps_sheet(sheet, report)
    _actions_sheet(book.create_sheet(_("Actions")), report)
    _containment_sheet(book.create_sheet(_("Containment")), report)
    verification = book.create_sheet(_("Verification"))
    if report.verification is not None:
        for figure in verification_rows(report.verification, _, report.label()):
            raw = figure.value  # numbers as numbers; codes and texts as the report shows them
            shown = raw if raw is None or isinstance(raw, int | float) else figure.text
            append_row(verification, [figure.label, shown])
            verification.cell(verification.max_row, 2).number_format = figure.number_format
    else:
        append_row(verification, [_("Not verified yet.")])
    _suspects_sheet(book.create_sheet(_("Suspects")), report)
    _why_sheet(book.create_sheet(_("5-Why")), report)
    _claims_sheet(book.create_sheet(_("Claims")), report)
    _audit_sheet(book.create_sheet(_("Audit trail")), report)
    for sheet in book.worksheets:
        widths = WIDE.get(sheet.title, ())
        for column in range(1, sheet.max_column + 1):
            width = widths[column - 1] if column <= len(widths) else 16
            sheet.column_dimensions[get_column_letter(column)].width = width
    verification.column_dimensions["A"].width = 28
    verification.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _steps_sheet(sheet: Any, report: Report8D) -> None:
    """The header, then every field of every step (empty ones too), closure under D8."""
    _, label, view = report.gettext(), report.label(), report.view
    plan, inv = view.plan, view.investigation
    append_header(sheet, [_("Step"), _("Field"), _("Value")])
    head = _("8D report")
    status = label(f"plan_{plan.status.value}")
    for name, value in (
        (_("Plan"), f"#{plan.id} {plan.title}"),
        (_("Status"), f"{status} · {label(f'closure_{plan.closure.value}')}"
                      if plan.closure else status),
        (_("Investigation"), f"#{inv.id} {inv.title}"),
        (_("Product"), plan.product),
        (_("Failure mode"), plan.failure_mode),
        (_("Owner"), plan.owner),
        (_("Opened"), f"{plan.created_at:%Y-%m-%d}, {plan.created_by}"),
        (_("Change date"), plan.change_date),
        (_("generated"), report.generated),
    ):  # fmt: skip
        append_row(sheet, [head, name, value])
    for step in view.steps:
        title = f"{step.code} {step.title(report.chinese)}"
        for field in step.fields:
            append_row(sheet, [title, field.label(report.chinese),
                               view.value(step.code, field.key) or None])  # fmt: skip
        if step.code == "D4":
            for cause in view.confirmed_causes():
                append_row(sheet, [title, _("Confirmed causes"),
                                   f"[{label(cause.category.value)}] {cause.text}"])  # fmt: skip
        if step.code == "D8":
            closure = label(f"closure_{plan.closure.value}") if plan.closure else status
            append_row(sheet, [title, _("Closure"), closure])
            append_row(sheet, [title, _("Closed by"), plan.closed_by])
            append_row(sheet, [title, _("Closed on"), plan.closed_at])
            _formats(sheet, {3: MINUTE})
            append_row(sheet, [title, _("Reason"), plan.closure_reason])
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _actions_sheet(sheet: Any, report: Report8D) -> None:
    _, label, view = report.gettext(), report.label(), report.view
    append_header(sheet, ["#", "8D", _("Action"), _("Department"), _("Owner"), _("Due date"),
                          _("Status"), _("Effective date"), _("overdue"), _("Notes")])  # fmt: skip
    for a in view.actions:
        append_row(sheet, [a.id, a.step, a.title, label(a.department), a.owner, a.due_date,
                           label(f"action_{a.status.value}"), a.effective_date,
                           _("overdue") if a.id in view.overdue else None, a.notes])  # fmt: skip
        _formats(sheet, {6: DAY, 8: DAY})


def _containment_sheet(sheet: Any, report: Report8D) -> None:
    _ = report.gettext()
    found = report.containment
    names = [_("Units"), _("Shipped (field sweep)"), _("Not shipped (quarantine)"),
             _("With cases")]  # fmt: skip
    if found is None:
        append_row(sheet, [_("No containment list recorded.")])
        return
    append_row(sheet, [filter_text(found["filter"], _)])
    append_header(sheet, [_("Region"), *names])
    append_row(sheet, [_("All regions"), *(found[key] for key in COUNTS)])
    for region, counts in found["by_region"].items():
        append_row(sheet, [region or "—", *(counts[key] for key in COUNTS)])


def _suspects_sheet(sheet: Any, report: Report8D) -> None:
    _ = report.gettext()
    append_header(sheet, [_("Attribute"), _("Value"), _("Units"), _("Failures"), _("Rate"),
                          _("Rate without"), "RR", "p", "q"])  # fmt: skip
    for row in report.view.suspects:
        append_row(sheet, [row["attribute"], row["value"], row["units"], row["failures"],
                           row["rate"], row["baseline_rate"], row["relative_risk"],
                           row["p_value"], row["q_value"]])  # fmt: skip
        _formats(sheet, {5: PERCENT, 6: PERCENT, 7: "0.00"})


def _why_sheet(sheet: Any, report: Report8D) -> None:
    _ = report.gettext()
    append_header(sheet, ["#", _("Why?"), _("Because"), _("Evidence case"),
                          _("Evidence suspect"), _("Note"), _("File")])  # fmt: skip
    for step in report.view.why_steps:
        append_row(sheet, [step.position, step.why, step.because, step.evidence_case_id,
                           step.evidence_suspect, step.evidence_note,
                           step.evidence_file_name])  # fmt: skip


def _claims_sheet(sheet: Any, report: Report8D) -> None:
    _, label = report.gettext(), report.label()
    append_header(sheet, [_("Supplier"), _("Lot"), _("Affected units"), _("Failures"),
                          _("Cost per unit"), _("Total claimed"), _("Currency"), _("Status"),
                          _("Note")])  # fmt: skip
    for c in report.view.claims:
        append_row(sheet, [c.supplier, c.lot, c.affected_units, c.failures, c.cost_per_unit,
                           c.total_claimed, c.currency, label(f"claim_{c.status.value}"),
                           c.note])  # fmt: skip


def _audit_sheet(sheet: Any, report: Report8D) -> None:
    """Every change, oldest first (the PDF lists the last ones)."""
    _ = report.gettext()
    append_header(sheet, [_("When"), _("User"), _("Change"), "#", _("Field"), _("Before"),
                          _("After")])  # fmt: skip
    for e in report.view.audit:
        append_row(sheet, [e.changed_at, e.user_name, e.entity, e.entity_id, e.field,
                           e.old_value, e.new_value])  # fmt: skip
        _formats(sheet, {1: MINUTE})


def _formats(sheet: Any, formats: dict[int, str]) -> None:
    """Number formats for the cells of the last row, by column (1-based)."""
    for column, number_format in formats.items():
        sheet.cell(sheet.max_row, column).number_format = number_format
