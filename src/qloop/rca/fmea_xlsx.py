"""The FMEA worksheet as a classic spreadsheet, written and read back.

Written: a title block (FMEA, investigation, product, revision, date), then the header row
(the :data:`~qloop.rca.fmea_fields.COLUMNS` headers in English or Chinese, with RPN and AP
right after D), one row per line. RPN and AP are derived values: written for the reader,
ignored on import. Read: the first row holding at least the item, failure mode, S, O and
D headers (either language, common variants, case and spaces ignored) is the header row;
every non-empty row below it is one :class:`FmeaInput`, checked like a form.

The header texts live here and in ``fmea_fields`` rather than in the message catalog:
they are part of the file format the import recognises, not only words to translate.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.rca.fmea import MAX_ROWS, FmeaLine
from qloop.rca.fmea_fields import COLUMNS, RATINGS, REQUIRED, FmeaInput
from qloop.reports.xlsx import put_cell

#: the header block's labels: (English, Chinese)
BLOCK = {
    "fmea": ("FMEA", "潜在失效模式及影响分析 (FMEA)"),
    "investigation": ("Investigation", "调查"),
    "product": ("Product", "产品"),
    "revision": ("Revision", "版本"),
    "date": ("Date", "日期"),
}
DERIVED = {"rpn": ("RPN", "RPN"), "ap": ("AP", "行动优先级 AP")}
#: the written columns, left to right: COLUMNS with RPN and AP right after D
LAYOUT: tuple[str, ...] = tuple(
    name for field, *_ in COLUMNS for name in ((field, "rpn", "ap") if field == "detection"
                                               else (field,))
)  # fmt: skip
HEADER_ROW = 7
WIDTHS = {"item": 22, "function": 22, "failure_mode": 24, "effect": 30, "cause": 30,
          "controls": 30, "recommended_action": 30, "owner": 12, "due_date": 12}  # fmt: skip
AP_FILLS = {"H": "FFC7CE", "M": "FFEB9C", "L": "C6EFCE"}
#: header variants the import accepts besides the COLUMNS headers (compared normalised)
VARIANTS: dict[str, tuple[str, ...]] = {
    "item": ("Item/Function", "项目/功能", "Items", "Part", "Component", "零件", "部件",
             "Process step", "过程步骤"),
    "function": ("Functions", "Function/Requirement", "功能/要求", "功能要求", "Requirement"),
    "failure_mode": ("Potential failure mode", "Failure modes", "潜在失效模式", "故障模式"),
    "effect": ("Effects", "Failure effect", "Potential effect(s) of failure", "潜在失效影响",
               "失效后果", "影响"),
    "severity": ("Sev", "Severity", "Severity (S)", "严重度", "严重程度"),
    "cause": ("Causes", "Failure cause", "Potential cause(s) of failure", "潜在失效原因",
              "原因"),
    "occurrence": ("Occ", "Occurrence", "Occurrence (O)", "频度", "发生度", "发生率",
                   "发生度 O"),
    "controls": ("Controls", "Current process controls", "Current design controls",
                 "当前控制", "现行过程控制", "现行设计控制", "现行控制措施"),
    "detection": ("Det", "Detection", "Detection (D)", "探测度", "检测度", "检测度 D"),
    "recommended_action": ("Recommended actions", "Actions", "建议的措施", "建议措施",
                           "措施"),
    "owner": ("Responsibility", "Responsible", "责任人", "负责人/部门"),
    "due_date": ("Target date", "Target completion date", "Due", "目标完成日期",
                 "计划完成日期"),
}  # fmt: skip
_PUNCTUATION = re.compile(r"[\s()（）/\\_\-:：.。·、]+")
_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_HEADER_SEARCH = 50  # rows searched for the header row


def _key(text: Any) -> str:
    return _PUNCTUATION.sub("", str(text)).casefold() if text is not None else ""


_HEADERS: dict[str, str] = {
    _key(header): field
    for field, en, zh, _limit in COLUMNS
    for header in (en, zh, field.replace("_", " "), *VARIANTS.get(field, ()))
}


def write_fmea_xlsx(
    lines: Sequence[FmeaLine], *, title: str, product: str | None, revision: int | None,
    lang: str,
) -> bytes:  # fmt: skip
    """The worksheet in the classic layout, labelled in English (``en``) or Chinese (``zh``)."""
    if lang not in ("en", "zh", "zh_CN"):
        raise InputError(f"language en or zh, not {lang!r}", column="lang")
    zh = int(lang != "en")
    headers = {field: (en, cn) for field, en, cn, _limit in COLUMNS} | DERIVED
    book = Workbook()
    sheet = book.active
    sheet.title = "FMEA"
    sheet["A1"] = BLOCK["fmea"][zh]
    sheet["A1"].font = Font(bold=True, size=14)
    block = (("investigation", title), ("product", product), ("revision", revision),
             ("date", now().date()))  # fmt: skip
    for number, (key, value) in enumerate(block, start=2):
        sheet.cell(number, 1, BLOCK[key][zh]).font = Font(bold=True)
        put_cell(sheet.cell(number, 2), value)
        sheet.merge_cells(start_row=number, start_column=2, end_row=number, end_column=6)
    sheet["B5"].number_format = "yyyy-mm-dd"
    sheet["B5"].alignment = Alignment(horizontal="left")
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, field in enumerate(LAYOUT, start=1):
        cell = sheet.cell(HEADER_ROW, column, headers[field][zh])
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF3F8")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS.get(field, 7)
    for number, line in enumerate(lines, start=HEADER_ROW + 1):
        values = FmeaInput.of_row(line.row).columns() | {"rpn": line.rpn, "ap": line.priority}
        for column, field in enumerate(LAYOUT, start=1):
            cell = sheet.cell(number, column)
            put_cell(cell, values[field].value if field == "ap" else values[field])
            cell.alignment = wrap
            if field == "due_date":
                cell.number_format = "yyyy-mm-dd"
            elif field in (*RATINGS, "rpn", "ap"):
                cell.alignment = Alignment(horizontal="center", vertical="top")
            if field == "ap":
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor=AP_FILLS[values["ap"].value])
    last_row = HEADER_ROW + max(len(lines), 1)
    _validate_ratings(sheet, zh)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(LAYOUT))}{last_row}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _validate_ratings(sheet: Any, zh: int) -> None:
    """S, O and D accept whole numbers 1..10, also in rows typed in later."""
    rule = DataValidation(type="whole", operator="between", formula1="1", formula2="10",
                          allow_blank=True, showErrorMessage=True)  # fmt: skip
    rule.error = ("A rating is a whole number from 1 to 10.", "评分为 1 到 10 的整数。")[zh]
    rule.errorTitle = ("Rating", "评分")[zh]
    sheet.add_data_validation(rule)
    for field in RATINGS:
        letter = get_column_letter(LAYOUT.index(field) + 1)
        rule.add(f"{letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + MAX_ROWS}")


def read_fmea_xlsx(data: bytes, *, file_name: str) -> list[FmeaInput]:
    """The rows of the first sheet holding an FMEA table; errors name file, row and column."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        raise InputError(f"not a readable XLSX workbook ({error})", file=file_name) from None
    try:
        sheets = []
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # a stored <dimension> may be wrong
            sheets.append(sheet)
        best: tuple[int, int, dict[int, str]] | None = None  # (found, row, columns)
        for sheet in sheets:
            rows = _numbered_rows(sheet, file_name)
            for number, cells in rows:
                columns = _header_columns(cells)
                if set(REQUIRED) <= set(columns.values()):
                    return _table(rows, columns, cells, file_name, book.epoch)
                if best is None or len(columns) > best[0]:
                    best = (len(columns), number, columns)
                if number >= _HEADER_SEARCH:
                    break
    finally:
        book.close()
    if best is None or best[0] < 2:
        raise InputError("no FMEA header row (Item, Failure mode, S, O, D) found", file=file_name)
    missing = [c for c in COLUMNS if c[0] in REQUIRED and c[0] not in best[2].values()]
    field, en, zh, _limit = missing[0]
    raise InputError(f'the header row has no "{en}" / "{zh}" column', file=file_name,
                     row=best[1], column=field)  # fmt: skip


