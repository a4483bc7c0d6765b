"""The containment list for the service network: CSV and XLSX, headed in English or Chinese
(and the JSON of ``qloop containment``, written a unit at a time).

CSV: the table alone, UTF-8 with a byte-order mark (Excel then reads Chinese right), one
row per unit. XLSX (written row by row, so tens of thousands of units stay cheap): a
header block with the filter and the counts, then the same table, frozen below its
header, with an autofilter; a second sheet with the counts per region. Columns: serial,
product, batch, region, production date, ship date, shipped (yes/no), cases, first case,
then one column per condition attribute that is not a unit column, headed by its name.
The header texts live here, not in the message catalog: they are the file's layout.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from qloop.capa.containment import NO_REGION, AffectedUnit, Containment
from qloop.core.clock import now
from qloop.core.errors import InputError
from qloop.reports.csv_cells import csv_row
from qloop.reports.xlsx import cell_value, keep_as_text

#: the table's fixed columns: (field, English, Chinese, width)
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("serial", "Serial", "序列号", 18),
    ("product", "Product", "产品", 12),
    ("batch", "Batch", "批次", 16),
    ("region", "Region", "地区", 14),
    ("production_date", "Production date", "生产日期", 14),
    ("ship_date", "Ship date", "发货日期", 12),
    ("shipped", "Shipped", "已发货", 9),
    ("cases", "Cases", "案例数", 8),
    ("first_case", "First case", "首次报修", 12),
)
#: (English, Chinese) of everything else the files say
LABELS: dict[str, tuple[str, str]] = {
    "title": ("Containment: affected units", "围堵：受影响设备清单"),
    "product": ("Product", "产品"),
    "conditions": ("Conditions", "条件"),
    "built": ("Built", "生产日期范围"),
    "as_of": ("Shipped as of", "发货截至"),
    "failure_mode": ("Cases of", "案例故障模式"),
    "any_mode": ("any failure mode", "全部故障模式"),
    "units": ("Units", "设备数"),
    "shipped": ("Shipped (field sweep)", "已发货（市场排查）"),
    "not_shipped": ("Not shipped (quarantine)", "未发货（隔离）"),
    "with_cases": ("With cases", "已有报修"),
    "written": ("Written", "导出时间"),
    "units_sheet": ("Units", "设备清单"),
    "region_sheet": ("By region", "按地区"),
    "region": ("Region", "地区"),
    "no_region": ("(no region)", "（无地区）"),
    "total": ("Total", "合计"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "none": ("none", "无"),
}
REGION_COLUMNS = ("units", "shipped", "not_shipped", "with_cases")
_HEADER_FILL = PatternFill("solid", fgColor="EEF3F8")


def language(lang: str) -> int:
    """0 for English, 1 for Chinese; anything else is refused."""
    if lang not in ("en", "zh", "zh_CN"):
        raise InputError(f"language en or zh, not {lang!r}", column="lang")
    return int(lang != "en")


def headers(found: Containment, lang: str) -> list[str]:
    zh = language(lang)
    return [(en, cn)[zh] for _, en, cn, _ in COLUMNS] + list(found.filter.value_attributes)


def cells(item: AffectedUnit, zh: int) -> list[Any]:
    """One unit's row: dates as dates, shipped as yes/no in the language."""
    shipped = LABELS["yes" if item.shipped else "no"][zh]
    return [item.serial, item.product, item.batch, item.region, item.production_date,
            item.ship_date, shipped, item.cases, item.first_case,
            *item.values.values()]  # fmt: skip


def write_containment_json(
    found: Containment, items: Iterable[AffectedUnit], handle: IO[str]
) -> int:
    """Write ``found.as_json()`` with ``items`` as its items, one unit at a time."""
    head = orjson.dumps(found.summary_json()).decode()
    handle.write(head[:-1] + ',"items":[')
    written = 0
    for item in items:
        handle.write(("," if written else "") + orjson.dumps(item.as_json()).decode())
        written += 1
    handle.write("]}\n")
    return written


