"""The FMEA worksheet as XLSX: written in the classic layout, read back, through the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.rca import fmea
from qloop.rca.action_priority import action_priority, rpn
from qloop.rca.fmea import FmeaLine
from qloop.rca.fmea_fields import FmeaInput
from qloop.rca.fmea_xlsx import HEADER_ROW, read_fmea_xlsx, write_fmea_xlsx
from qloop.rca.investigations import create_investigation
from qloop.rca.models import FmeaRow

ROWS = [
    FmeaInput("电池包", "供电 4 小时", "鼓包", "外壳变形，用户投诉", 9, "隔膜批次 A 缺陷", 3,
              "来料抽检", 7, "更换隔膜供应商", "王工", dt.date(2026, 3, 1)),
    FmeaInput("Screen", None, "crack", None, 5, None, 2, None, 2, None, None, None),
    FmeaInput("Hinge", "opens 20k times", "=HYPERLINK(\"x\")", "lid falls", 6, "wear", 6,
              "life test", 6, "harder pin", "li", dt.date(2027, 12, 31)),
]  # fmt: skip


def lines_of(rows: list[FmeaInput]) -> list[FmeaLine]:
    return [
        FmeaLine(FmeaRow(position=n, **r.columns()), rpn(r.severity, r.occurrence, r.detection),
                 action_priority(r.severity, r.occurrence, r.detection))
        for n, r in enumerate(rows, start=1)
    ]  # fmt: skip


def sheet_of(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data)).active


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_trip_in_both_languages(lang: str) -> None:
    data = write_fmea_xlsx(lines_of(ROWS), title="鼓包调查", product="P1", revision=4, lang=lang)
    assert read_fmea_xlsx(data, file_name="fmea.xlsx") == ROWS
    sheet = sheet_of(data)
    block = [sheet.cell(n, 1).value for n in range(1, 6)]
    if lang == "en":
        assert block == ["FMEA", "Investigation", "Product", "Revision", "Date"]
    else:
        assert block == ["潜在失效模式及影响分析 (FMEA)", "调查", "产品", "版本", "日期"]
    assert [sheet.cell(n, 2).value for n in range(2, 5)] == ["鼓包调查", "P1", 4]
    assert isinstance(sheet["B5"].value, dt.datetime)
    headers = [c.value for c in sheet[HEADER_ROW]]
    expected = {
        "en": ["Item", "Function", "Failure mode", "Effect", "S", "Cause", "O",
               "Current controls", "D", "RPN", "AP", "Recommended action", "Owner", "Due date"],
        "zh": ["项目", "功能", "失效模式", "失效影响", "严重度 S", "失效原因", "频度 O", "现行控制",
               "探测度 D", "RPN", "行动优先级 AP", "建议措施", "负责人", "完成日期"],
    }  # fmt: skip
    assert headers == expected[lang]
    # text that looks like a formula stays text
    assert sheet.cell(HEADER_ROW + 3, 3).data_type == "s"


def test_rpn_and_ap_cells_match_the_ratings_and_the_layout_is_classic() -> None:
    rows = [
        FmeaInput("i", None, "m", None, s, None, o, None, d, None, None, None)
        for s in (1, 2, 5, 7, 9, 10) for o in (1, 3, 6, 9) for d in (1, 4, 6, 10)
    ]  # fmt: skip
    sheet = sheet_of(write_fmea_xlsx(lines_of(rows), title="t", product=None, revision=None,
                                     lang="en"))  # fmt: skip
    fills = {"H": "FFC7CE", "M": "FFEB9C", "L": "C6EFCE"}
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        s, o, d = (sheet.cell(number, c).value for c in (5, 7, 9))
        assert (s, o, d) == (row.severity, row.occurrence, row.detection)
        assert sheet.cell(number, 10).value == s * o * d
        letter = action_priority(s, o, d).value
        assert sheet.cell(number, 11).value == letter
        assert sheet.cell(number, 11).fill.fgColor.rgb.endswith(fills[letter])
    assert {sheet.cell(n, 11).value for n in range(HEADER_ROW + 1, sheet.max_row + 1)} == {
        "H", "M", "L"}  # fmt: skip
    assert sheet["B3"].value is None and sheet["B4"].value is None  # no product, no revision
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:N{HEADER_ROW + len(rows)}"
    (rule,) = sheet.data_validations.dataValidation
    assert (rule.type, rule.formula1, rule.formula2) == ("whole", "1", "10")
    assert str(rule.sqref) == "E8:E507 G8:G507 I8:I507"
    assert sheet.column_dimensions["A"].width == 22 and sheet.column_dimensions["E"].width == 7
    assert sheet.cell(HEADER_ROW + 1, 1).alignment.wrap_text


def test_an_empty_worksheet_round_trips() -> None:
    data = write_fmea_xlsx([], title="t", product=None, revision=None, lang="zh")
    assert read_fmea_xlsx(data, file_name="empty.xlsx") == []
    with pytest.raises(InputError, match="en or zh"):
        write_fmea_xlsx([], title="t", product=None, revision=None, lang="fr")


def test_a_hand_made_classic_sheet_with_a_title_block_and_variant_headers() -> None:
    header = ["No.", "Item/Function", "Potential Failure Mode", "Potential Effect(s) of Failure",
              "SEVERITY", "Potential Cause(s) of Failure", "发生度", "Current Process Controls",
              "检测度", "R P N", "Responsibility", "Target date", "Recommended Actions",
              "Actions taken", "S", "O", "D"]  # fmt: skip
    data = xlsx([
        ["Process FMEA", None, "FMEA No. 12"],
        ["Prepared by", "li", None, "Date", dt.datetime(2026, 1, 5)],
        [],
        header,
        [1, "Battery", "swelling", "burn", 9.0, "separator", "3", "incoming check", 7, 189,
         "wang", dt.datetime(2026, 4, 30), "new supplier", "done", 9, 1, 7],
        [None] * 5,
        [2, " Screen ", "crack", None, 5, None, 2, None, 2, None, None, "2026/5/1"],
        [3, "Lid", "scratch", None, 3, None, 2, None, 2, None, None, "2026年6月2日"],
        [4, "Pin", "wear", None, 2, None, 2, None, 2, None, None, 46000],
        [None, None, None, None, None, None, None, None, None, 8],  # an RPN alone: not a row
    ])  # fmt: skip
    rows = read_fmea_xlsx(data, file_name="classic.xlsx")
    assert [(r.item, r.failure_mode, r.severity, r.occurrence, r.detection) for r in rows] == [
        ("Battery", "swelling", 9, 3, 7), ("Screen", "crack", 5, 2, 2),
        ("Lid", "scratch", 3, 2, 2), ("Pin", "wear", 2, 2, 2)]  # fmt: skip
    assert rows[0].effect == "burn" and rows[0].controls == "incoming check"
    assert (rows[0].owner, rows[0].recommended_action) == ("wang", "new supplier")
    assert rows[0].function is None  # "Item/Function" is the item
    assert [r.due_date for r in rows] == [dt.date(2026, 4, 30), dt.date(2026, 5, 1),
                                          dt.date(2026, 6, 2), dt.date(2025, 12, 9)]  # fmt: skip


@pytest.mark.parametrize(
    "headers",
    [["item", "FAILURE MODE", "Severity", "Occurrence", "Detection"],
     ["项目 / 功能", "潜在失效模式", "严重度", "频度", "探测度"],
     ["Item", "Failure mode", "严重度 (S)", "频度O", "检测度 D"],
     ["零件", "故障模式", "Sev", "Occ", "Det"]],
)  # fmt: skip
def test_variant_headers(headers: list[str]) -> None:
    data = xlsx([headers, ["Battery", "swelling", 9, 3, 7]])
    (row,) = read_fmea_xlsx(data, file_name="v.xlsx")
    assert (row.item, row.failure_mode, row.severity, row.occurrence, row.detection) == (
        "Battery", "swelling", 9, 3, 7)  # fmt: skip


def test_errors_name_the_file_row_and_column() -> None:
    header = ["Item", "Failure mode", "S", "O", "D"]
    bad = xlsx([["title"], header, ["a", "m", 9, 3, 7], [], ["b", "m", 4, 11, 2]])
    with pytest.raises(InputError) as raised:
        read_fmea_xlsx(bad, file_name="bad.xlsx")
    error = raised.value
    assert (error.file, error.row, error.column) == ("bad.xlsx", 5, "D (O)")
    assert str(error) == "bad.xlsx, row 5, column D (O): a rating is a whole number 1..10, not 11"
    with pytest.raises(InputError) as raised:
        read_fmea_xlsx(xlsx([header, ["a", None, 9, 3, 7]]), file_name="x.xlsx")
    assert (raised.value.row, raised.value.column) == (2, "B (Failure mode)")
    unheaded = read_fmea_xlsx(xlsx([header, ["a", "m", 9, 3, 7, "2026-02-30"]]), file_name="x")
    assert unheaded[0].due_date is None  # a column without a known header is not read
    with pytest.raises(InputError) as raised:
        read_fmea_xlsx(xlsx([[*header, "Due date"], ["a", "m", 9, 3, 7, "30.2.2026"]]),
                       file_name="x.xlsx")  # fmt: skip
    assert (raised.value.row, raised.value.column) == (2, "F (Due date)")


def test_a_missing_column_or_a_foreign_file_is_refused() -> None:
    no_d = xlsx([["FMEA"], ["Item", "Failure mode", "S", "O", "RPN"], ["a", "m", 9, 3, 27]])
    with pytest.raises(InputError) as raised:
        read_fmea_xlsx(no_d, file_name="no-d.xlsx")
    assert (raised.value.file, raised.value.row, raised.value.column) == (
        "no-d.xlsx", 2, "detection")  # fmt: skip
    assert '"D" / "探测度 D"' in raised.value.reason
    with pytest.raises(InputError, match="no FMEA header row") as raised:
        read_fmea_xlsx(xlsx([["a", "b"], [1, 2]]), file_name="other.xlsx")
    assert raised.value.file == "other.xlsx"
    for junk in (b"item,failure mode,S,O,D\n", b"PK\x03\x04 broken", b""):
        with pytest.raises(InputError, match="not a readable XLSX workbook") as raised:
            read_fmea_xlsx(junk, file_name="fmea.csv")
        assert raised.value.file == "fmea.csv" and raised.value.row is None


printable = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"))
text = st.one_of(st.none(), st.text(alphabet=printable, min_size=1, max_size=40))
rating = st.integers(1, 10)
day = st.one_of(st.none(), st.dates(dt.date(1900, 3, 1), dt.date(2199, 12, 31)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(text, text, text, text, rating, rating, rating, day), max_size=4))
def test_any_rows_round_trip(values: list[tuple[Any, ...]]) -> None:
    rows = [
        FmeaInput(item or "i", function, mode or "m", effect, s, None, o, None, d, None, None, due)
        for item, function, mode, effect, s, o, d, due in values
    ]
    for lang in ("en", "zh"):
        data = write_fmea_xlsx(lines_of(rows), title="t", product=None, revision=1, lang=lang)
        assert read_fmea_xlsx(data, file_name="h.xlsx") == rows


def worksheet_of(engine: Engine, number: int) -> list[FmeaInput]:
    with session_scope(engine) as session:
        return [FmeaInput.of_row(line.row) for line in fmea.worksheet(session, number)]


def test_cli_export_import_round_trip_and_history(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        source = create_investigation(session, title="Swelling", user_name="li").id
        target = create_investigation(session, title="Copy", user_name="li").id
        fmea.replace_rows(session, investigation_id=source, rows=ROWS, user_name="li",
                          summary="typed in")  # fmt: skip
    runner = CliRunner()
    out = tmp_path / "fmea.xlsx"
    made = runner.invoke(app, ["--db", db_url, "fmea", "export", str(source), "--out", str(out),
                               "--lang", "zh"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "3 FMEA rows written" in made.output
    assert sheet_of(out.read_bytes())["B4"].value == 1  # the revision exported
    done = runner.invoke(app, ["--db", db_url, "fmea", "import", str(target), str(out),
                               "--user", "wang"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "revision 1: imported from fmea.xlsx: 3 rows" in done.output
    assert worksheet_of(engine, target) == worksheet_of(engine, source) == ROWS
    history = runner.invoke(app, ["--db", db_url, "fmea", "history", str(target)])
    assert history.exit_code == 0
    (line,) = history.output.strip().splitlines()
    assert line.split()[0] == "1" and line.endswith("wang: imported from fmea.xlsx: 3 rows")
    shown = runner.invoke(app, ["--db", db_url, "fmea", "show", str(target), "--sort", "rpn",
                                "--format", "json"])  # fmt: skip
    found = json.loads(shown.output)
    assert [(r["item"], r["rpn"], r["action_priority"]) for r in found] == [
        ("Hinge", 216, "M"), ("电池包", 189, "H"), ("Screen", 20, "L")]  # fmt: skip
    high = runner.invoke(app, ["--db", db_url, "fmea", "show", str(target), "--priority", "H"])
    assert high.exit_code == 0 and "电池包 / 鼓包" in high.output and "Hinge" not in high.output
    missing = runner.invoke(app, ["--db", db_url, "fmea", "history", "999"])
    assert missing.exit_code == 2 and "no investigation 999" in missing.output


def test_a_failing_import_changes_nothing(engine: Engine, db_url: str, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        number = create_investigation(session, title="Swelling", user_name="li").id
        fmea.replace_rows(session, investigation_id=number, rows=ROWS[:2], user_name="li",
                          summary="typed in")  # fmt: skip
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["Item", "Failure mode", "S", "O", "D"], ["a", "m", 9, 3, 7],
                          ["b", "m", 4, 3, 0]]))  # fmt: skip
    runner = CliRunner()
    for args in ([str(number), str(bad)], [str(number), str(tmp_path / "absent.xlsx")],
                 ["999", str(bad)]):  # fmt: skip
        refused = runner.invoke(app, ["--db", db_url, "fmea", "import", *args])
        assert refused.exit_code == 2, refused.output
    assert "bad.xlsx, row 3, column E (D): a rating is a whole number 1..10, not 0" in " ".join(
        runner.invoke(app, ["--db", db_url, "fmea", "import", str(number), str(bad)]).output.split()
    )  # fmt: skip
    assert worksheet_of(engine, number) == ROWS[:2]
    with session_scope(engine) as session:
        assert [r.summary for r in fmea.revisions(session, number)] == ["typed in"]
