"""The 8D report of a corrective action plan: PDF (read back with pypdf), XLSX (openpyxl)
and DOCX (python-docx), in English and Chinese, from the CLI and as page downloads."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import pytest
from docx.text.paragraph import Paragraph
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.capa import actions, claims, plans
from qloop.capa.report import render_8d_html, render_8d_pdf
from qloop.capa.report_cli import ReportFormat, format_of
from qloop.capa.report_docx import render_8d_docx
from qloop.capa.report_xlsx import render_8d_xlsx
from qloop.capa.steps import STEPS
from qloop.cli import app
from qloop.core.db import session_scope
from qloop.intake.models import Case, Channel, Product, Unit
from qloop.rca import fishbone, five_why
from qloop.rca.investigations import CaseFilter, create_investigation

WHAT = 'Seal <b>torn</b> & "leaking"'
CAUSE = "Seal supplier lot A"
CAUSE_ZH = "密封圈批次不良"
BECAUSE = "the rubber was too hard"
ACTION = "Switch to the second seal supplier"
CONTAINMENT = {
    "filter": {"product": "P1", "conditions": [{"attribute": "lot", "value": "A"}],
               "built_from": None, "built_to": None, "as_of": "2026-06-01",
               "failure_mode": "leak"},
    "units": 1234, "shipped": 1000, "not_shipped": 234, "with_cases": 56,
    "by_region": {"east": {"units": 1200, "shipped": 980, "not_shipped": 220, "with_cases": 50},
                  "": {"units": 34, "shipped": 20, "not_shipped": 14, "with_cases": 6}},
}  # fmt: skip
VERIFICATION = {
    "before": {"units": 5000, "failures": 50, "rate": 0.01},
    "after": {"units": 4000, "failures": 12, "rate": 0.003},
    "rate_ratio": 0.3, "reduction": 0.7, "ci_low": 0.155, "ci_high": 0.561, "p_value": 0.00012,
    "verdict": "effective", "confidence": 0.95, "window_days": 90, "cohort": "production",
    "as_of": "2026-06-01", "change_date": "2026-03-01", "message": "fewer leaks after it",
}  # fmt: skip


@pytest.fixture
def plan_id(engine: Engine) -> int:
    """A closed plan with every part filled: 20 units of P1 (lot A leaks), an investigation
    with a confirmed and a suspected cause and a 5-Why, fields, containment, verification,
    two actions (one overdue), a claim."""
    with session_scope(engine) as s:
        s.add(Product(code="P1"))
        s.flush()
        for n in range(20):
            s.add(Unit(serial=f"S{n}", product="P1", region="east",
                       attributes={"lot": "A" if n < 5 else "B"}))  # fmt: skip
        for k, n in enumerate([0, 1, 2, 3, 9]):
            s.add(Case(case_id=f"C{k}", received_at=dt.datetime(2026, 5, 1 + k),
                       channel=Channel.HOTLINE, serial=f"S{n}", failure_mode="leak",
                       description="leaks", attributes={}))  # fmt: skip
        engineer = accounts.create_user(s, name="li.wei", password="correct horse",
                                        role=Role.ENGINEER)  # fmt: skip
        accounts.create_user(s, name="zhang.min", password="correct horse", role=Role.OWNER)
        inv = create_investigation(
            s,
            title="P1 seal leaks",
            user_name="li.wei",
            case_filter=CaseFilter(product="P1", failure_mode="leak"),
        )
        cause = fishbone.add_cause(s, investigation_id=inv.id, category="material", text=CAUSE,
                                   user_name="li.wei")  # fmt: skip
        fishbone.update_cause(s, investigation_id=inv.id, cause_id=cause.id,
                              changes={"state": "confirmed"}, user_name="li.wei")  # fmt: skip
        fishbone.add_cause(s, investigation_id=inv.id, category="method", text=CAUSE_ZH,
                           user_name="li.wei", state="confirmed")  # fmt: skip
        fishbone.add_cause(s, investigation_id=inv.id, category="machine", text="Press worn",
                           user_name="li.wei")  # fmt: skip
        five_why.add_step(s, investigation_id=inv.id, why="Why does it leak?",
                          because=BECAUSE, user_name="li.wei")  # fmt: skip
        plan = plans.create_plan(s, investigation_id=inv.id, title="Seal fix", user_name="li.wei")
        plans.set_step_field(s, plan_id=plan.id, step="D2", field="what", value=WHAT,
                             user_name="li.wei")  # fmt: skip
        plans.set_step_field(
            s,
            plan_id=plan.id,
            step="D1",
            field="members",
            value="李伟 — 研发\nZhang Min — purchasing",
            user_name="li.wei",
        )
        plans.record_containment(s, plan_id=plan.id, summary=CONTAINMENT, user_name="li.wei")
        plans.record_verification(s, plan_id=plan.id, result=VERIFICATION, user_name="li.wei")
        actions.add_action(s, plan_id=plan.id, user=engineer,
                           values={"title": ACTION, "department": "purchasing",
                                   "owner": "zhang.min", "due_date": "2026-01-10"})  # fmt: skip
        actions.add_action(
            s,
            plan_id=plan.id,
            user=engineer,
            values={
                "title": "Audit the press",
                "department": "manufacturing",
                "owner": "li.wei",
                "due_date": "2199-01-01",
                "step": "D7",
            },
        )
        claims.create_claim(s, plan_id=plan.id, user=engineer,
                            values={"supplier": "Acme Seals", "lot": "A", "affected_units": 1234,
                                    "failures": 56, "cost_per_unit": 12.5})  # fmt: skip
        plans.close_plan(s, plan_id=plan.id, user=engineer, closure="effective",
                         reason="verified on 90 days")  # fmt: skip
        return plan.id


def style(paragraph: Paragraph) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_pdf_holds_every_part_in_english_and_chinese(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        english = pdf_text(render_8d_pdf(session, plan_id, "en"))
        chinese = pdf_text(render_8d_pdf(session, plan_id, "zh"))
    for step in STEPS:
        assert f"{step.code} {step.title_en}" in english, step.code
        assert f"{step.code} {step.title_zh}" in chinese, step.code
    for text in (english, chinese):
        assert BECAUSE in text and CAUSE in text and CAUSE_ZH in text and ACTION in text
        assert WHAT in text  # user text that looks like HTML shows as it was typed
        assert "1,234" in text and "1,000" in text and "234" in text and "56" in text
        assert "0.300 [0.155, 0.561]" in text and "1.000%" in text and "0.300%" in text
        assert "P1 · lot = A" in text and "Acme Seals" in text and "15,425.00 CNY" in text
        assert "lot A 5 4" in text  # the suspects table: lot A, 5 units, 4 failed
    assert "Effective" in english and "Purchasing / supplier quality" in english
    assert "overdue" in english and "Seal fix" in english and "verified on 90 days" in english
    assert "有效" in chinese and "率比" in chinese and "逾期" in chinese and "采购" in chinese
    assert "李伟 — 研发" in chinese


def test_html_is_self_contained_and_escapes_user_text(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        html = render_8d_html(session, plan_id, "en")
    assert "Seal &lt;b&gt;torn&lt;/b&gt; &amp; &#34;leaking&#34;" in html
    assert "<b>torn" not in html
    for outside in ("<script", "<link", 'src="http', "url(http"):
        assert outside not in html
    assert "<svg" in html and "—" in html  # the fishbone inline; empty fields as a dash
    assert re.search(r'class="overdue"><td>\d+</td><td>D5</td><td>' + ACTION, html)


def test_xlsx_has_every_sheet_and_the_figures(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        book = load_workbook(io.BytesIO(render_8d_xlsx(session, plan_id, "en")))
        chinese = load_workbook(io.BytesIO(render_8d_xlsx(session, plan_id, "zh")))
    assert book.sheetnames == ["8D", "Actions", "Containment", "Verification", "Suspects",
                               "5-Why", "Claims", "Audit trail"]  # fmt: skip
    assert chinese.sheetnames[:4] == ["8D", "措施", "遏制", "验证"]
    steps = list(book["8D"].iter_rows(min_row=2, values_only=True))
    fields = sum(len(step.fields) for step in STEPS)
    assert len([row for row in steps if str(row[0])[:2] in {s.code for s in STEPS}]) >= fields
    assert ("D2 Problem description (5W2H)", "What", WHAT) in steps
    assert ("D2 Problem description (5W2H)", "How", None) in steps  # empty fields too
    assert ("D4 Root cause", "Confirmed causes", f"[Material] {CAUSE}") in steps
    assert ("D8 Closure and recognition", "Closure", "Effective") in steps
    rows = list(book["Actions"].iter_rows(min_row=2, values_only=True))
    overdue = next(row for row in rows if row[2] == ACTION)
    assert overdue[1:5] == ("D5", ACTION, "Purchasing / supplier quality", "zhang.min")
    assert overdue[6] == "Not started" and overdue[8] == "overdue"
    containment = list(book["Containment"].iter_rows(values_only=True))
    assert ("All regions", 1234, 1000, 234, 56) in containment
    assert ("east", 1200, 980, 220, 50) in containment and ("—", 34, 20, 14, 6) in containment
    figures = dict(book["Verification"].iter_rows(values_only=True))
    assert figures["Verdict"] == "Effective" and figures["Rate ratio"] == 0.3
    assert figures["Before · Units"] == 5000 and figures["After · Rate"] == 0.003
    assert figures["CI low (95%)"] == 0.155 and figures["p"] == 0.00012
    assert figures["Cohort"] == "production date" and figures["Days in service"] == 90
    suspects = list(book["Suspects"].iter_rows(min_row=2, values_only=True))
    assert suspects[0][:4] == ("lot", "A", 5, 4)
    assert list(book["5-Why"].iter_rows(min_row=2, values_only=True))[0][:3] == (
        1, "Why does it leak?", BECAUSE)  # fmt: skip
    claim = list(book["Claims"].iter_rows(min_row=2, values_only=True))[0]
    assert claim[:6] == ("Acme Seals", "A", 1234, 56, 12.5, 15425.0)
    audit = list(book["Audit trail"].iter_rows(min_row=2, values_only=True))
    assert audit[0][4] == "created" and audit[-1][4] == "closed"


def test_docx_has_headings_tables_and_the_5_why_list(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        document = docx.Document(io.BytesIO(render_8d_docx(session, plan_id, "en")))
        chinese = docx.Document(io.BytesIO(render_8d_docx(session, plan_id, "zh")))
    headings = [p.text for p in document.paragraphs if style(p).startswith("Heading")]
    for step in STEPS:
        assert f"{step.code} {step.title_en}" in headings
    assert {"Actions", "Suspects", "5-Why", "Supplier claims", "Audit trail"} <= set(headings)
    numbered = [p.text for p in document.paragraphs if style(p) == "List Number"]
    assert numbered == [f"Why? Why does it leak?\nBecause {BECAUSE}"]
    bullets = [p.text for p in document.paragraphs if style(p) == "List Bullet"]
    assert f"Material: {CAUSE} (Confirmed)" in bullets
    assert any(WHAT in p.text for p in document.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    action_table = next(t for t in tables if t[0][:3] == ["#", "8D", "Action"])
    row = next(r for r in action_table if r[2] == ACTION)
    assert row[1] == "D5" and row[3] == "Purchasing / supplier quality"
    assert row[5] == "2026-01-10 overdue" and row[6] == "Not started"
    assert ["All regions", "1,234", "1,000", "234", "56"] in next(
        t for t in tables if t[0][0] == "Region")  # fmt: skip
    assert ["Rate ratio", "0.300"] in next(t for t in tables if t[0][0] == "Verdict")
    chinese_headings = [p.text for p in chinese.paragraphs if style(p).startswith("Heading")]
    assert "D4 根本原因" in chinese_headings and "供应商索赔" in chinese_headings


def test_cli_writes_each_format(db_url: str, plan_id: int, tmp_path: Path) -> None:
    runner = CliRunner()
    for name, magic in (("r.pdf", b"%PDF"), ("r.xlsx", b"PK"), ("r.docx", b"PK")):
        out = tmp_path / name
        result = runner.invoke(app, ["--db", db_url, "report-8d", str(plan_id), "--out",
                                     str(out), "--lang", "zh"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic) and f"wrote {out}" in result.output
    assert "8D" in load_workbook(tmp_path / "r.xlsx").sheetnames
    out = tmp_path / "report.bin"
    result = runner.invoke(app, ["--db", db_url, "report-8d", str(plan_id), "--out", str(out),
                                 "--format", "docx"])  # fmt: skip
    assert result.exit_code == 0 and docx.Document(str(out)).paragraphs[0].text.startswith("8D")
    missing = runner.invoke(app, ["--db", db_url, "report-8d", "999", "--out", str(out)])
    assert missing.exit_code == 2 and "no corrective action plan 999" in missing.output
    assert format_of(Path("a.XLSX")) is ReportFormat.xlsx
    assert format_of(Path("a.html")) is ReportFormat.pdf


def test_downloads_for_a_signed_in_user(client: TestClient, engine: Engine, plan_id: int) -> None:
    url = f"/plans/{plan_id}/report"
    anonymous = client.get(f"{url}.xlsx", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 307, 401)
    assert "/login" in anonymous.headers.get("location", "/login")
    with session_scope(engine) as session:
        accounts.create_user(session, name="viewer", password="correct horse", role=Role.VIEWER)
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "viewer", "password": "correct horse", "csrf": token})
    pdf = client.get(f"{url}.pdf?lang=zh")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f"attachment; filename*=UTF-8''8d-{plan_id}.pdf"
    assert "D3 临时遏制措施" in pdf_text(pdf.content)
    book = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").content))
    assert book.sheetnames[1] == "Actions"
    document = client.get(f"{url}.docx?lang=en")
    assert document.status_code == 200 and "wordprocessingml" in document.headers["content-type"]
    assert client.get(f"{url}.pdf?lang=fr").status_code == 422
    assert client.get("/plans/999/report.xlsx").status_code == 404


def test_an_empty_plan_and_a_partial_verification(engine: Engine) -> None:
    """Nothing filled in: every field a dash, every part says it is empty; a verification
    recorded with few figures shows dashes for the rest."""
    with session_scope(engine) as s:
        inv = create_investigation(s, title="Nothing yet", user_name="li.wei")
        plan = plans.create_plan(s, investigation_id=inv.id, title=None, user_name="li.wei")
        empty = pdf_text(render_8d_pdf(s, plan.id, "en"))
        book = load_workbook(io.BytesIO(render_8d_xlsx(s, plan.id, "zh")))
        document = docx.Document(io.BytesIO(render_8d_docx(s, plan.id, "en")))
        plans.record_verification(s, plan_id=plan.id, result={"verdict": "not_yet_significant",
                                  "before": {"units": 10}}, user_name="li.wei")  # fmt: skip
        partial = render_8d_html(s, plan.id, "en")
    for text in (
        "No containment list recorded.",
        "No step yet.",
        "No action yet.",
        "Not verified yet.",
        "No FMEA row yet.",
        "No claim.",
        "Nothing yet",
    ):
        assert text in empty, text
    assert ("D2 问题描述（5W2H）", "什么问题", None) in book["8D"].iter_rows(values_only=True)
    assert list(book["验证"].iter_rows(values_only=True)) == [("尚未验证。",)]
    assert "Not verified yet." in [p.text for p in document.paragraphs]
    assert "Not yet significant" in partial and "— [—, —]" in partial