def _numbered_rows(sheet: Any, file_name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    number = 0
    try:
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, cells
    except Exception as error:  # a damaged sheet: openpyxl raises XML and value errors
        raise InputError(
            f"not a readable XLSX sheet after row {number} ({error})", file=file_name
        ) from None


def _header_columns(cells: Sequence[Any]) -> dict[int, str]:
    """{column index: field} of the recognised headers in a row. RPN, AP and unknown headers
    are left out; a field's first column wins, so the "action results" S, O and D to the
    right of a classic form's recommended actions are not read as the ratings."""
    columns: dict[int, str] = {}
    for index, cell in enumerate(cells):
        field = _HEADERS.get(_key(cell)) if isinstance(cell, str) else None
        if field is not None and field not in columns.values():
            columns[index] = field
    return columns


def _table(
    rows: Iterator[tuple[int, tuple[Any, ...]]], columns: dict[int, str],
    header: Sequence[Any], file_name: str, epoch: dt.datetime,
) -> list[FmeaInput]:  # fmt: skip
    found: list[FmeaInput] = []
    for number, cells in rows:
        values = {field: cells[i] if i < len(cells) else None for i, field in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        if len(found) >= MAX_ROWS:
            raise InputError(f"an FMEA worksheet holds at most {MAX_ROWS} rows",
                             file=file_name, row=number)  # fmt: skip
        values["due_date"] = _date_cell(values.get("due_date"), epoch)
        try:
            found.append(FmeaInput.parse(values, file=file_name, row=number))
        except InputError as error:
            index = next((i for i, f in columns.items() if f == error.column), None)
            where = error.column if index is None else (
                f"{get_column_letter(index + 1)} ({str(header[index]).strip()})")  # fmt: skip
            raise InputError(error.reason, file=file_name, row=number, column=where) from None
    return found


def _date_cell(value: Any, epoch: dt.datetime) -> Any:
    """A day number without a date format, or text such as 2026/3/1 or 2026年3月1日, as a date."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 200_000:
        return from_excel(value, epoch)
    found = _TEXT_DATE.match(value.strip()) if isinstance(value, str) else None
    if found:
        try:
            return dt.date(*(int(part) for part in found.groups()))
        except ValueError:
            return value  # FmeaInput.parse says what is wrong with it
    return value
