"""Importing units: stored values, reject reasons, encodings, XLSX, idempotency, updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.errors import InputError
from qloop.intake.models import Product, Unit
from qloop.intake.service import import_file
from tests.files import read_rejects, write_csv, write_xlsx

HEADER = [
    "serial",
    "product",
    "batch",
    "production_date",
    "ship_date",
    "region",
    "battery_lot",
    "glass_thickness_mm",
]
GOOD = [
    ["SN001", "PX9", "PX9-2503A", "2025-03-02", "2025-03-09", "华东", "BL-2508", "0.7"],
    ["SN002", "PX9", "PX9-2503A", "2025/3/2", "2025年3月10日", "EU", "BL-2509", "1.0"],
    ["SN003", "WM7", "", "2025-03-05", "", "NA", "", ""],
]


def units(engine: Engine) -> dict[str, Unit]:
    with Session(engine) as session:
        return {u.serial: u for u in session.scalars(select(Unit))}


def test_units_are_stored_with_typed_columns_and_original_attributes(
    engine: Engine, tmp_path: Path
) -> None:
    result = import_file(engine, table="units", path=write_csv(tmp_path / "u.csv", HEADER, GOOD))
    assert (result.read, result.inserted, result.rejected) == (3, 3, 0)
    assert result.rejects_path is None
    stored = units(engine)
    assert stored["SN001"].production_date == dt.date(2025, 3, 2)
    assert stored["SN002"].ship_date == dt.date(2025, 3, 10)
    assert stored["SN001"].attributes == {"battery_lot": "BL-2508", "glass_thickness_mm": "0.7"}
    assert stored["SN003"].batch is None and stored["SN003"].ship_date is None
    assert stored["SN003"].attributes == {}  # empty cells are not stored as attributes
    assert stored["SN001"].region == "华东"
    with Session(engine) as session:
        assert sorted(session.scalars(select(Product.code))) == ["PX9", "WM7"]


def test_every_bad_row_goes_to_the_rejects_file_with_row_and_reason(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        GOOD[0],
        ["SN010", "PX9", "B1", "2025-03-02", "2026-13-45", "EU", "", ""],  # line 3
        ["", "PX9", "B1", "2025-03-02", "", "EU", "", ""],  # line 4: no serial
        ["SN011", "", "B1", "2025-03-02", "", "EU", "", ""],  # line 5: no product
        ["SN001", "PX9", "B2", "2025-03-02", "", "EU", "", ""],  # line 6: duplicate of line 2
        ["SN012", "PX9", "B1", "5/3/2025", "", "EU", "", ""],  # line 7: not a documented format
        ["SN013", "PX9", "B1", "2025-03-02", "", "EU", "x", "y", "surplus"],  # line 8
        ["S" * 101, "PX9", "", "", "", "", "", ""],  # line 9: longer than the column
    ]
    source = write_csv(tmp_path / "u.csv", HEADER, rows)
    result = import_file(engine, table="units", path=source)
    assert (result.read, result.inserted, result.rejected) == (8, 1, 7)
    assert result.rejects_path == str(tmp_path / "u.csv.rejects.csv")
    rejects = read_rejects(Path(result.rejects_path))
    assert [(r["_row"], r["_error"]) for r in rejects] == [
        ("3", 'ship_date: "2026-13-45" is not a date'),
        ("4", "serial: is required but empty"),
        ("5", "product: is required but empty"),
        ("6", "serial: duplicate of row 2 in this file"),
        ("7", 'production_date: "5/3/2025" is not a date'),
        ("8", '9 values but the header has 8 columns (extra values: "surplus")'),
        ("9", "serial: is longer than 100 characters"),
    ]
    # the original columns are kept as they were, so the file can be fixed and re-imported
    assert rejects[0]["serial"] == "SN010" and rejects[0]["ship_date"] == "2026-13-45"
    assert list(rejects[0])[: len(HEADER)] == HEADER
    assert set(units(engine)) == {"SN001"}


def test_gbk_file_with_chinese_headers_reads_like_utf8(engine: Engine, tmp_path: Path) -> None:
    header = ["序列号", "产品", "批次", "生产日期", "发货日期", "区域", "电芯批次"]
    rows = [["SN100", "PX9", "批次A", "2025-04-01", "2025-04-03", "华南", "BL-1"]]
    source = write_csv(tmp_path / "units-gbk.csv", header, rows, encoding="gbk")
    assert "批次".encode("gbk") in source.read_bytes()
    result = import_file(engine, table="units", path=source)
    assert result.inserted == 1
    unit = units(engine)["SN100"]
    assert (unit.product, unit.batch, unit.region) == ("PX9", "批次A", "华南")
    assert unit.attributes == {"电芯批次": "BL-1"}


def test_utf8_with_bom_semicolons_and_messy_headers(engine: Engine, tmp_path: Path) -> None:
    header = ["Serial Number", " PRODUCT ", "Ship-Date", "Supplier"]
    rows = [["SN200", "WM7", "2025-05-01", " Seal Co. "]]
    source = write_csv(tmp_path / "u.csv", header, rows, encoding="utf-8-sig", delimiter=";")
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    assert import_file(engine, table="units", path=source).inserted == 1
    unit = units(engine)["SN200"]
    assert unit.ship_date == dt.date(2025, 5, 1)
    assert unit.attributes == {"Supplier": "Seal Co."}


def test_xlsx_with_date_cells_serials_and_numbers(engine: Engine, tmp_path: Path) -> None:
    rows = [
        ["SN300", "PX9", "B1", dt.datetime(2025, 6, 1), "2025/6/3", "EU", "BL-1", 0.7],
        ["SN301", "PX9", "B1", 45809, dt.date(2025, 6, 4), "EU", "BL-1", 1.0],
        [30302, "PX9", "B1", "not a date", None, "EU", None, None],
    ]
    source = write_xlsx(
        tmp_path / "units.xlsx",
        HEADER,
        rows,
        sheet="Units",
        title_rows=[["Units export 2025-06"], []],
    )
    result = import_file(engine, table="units", path=source, sheet="Units")
    assert (result.inserted, result.rejected) == (2, 1)
    stored = units(engine)
    assert stored["SN300"].production_date == dt.date(2025, 6, 1)
    assert stored["SN300"].ship_date == dt.date(2025, 6, 3)
    assert stored["SN301"].production_date == dt.date(2025, 6, 1)  # Excel serial 45809
    assert stored["SN300"].attributes == {"battery_lot": "BL-1", "glass_thickness_mm": "0.7"}
    assert stored["SN301"].attributes["glass_thickness_mm"] == "1"
    rejects = read_rejects(Path(result.rejects_path or ""))
    # sheet row 5: two title rows (one blank), the header on row 3, data from row 4
    assert [(r["_row"], r["_error"], r["serial"]) for r in rejects] == [
        ("6", 'production_date: "not a date" is not a date', "30302")
    ]


def test_reimport_stores_nothing_twice_and_updates_changed_rows(
    engine: Engine, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "u.csv", HEADER, GOOD)
    import_file(engine, table="units", path=source)
    again = import_file(engine, table="units", path=source)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert len(units(engine)) == 3

    changed = [
        [
            "SN001",
            "PX9",
            "PX9-2503B",
            "2025-03-02",
            "",
            "华东",
            "BL-2508",
            "",
        ],
        GOOD[1],
        ["SN004", "PX9", "", "", "", "", "", ""],
    ]
    header = [*HEADER, "firmware"]
    source = write_csv(tmp_path / "u2.csv", header, [[*row, "3.1"] for row in changed])
    result = import_file(engine, table="units", path=source)
    assert (result.inserted, result.updated, result.unchanged) == (1, 2, 0)
    unit = units(engine)["SN001"]
    assert unit.batch == "PX9-2503B"  # a new value replaces the stored one
    assert unit.ship_date == dt.date(2025, 3, 9)  # an empty cell does not erase it
    assert unit.attributes == {
        "battery_lot": "BL-2508",
        "glass_thickness_mm": "0.7",
        "firmware": "3.1",
    }


def test_dry_run_counts_but_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    rows = [*GOOD, ["", "PX9", "", "", "", "", "", ""]]
    result = import_file(
        engine, table="units", path=write_csv(tmp_path / "u.csv", HEADER, rows), dry_run=True
    )
    assert (result.inserted, result.rejected) == (3, 1)
    assert units(engine) == {}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("u.csv", "product,batch\nPX9,B1\n", "missing required column(s) for units: serial"),
        ("u.csv", "", "the file has no header row"),
        ("u.pdf", "serial,product\n", 'unsupported file type ".pdf"'),
        ("u.csv", "serial,product,SN,x\n", 'columns "serial" and "SN" both mean serial'),
    ],
)
def test_unreadable_files_raise_input_error_naming_the_file(
    engine: Engine, tmp_path: Path, name: str, content: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        import_file(engine, table="units", path=path)
    assert reason in str(raised.value)
    assert raised.value.file == str(path)
    assert units(engine) == {}


def test_missing_file(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        import_file(engine, table="units", path=tmp_path / "nope.csv")
