"""Readers: the fast CSV path equals the csv module; encodings, header search, XLSX."""

from __future__ import annotations

import csv
import io
from itertools import chain
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qloop.core.errors import InputError
from qloop.intake.csv_reader import detect_delimiter
from qloop.intake.readers import TableFile
from qloop.intake.text_encoding import detect_encoding


def rows_by_csv_module(text: str) -> list[tuple[int, list[str]]]:
    """The reference: csv module rows, trimmed, blank ones dropped, numbered by first line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, end = [], 0
    for cells in reader:
        start, end = end + 1, reader.line_num
        stripped = [c.strip() for c in cells]
        if any(stripped):
            rows.append((start, stripped))
    return rows


def read_all(path: Path) -> list[tuple[int, list[str]]]:
    with TableFile(path, sheet=None, is_header=lambda cells: True) as table:
        return [(table.header_row, list(table.header)), *chain.from_iterable(table.batches(7))]


cell = st.text(alphabet=st.sampled_from(list('ab 1-,"\n\r\t；电池\u3000')), max_size=6)
line_end = st.sampled_from(["\n", "\r\n"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(cell, min_size=1, max_size=4), min_size=1, max_size=12),
    line_end,
    st.booleans(),
)
def test_csv_reading_matches_the_csv_module(
    tmp_path_factory: object, table: list[list[str]], newline: str, quote_all: bool
) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerows([["head", "x"], *table])
    text = buffer.getvalue()
    path = Path(tmp_path_factory.mktemp("csv")) / "t.csv"  # type: ignore[attr-defined]
    path.write_text(text, encoding="utf-8", newline="")
    assert read_all(path) == rows_by_csv_module(text)


def test_quote_free_blocks_then_quoted_cells_keep_line_numbers(tmp_path: Path) -> None:
    plain = "".join(f"SN{i},ok\n" for i in range(3000))  # several blocks without quotes
    text = "serial,note\n" + plain + 'SNQ,"two\nlines"\nSNZ,last\n'
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    rows = read_all(path)
    assert rows == rows_by_csv_module(text)
    assert rows[-2] == (3002, ["SNQ", "two\nlines"]) and rows[-1] == (3004, ["SNZ", "last"])


def encoding_of(data: bytes) -> str:
    return detect_encoding(io.BytesIO(data), file="t.csv")


def test_encoding_detection() -> None:
    assert encoding_of("序列号,产品\n".encode("gbk")) == "gb18030"
    assert encoding_of("序列号,产品\n".encode()) == "utf-8-sig"
    assert encoding_of("序列号,产品\n".encode("utf-16")) == "utf-16"
    late_gbk = b"a,b\n" * 300_000 + "电池\n".encode("gbk")  # past the first megabyte
    assert encoding_of(late_gbk) == "gb18030"
    assert encoding_of("省份,产品\n".encode("gbk")) == "gb18030"  # starts like UTF-8 (CA A1)


def test_undecodable_and_mixed_files_are_refused_with_the_line() -> None:
    with pytest.raises(InputError, match=r"neither UTF-8 nor GBK/GB18030 text \(line 3\)"):
        encoding_of("a,b\nc,d\nSociété,x\n".encode("cp1252") + b"\x80\n")
    mixed = "序列号,区域\n".encode() + "SN1,华东\n".encode() * 5 + "SN2,华南\n".encode("gbk")
    with pytest.raises(InputError, match="mixes text encodings: UTF-8 before line 7"):
        encoding_of(mixed)
    with pytest.raises(InputError, match="mixes text encodings"):
        encoding_of(b"\xef\xbb\xbf" + "序列号,产品\n".encode("gbk"))  # a BOM on GBK text


def test_delimiter_is_the_one_that_makes_a_header() -> None:
    def has_serial(cells: list[str]) -> bool:
        return "serial" in cells and "product" in cells

    assert detect_delimiter(iter(["serial;product;x\n"]), has_serial) == ";"
    assert (
        detect_delimiter(iter(["Units export, week 18\n", "\n", "serial;product\n"]), has_serial)
        == ";"
    )
    assert (
        detect_delimiter(iter(["Export\tof units, week 18\n", "serial\tproduct\n"]), has_serial)
        == "\t"
    )
    assert detect_delimiter(iter(["a;b;c\n"]), has_serial) == ";"  # no header: commonest
    assert detect_delimiter(iter(["single\n"]), has_serial) == ","


def test_header_found_below_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "Repair export,,\n,,\nexported by: qa,,\nserial,product,x\nSN1,PX9,1\n", encoding="utf-8"
    )
    with TableFile(path, sheet=None, is_header=lambda c: "serial" in c) as table:
        assert (table.header_row, table.header) == (4, ["serial", "product", "x"])
        assert list(table.batches(10)) == [[(5, ["SN1", "PX9", "1"])]]


plain_cell = st.text(alphabet=st.sampled_from(list("ab1- \t\u3000\xa0电池;")), max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(plain_cell, min_size=1, max_size=4), min_size=1, max_size=12), line_end)
def test_quote_free_files_match_the_csv_module(
    tmp_path_factory: object, table: list[list[str]], newline: str
) -> None:
    """Files with no quote at all take the split path: trimmed or not, rows are the same."""
    text = "head,x" + newline + "".join(",".join(row) + newline for row in table)
    path = Path(tmp_path_factory.mktemp("csv")) / "t.csv"  # type: ignore[attr-defined]
    path.write_text(text, encoding="utf-8", newline="")
    assert read_all(path) == rows_by_csv_module(text)
