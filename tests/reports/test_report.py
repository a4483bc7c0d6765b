"""The monthly report in HTML, PDF and XLSX, both languages: the files open and hold the figures."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core.db import session_scope
from qloop.core.settings import Settings
from qloop.reports.content import build_report
from qloop.reports.render import render_html, render_pdf
from qloop.reports.xlsx import render_xlsx
from tests.kpi import scenario


@pytest.fixture
def history(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        scenario.build(session)
    return engine


def report_for(engine: Engine, period: str = "2026-02"):  # type: ignore[no-untyped-def]
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        return build_report(session, Settings(database_url=url), period=period)


def test_content_compares_with_the_previous_month_and_targets(history: Engine) -> None:
    report = report_for(history)
    lines = {line.metric.key: line for line in report.kpis}
    # February against January (tests/kpi/scenario.py): MTTR 102 h vs 30 h, target 24 h
    assert (lines["cases"].value, lines["cases"].previous) == (1, 2)
    assert (lines["mttr_hours"].value, lines["mttr_hours"].previous) == (102.0, 30.0)
    assert lines["mttr_hours"].change == 72.0
    assert lines["mttr_hours"].met is False
    assert lines["ftfr"].value is None and lines["ftfr"].met is None  # null, not 0
    assert lines["csat"].value == 1.0 and lines["csat"].met is True
    assert report.previous_period == "2026-01"
    assert [row["product"] for row in report.by_product] == ["P1", "P2"]
    assert list(report.history["period"]) == ["2026-01", "2026-02"]


def test_html_is_self_contained_in_both_languages(history: Engine) -> None:
    report = report_for(history)
    english = render_html(report, "en")
    assert "Monthly quality report · 2026-02" in english
    assert "102.0" in english and "≤ 24.0" in english and "+72.0" in english
    assert "<svg" in english  # the charts are inline
    for outside in ("<link", "<script", 'src="http', "url(http"):
        assert outside not in english
    chinese = render_html(report, "zh")
    assert "月度质量报告 · 2026-02" in chinese and "平均修复时间" in chinese
    assert "未达标" in chinese


def test_pdf_text_holds_the_figures(history: Engine) -> None:
    report = report_for(history)
    for lang, title, mttr in (
        ("en", "Monthly quality report", "MTTR"),
        ("zh", "月度质量报告", "平均修复时间"),
    ):
        reader = PdfReader(io.BytesIO(render_pdf(report, lang)))
        text = "".join(page.extract_text() for page in reader.pages)
        assert title in text, lang
        assert mttr in text and "102.0" in text and "30.0" in text


def test_xlsx_has_one_sheet_per_table_and_native_charts(history: Engine) -> None:
    report = report_for(history)
    book = load_workbook(io.BytesIO(render_xlsx(report, "en")))
    assert book.sheetnames == [
        "KPIs",
        "Trend",
        "Failure modes",
        "By product",
        "Alerts",
        "Definitions",
    ]
    kpis = {row[0]: row[1:] for row in book["KPIs"].iter_rows(min_row=3, values_only=True)}
    assert kpis["MTTR"] == (102.0, 30.0, 24.0, "missed")
    assert kpis["First-time-fix rate"][:2] == (None, 0.5)
    assert len(book["Trend"]._charts) == 5
    assert len(book["Failure modes"]._charts) == 1
    chinese = load_workbook(io.BytesIO(render_xlsx(report, "zh")))
    assert chinese.sheetnames[0] == "指标"


def test_open_investigations_are_in_the_report(history: Engine) -> None:
    from qloop.rca.investigations import CaseFilter, create_investigation

    with session_scope(history) as session:
        create_investigation(session, title="MTTR of P2 repairs", user_name="li", owner="wang",
                             case_filter=CaseFilter(product="P2"))  # fmt: skip
    url = history.url.render_as_string(hide_password=False)
    with session_scope(history) as session:
        # opened today: in the report of a month that has ended after today
        today = dt.date.today()
        report = build_report(session, Settings(database_url=url), period=f"{today:%Y-%m}")
        before = build_report(session, Settings(database_url=url), period="2026-01")
    ((number, title, status, owner, cases),) = report.investigations
    assert (title, status, owner, cases) == ("MTTR of P2 repairs", "open", "wang", 2)
    assert before.investigations == []  # not opened yet by the end of January 2026
    html = render_html(report, "zh")
    assert "未关闭的调查" in html and "MTTR of P2 repairs" in html and "待分析" in html
    book = load_workbook(io.BytesIO(render_xlsx(report, "en")))
    rows = list(book["Open investigations"].iter_rows(min_row=2, values_only=True))
    assert rows == [(number, "MTTR of P2 repairs", "Awaiting analysis", "wang", 2)]


def test_report_command(history: Engine, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for form in ("html", "pdf", "xlsx"):
        out = tmp_path / f"r.{form}"
        result = runner.invoke(
            app, ["--db", db_url, "report", "--period", "2026-03", "--lang", "zh", "--format",
                  form, "--out", str(out)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    bad = runner.invoke(app, ["--db", db_url, "report", "--period", "2026-3", "--out", "x.html"])
    assert bad.exit_code == 2 and "2026-3" in bad.output
