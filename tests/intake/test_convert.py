"""The column-wise chunk path gives exactly what the row-by-row reference path gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qloop.intake.convert import RowConverter
from qloop.intake.records import SPECS, RowError

# Values chosen to hit every branch: valid, empty, wrong, over-long, other formats
TEXT = st.sampled_from(["", "SN1", "SN2", "PX9", "华东", " ", "x" * 101, "electrical", "电气故障"])
DATE = st.sampled_from(
    [
        "",
        "2026-05-01",
        "2026/5/1",
        "2026年5月1日",
        "2026-13-45",
        "2026-W18-1",
        "2026-05-01 10:00",
        "2026-05-01T10:00:00+08:00",
        "soon",
        "20260501",
    ]
)
SAMPLES: dict[str, Any] = {
    "channel": st.sampled_from(["", "hotline", "客服热线", "fax", "IOT"]),
    "severity": st.sampled_from(["", "urgent", "紧急", "high"]),
    "status": st.sampled_from(["", "new", "处理中", "done"]),
    "score": st.sampled_from(["", "1", "5", "4.0", "6", "x", "3.5"]),
    "resolved": st.sampled_from(["", "true", "否", "maybe"]),
    "parts": st.sampled_from(["", "a;b", ";"]),
    "failure_mode": st.sampled_from(["", "Battery Swelling", "y" * 101]),
    "category": st.sampled_from(["", "电气故障", "Mechanical", "z" * 101]),
}


def header_and_cells(table: str) -> st.SearchStrategy[tuple[list[str], list[list[str]]]]:
    spec = SPECS[table]
    header = [f.name for f in spec.fields] + ["extra_a", "extra_b"]
    strategies = [
        SAMPLES.get(f.name, DATE if f.parse is not None and "date" in f.parse.__name__ else TEXT)
        for f in spec.fields
    ] + [TEXT, TEXT]
    row = st.tuples(*strategies).map(list)
    ragged = st.one_of(
        row,
        row.map(lambda r: r[:-3]),
        row.map(lambda r: [*r, "surplus"]),
        row.map(lambda r: [*r, ""]),
    )
    return st.tuples(st.just(header), st.lists(ragged, min_size=1, max_size=25))


def reference(converter: RowConverter, rows: list[list[str]]) -> tuple[list[Any], list[Any]]:
    records, rejected = [], []
    for number, cells in enumerate(rows, start=2):
        try:
            records.append((number, converter.convert(cells)))
        except RowError as error:
            rejected.append((number, str(error)))
    return records, rejected


@pytest.mark.parametrize("table", sorted(SPECS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_chunk_path_equals_reference_path(table: str, data: st.DataObject) -> None:
    header, rows = data.draw(header_and_cells(table))
    converter = RowConverter(SPECS[table], header, file="t.csv")
    numbered = list(enumerate(rows, start=2))
    chunk = converter.convert_chunk(numbered, text_only=True)
    expected_records, expected_rejected = reference(converter, rows)
    assert [(n, chunk.record(i)) for i, n in enumerate(chunk.row_numbers)] == expected_records
    assert [(n, reason) for n, _cells, reason in chunk.rejected] == expected_rejected