def write_containment_csv(
    found: Containment, items: Iterable[AffectedUnit], handle: IO[str], *, lang: str = "en",
    bom: bool = True,
) -> int:  # fmt: skip
    """Write the table to a text handle opened with ``newline=""``; returns the units.

    Every cell goes through :func:`qloop.reports.csv_cells.csv_row`: serials, attribute
    names and values come from imported files, and a spreadsheet must not run them."""
    zh = language(lang)
    if bom:
        handle.write("\ufeff")
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(csv_row(headers(found, lang)))
    written = 0
    for item in items:
        writer.writerow(csv_row(cells(item, zh)))
        written += 1
    return written


def write_containment_xlsx(
    found: Containment, items: Iterable[AffectedUnit], target: str | Path | IO[bytes], *,
    lang: str = "en",
) -> int:  # fmt: skip
    """Write the workbook (units sheet, by-region sheet); returns the units written."""
    zh = language(lang)
    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet(LABELS["units_sheet"][zh])
    names = headers(found, lang)
    widths = [width for *_, width in COLUMNS] + [max(12, len(n) + 2) for n in names[9:]]
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    block = _block(sheet, found, zh)
    header_row = len(block) + 2
    sheet.freeze_panes = f"A{header_row + 1}"
    for row in block:
        sheet.append(row)
    sheet.append([])
    sheet.append([_cell(sheet, name, bold=True, fill=True) for name in names])
    written = 0
    for item in items:
        sheet.append([_value(sheet, value) for value in cells(item, zh)])
        written += 1
    last = get_column_letter(len(names))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(written, 1)}"
    _region_sheet(book, found, zh)
    book.save(target)
    return written


def _block(sheet: Any, found: Containment, zh: int) -> list[list[Any]]:
    """The header block: title, the filter, the counts, when written."""
    flt = found.filter
    conditions = " AND ".join(f"{a} = {v}" for a, v in flt.conditions) or LABELS["none"][zh]
    built = f"{_text(flt.built_from)} – {_text(flt.built_to)}"
    mode = flt.failure_mode or LABELS["any_mode"][zh]
    lines: list[tuple[str, Any]] = [
        ("product", flt.product), ("conditions", conditions), ("built", built),
        ("as_of", flt.as_of), ("failure_mode", mode), ("units", found.units),
        ("shipped", found.shipped), ("not_shipped", found.not_shipped),
        ("with_cases", found.with_cases), ("written", now().replace(microsecond=0)),
    ]  # fmt: skip
    title = WriteOnlyCell(sheet, LABELS["title"][zh])
    title.font = Font(bold=True, size=14)
    return [[title]] + [[_cell(sheet, LABELS[key][zh], bold=True), _cell(sheet, value)]
                        for key, value in lines]  # fmt: skip


def _region_sheet(book: Workbook, found: Containment, zh: int) -> None:
    sheet: Any = book.create_sheet(LABELS["region_sheet"][zh])
    for number, width in enumerate((20, 10, 22, 24, 12), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, LABELS[key][zh], bold=True, fill=True)
                  for key in ("region", *REGION_COLUMNS)])  # fmt: skip
    for region, counts in found.by_region.items():
        name = LABELS["no_region"][zh] if region == NO_REGION else region
        sheet.append([_cell(sheet, name), *(getattr(counts, key) for key in REGION_COLUMNS)])
    total = [found.units, found.shipped, found.not_shipped, found.with_cases]
    sheet.append([_cell(sheet, LABELS["total"][zh], bold=True), *total])


def _value(sheet: Any, value: Any) -> Any:
    """A table value: plain, but for text that must be cleaned or kept from being a formula
    (openpyxl writes dates with a date format by itself)."""
    if isinstance(value, str) and (value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value)):
        return _cell(sheet, value)
    return value


def _cell(sheet: Any, value: Any, *, bold: bool = False, fill: bool = False) -> WriteOnlyCell:
    """A cell whose text cannot break the file or run as a formula; dates as dates."""
    cell = WriteOnlyCell(sheet, cell_value(value))
    keep_as_text(cell)
    if isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    if fill:
        cell.fill = _HEADER_FILL
    return cell


def _text(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "…"
