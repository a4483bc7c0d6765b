"""A corrective action plan's 8D report as a Word document (python-docx), in English or
Chinese: a heading per step with its fields, the containment counts, the causes, the 5-Why
chain as a numbered list, the suspects, actions, verification, FMEA, claims and the last
changes as tables.

The fishbone is not drawn here: a picture in a DOCX needs a raster image, and the SVG has no
renderer in qloop's dependencies. D4 lists the fishbone's causes by category instead, with
their state (the PDF draws it)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from sqlalchemy.orm import Session

from qloop.capa.report import (
    COUNTS,
    DASH,
    Report8D,
    build_8d,
    clip,
    count,
    dash,
    filter_text,
    num,
    pct,
    verification_rows,
)
from qloop.rca.fishbone_svg import CATEGORIES

#: characters XML 1.0 cannot hold (a document with one does not open)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CJK_FONT = "Microsoft YaHei"


def render_8d_docx(session: Session, plan_id: int, lang: str) -> bytes:
    return render_report_docx(build_8d(session, plan_id, lang))


def render_report_docx(report: Report8D) -> bytes:
    _, label, view = report.gettext(), report.label(), report.view
    plan, inv = view.plan, view.investigation
    document = _landscape_document(report.chinese)
    document.add_heading(_text(f"{_('8D report')} #{plan.id} · {plan.title}"), level=0)
    status = label(f"plan_{plan.status.value}")
    if plan.closure:
        status += f" · {label(f'closure_{plan.closure.value}')}"
    closed = f"{plan.closed_at:%Y-%m-%d}, {plan.closed_by}" if plan.closed_at else DASH
    _pairs(document, [
        (_("Status"), status), (_("Investigation"), f"#{inv.id} {inv.title}"),
        (_("Product"), dash(plan.product)), (_("Failure mode"), dash(plan.failure_mode)),
        (_("Owner"), dash(plan.owner)),
        (_("Opened"), f"{plan.created_at:%Y-%m-%d}, {plan.created_by}"),
        (_("Change date"), dash(plan.change_date)), (_("Closed"), closed),
        (_("generated"), report.generated),
    ])  # fmt: skip
    for step in view.steps:
        document.add_heading(_text(f"{step.code} {step.title(report.chinese)}"), level=1)
        for field in step.fields:
            _field(document, field.label(report.chinese), view.value(step.code, field.key))
        if step.code == "D3":
            _containment(document, report)
        elif step.code == "D4":
            _root_cause(document, report)
        elif step.code == "D5":
            _actions(document, report)
        elif step.code == "D6":
            _verification(document, report)
        elif step.code == "D7":
            _fmea(document, report)
        elif step.code == "D8":
            closure = label(f"closure_{plan.closure.value}") if plan.closure else status
            _field(document, _("Closure"), closure)
            _field(document, _("Closed by"), plan.closed_by)
            _field(document, _("Closed on"),
                   f"{plan.closed_at:%Y-%m-%d %H:%M}" if plan.closed_at else None)  # fmt: skip
            _field(document, _("Reason"), plan.closure_reason)
    document.add_heading(_("Supplier claims"), level=1)
    _table(document, [_("Supplier"), _("Lot"), _("Affected units"), _("Failures"),
                      _("Cost per unit"), _("Total claimed"), _("Status")],
           [[c.supplier, c.lot or "", count(c.affected_units), count(c.failures),
             f"{c.cost_per_unit:,.2f} {c.currency}", f"{c.total_claimed:,.2f} {c.currency}",
             label(f"claim_{c.status.value}")] for c in view.claims],
           _("No claim."))  # fmt: skip
    document.add_heading(_("Audit trail"), level=1)
    document.add_paragraph(f"{_('Changes recorded')}: {len(view.audit)}")
    _table(document, [_("When"), _("User"), _("Change"), _("Field"), _("Before"), _("After")],
           [[f"{e.changed_at:%Y-%m-%d %H:%M}", e.user_name, e.entity, e.field,
             clip(e.old_value), clip(e.new_value)] for e in report.last_changes()],
           DASH)  # fmt: skip
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _landscape_document(chinese: bool) -> DocxDocument:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    normal: Any = document.styles["Normal"]
    normal.font.size = Pt(9.5)
    if chinese:  # Chinese text in a font that has it; Latin text keeps the theme's
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), CJK_FONT)
    return document


def _text(value: Any) -> str:
    return _NOT_XML.sub("", str(value))


def _field(document: DocxDocument, name: str, value: Any) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(_text(name)).bold = True
    paragraph.add_run("\n" + _text(dash(value)))


def _pairs(document: DocxDocument, pairs: Sequence[tuple[str, str]]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for name, value in pairs:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(_text(name)).bold = True
        cells[1].text = _text(value)


def _table(
    document: DocxDocument, headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str
) -> None:
    if not rows:
        document.add_paragraph(_text(empty))
        return
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(_text(header)).bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = _text("" if value is None else value)


def _containment(document: DocxDocument, report: Report8D) -> None:
    _ = report.gettext()
    document.add_heading(_("Affected units"), level=2)
    found = report.containment
    if found is None:
        document.add_paragraph(_("No containment list recorded."))
        return
    document.add_paragraph(_text(filter_text(found["filter"], _)))
    names = [_("Units"), _("Shipped (field sweep)"), _("Not shipped (quarantine)"),
             _("With cases")]  # fmt: skip
    rows = [[_("All regions"), *(count(found[key]) for key in COUNTS)]]
    rows += [[region or DASH, *(count(counts[key]) for key in COUNTS)]
             for region, counts in found["by_region"].items()]  # fmt: skip
    _table(document, [_("Region"), *names], rows, DASH)


def _root_cause(document: DocxDocument, report: Report8D) -> None:
    _, label, view = report.gettext(), report.label(), report.view
    document.add_heading(_("Fishbone"), level=2)
    for category in CATEGORIES:
        causes = [c for c in view.causes if c.category.value == category]
        if not causes:
            continue
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(_text(label(category)) + ": ").bold = True
        for index, cause in enumerate(causes):
            run = paragraph.add_run(("; " if index else "") + _text(cause.text))
            run.bold = cause.state.value == "confirmed"
            run.font.strike = cause.state.value == "ruled_out"
            paragraph.add_run(f" ({_text(label(cause.state.value))})")
    if not view.causes:
        document.add_paragraph(_("none confirmed yet on the fishbone"))
    document.add_heading(_("5-Why"), level=2)
    for step in view.why_steps:
        paragraph = document.add_paragraph(style="List Number")
        paragraph.add_run(_("Why?") + " ").bold = True
        paragraph.add_run(_text(step.why) + "\n")
        paragraph.add_run(_("Because") + " ").bold = True
        paragraph.add_run(_text(step.because))
    if not view.why_steps:
        document.add_paragraph(_("No step yet."))
    document.add_heading(_("Suspects"), level=2)
    none = _("No suspect: the plan has no failure mode, or no unit attribute stands out.")
    _table(document, [_("Attribute"), _("Value"), _("Units"), _("Failures"), _("Rate"),
                      _("Rate without"), "RR", "p", "q"],
           [[s["attribute"], s["value"], count(s["units"]), count(s["failures"]),
             pct(s["rate"], "%.2f%%"), pct(s["baseline_rate"], "%.2f%%"),
             num(s["relative_risk"], "%.2f"), num(s["p_value"], "%.2g"),
             num(s["q_value"], "%.2g")] for s in view.suspects],
           none)  # fmt: skip


def _actions(document: DocxDocument, report: Report8D) -> None:
    _, label, view = report.gettext(), report.label(), report.view
    document.add_heading(_("Actions"), level=2)
    _table(document, ["#", "8D", _("Action"), _("Department"), _("Owner"), _("Due date"),
                      _("Status"), _("Effective date")],
           [[a.id, a.step, a.title, label(a.department), a.owner,
             f"{a.due_date} {_('overdue')}" if a.id in view.overdue else a.due_date,
             label(f"action_{a.status.value}"), dash(a.effective_date)] for a in view.actions],
           _("No action yet."))  # fmt: skip


def _verification(document: DocxDocument, report: Report8D) -> None:
    _ = report.gettext()
    document.add_heading(_("Effectiveness verification"), level=2)
    if report.verification is None:
        document.add_paragraph(_("Not verified yet."))
        return
    figures = verification_rows(report.verification, _, report.label())
    _pairs(document, [(figure.label, figure.text) for figure in figures])


def _fmea(document: DocxDocument, report: Report8D) -> None:
    _ = report.gettext()
    document.add_heading(_("FMEA"), level=2)
    _table(document, ["#", _("Item"), _("Failure mode"), _("Cause"), "S", "O", "D", "RPN", "AP",
                      _("Recommended action"), _("Owner"), _("Due date")],
           [[line.row.position, line.row.item, line.row.failure_mode, line.row.cause or "",
             line.row.severity, line.row.occurrence, line.row.detection, line.rpn,
             line.priority.value, line.row.recommended_action or "", line.row.owner or "",
             line.row.due_date or ""] for line in report.fmea],
           _("No FMEA row yet."))  # fmt: skip
