"""Files as real exports come: broken quotes, stray cells, NULs, odd dates, rejects re-imported."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.errors import InputError
from qloop.intake.models import Case, Repair, Unit
from qloop.intake.service import import_file
from tests.files import read_rejects, write_csv, write_xlsx


def stored(engine: Engine, model: type) -> dict[str, object]:
    key = {Unit: "serial", Case: "case_id", Repair: "repair_id"}[model]
    with Session(engine) as session:
        return {getattr(row, key): row for row in session.scalars(select(model))}


def test_a_quote_that_never_closes_refuses_the_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text('serial,product,note\nQ1,PX9,"unterminated\nQ2,PX9,ok\nQ3,PX9,ok\n')
    with pytest.raises(InputError, match="malformed CSV: the row starting on line 2"):
        import_file(engine, table="units", path=path)
    assert stored(engine, Unit) == {}


def test_long_quoted_cells_are_kept(engine: Engine, tmp_path: Path) -> None:
    text = "长" * 200_000
    path = write_csv(
        tmp_path / "c.csv",
        ["case_id", "received_at", "channel", "description"],
        [["C1", "2026-05-01", "app", f"{text}, with a comma"]],
    )
    assert import_file(engine, table="cases", path=path).inserted == 1
    assert stored(engine, Case)["C1"].description == f"{text}, with a comma"  # type: ignore[attr-defined]


def test_values_under_a_blank_header_are_rejected_not_dropped(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "u.csv"
    path.write_text("serial,product,,supplier\nF1,PX9,stray,ACME\nF2,PX9,,ACME\n")
    result = import_file(engine, table="units", path=path)
    assert (result.inserted, result.rejected) == (1, 1)
    rejects = read_rejects(Path(result.rejects_path or ""))
    assert rejects[0]["_error"] == 'value "stray" in column 3, which has no header'
    assert rejects[0][""] == "stray"  # kept in the rejects file, under its (empty) header


def test_nul_characters_reject_the_row_on_every_database(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(
        b"serial,product,region,note\nN1,PX9,AC\x00ME,x\nN2,PX9,ok,y\nN3,PX9,ok,z\x00\n"
    )
    result = import_file(engine, table="units", path=path)
    assert (result.inserted, result.rejected) == (1, 2)
    errors = [r["_error"] for r in read_rejects(Path(result.rejects_path or ""))]
    assert errors == [
        "region: contains a NUL character (a damaged export?)",
        "note: contains a NUL character (a damaged export?)",
    ]


def test_title_rows_above_a_semicolon_header(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("Units export, plant 2\n\nserial;product;ship_date\nA1;PX9;2026-05-01\n")
    assert import_file(engine, table="units", path=path).inserted == 1
    assert stored(engine, Unit)["A1"].ship_date == dt.date(2026, 5, 1)  # type: ignore[attr-defined]


def test_utf16_unicode_text_from_excel(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "units.txt"
    path.write_text("序列号\t产品\t区域\nU1\tPX9\t华东\n", encoding="utf-16")
    assert import_file(engine, table="units", path=path).inserted == 1
    assert stored(engine, Unit)["U1"].region == "华东"  # type: ignore[attr-defined]


def test_a_fixed_rejects_file_imports_cleanly_again(engine: Engine, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "u.csv",
        ["serial", "product", "ship_date"],
        [["E1", "PX9", "2026-13-01"], ["E2", "PX9", "someday"]],
    )
    first = import_file(engine, table="units", path=source)
    rejects = Path(first.rejects_path or "")
    rows = read_rejects(rejects)
    rows[0]["ship_date"] = "2026-03-01"  # the user fixes one row, not the other
    again = write_csv(tmp_path / "fixed.csv", list(rows[0]), [list(r.values()) for r in rows])
    second = import_file(engine, table="units", path=again)
    assert (second.inserted, second.rejected) == (1, 1)
    assert stored(engine, Unit)["E1"].attributes == {}  # type: ignore[attr-defined]
    header = list(read_rejects(Path(second.rejects_path or ""))[0])
    assert header == ["serial", "product", "ship_date", "_row", "_error"]


def test_repeated_attribute_headers_are_kept_apart(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "u.csv",
        ["serial", "product", "备注", "备注"],
        [["R1", "PX9", "first", "second"]],
    )
    assert import_file(engine, table="units", path=path).inserted == 1
    assert stored(engine, Unit)["R1"].attributes == {"备注": "first", "备注_2": "second"}  # type: ignore[attr-defined]


def test_reimport_rejects_a_row_whose_merge_breaks_time_order(
    engine: Engine, tmp_path: Path
) -> None:
    header = ["repair_id", "serial", "opened_at", "closed_at"]
    import_file(
        engine,
        table="repairs",
        path=write_csv(
            tmp_path / "r1.csv",
            header,
            [
                ["R1", "S1", "2026-05-01 09:00", "2026-05-02 17:00"],
                ["R2", "S2", "2026-05-01 09:00", ""],
            ],
        ),
    )
    result = import_file(
        engine,
        table="repairs",
        path=write_csv(
            tmp_path / "r2.csv",
            header,
            [
                ["R1", "S1", "2026-05-03 09:00", ""],  # the stored closed_at would now come first
                ["R2", "S2", "2026-05-01 09:00", "2026-05-01 12:00"],
            ],
        ),
    )
    assert (result.updated, result.rejected) == (1, 1)
    reason = read_rejects(Path(result.rejects_path or ""))[0]["_error"]
    assert reason.startswith("closed_at: 2026-05-02 17:00:00 is before opened_at 2026-05-03")
    repairs = stored(engine, Repair)
    assert repairs["R1"].opened_at == dt.datetime(2026, 5, 1, 9)  # type: ignore[attr-defined]
    assert repairs["R2"].closed_at == dt.datetime(2026, 5, 1, 12)  # type: ignore[attr-defined]


def test_rejects_path_that_is_a_folder_is_refused_before_anything_is_stored(
    engine: Engine, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "u.csv", ["serial", "product"], [["E1", "PX9"], ["", "PX9"]])
    (tmp_path / "rejdir").mkdir()
    with pytest.raises(InputError, match="the rejects path is a folder"):
        import_file(engine, table="units", path=source, rejects_path=tmp_path / "rejdir")
    assert stored(engine, Unit) == {}


def test_xlsx_with_a_wrong_dimension_is_read_whole(engine: Engine, tmp_path: Path) -> None:
    good = write_xlsx(
        tmp_path / "good.xlsx",
        ["serial", "product", "supplier"],
        [[f"X{i}", "PX9", "ACME"] for i in range(5)],
    )
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="A1:C6" ?/>', b'<dimension ref="A1:B3"/>', data)
                assert b'ref="A1:B3"' in data
            target.writestr(item, data)
    result = import_file(engine, table="units", path=bad)
    assert result.inserted == 5
    assert stored(engine, Unit)["X4"].attributes == {"supplier": "ACME"}  # type: ignore[attr-defined]


def test_damaged_xlsx_sheet_is_an_input_error(engine: Engine, tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", ["serial", "product"], [["X1", "PX9"]])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    with pytest.raises(InputError, match="not a readable XLSX"):
        import_file(engine, table="units", path=bad)


def test_excel_serials_round_to_the_second_and_follow_the_1904_system(
    engine: Engine, tmp_path: Path
) -> None:
    header = ["case_id", "received_at", "channel", "description"]
    path = write_xlsx(tmp_path / "c.xlsx", header, [["C1", 46143.9986111111, "app", "x"]])
    import_file(engine, table="cases", path=path)
    assert stored(engine, Case)["C1"].received_at == dt.datetime(2026, 5, 1, 23, 58)  # type: ignore[attr-defined]

    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook.epoch = dt.datetime(1904, 1, 1)  # the Mac date system
    workbook.active["A2"] = "C2"
    workbook.active["B2"] = 44681.41666666666
    workbook.save(tmp_path / "mac.xlsx")
    import_file(engine, table="cases", path=tmp_path / "mac.xlsx")
    assert stored(engine, Case)["C2"].received_at == dt.datetime(2026, 5, 1, 10)  # type: ignore[attr-defined]
