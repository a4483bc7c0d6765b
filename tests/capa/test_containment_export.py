"""CSV injection: no cell of a containment CSV starts a formula in a spreadsheet.

The guard itself (:mod:`qloop.reports.csv_cells`) with hypothesis: any text written and
read back through the csv module is the text or the text behind one quote, and never
starts with a formula trigger unless it is a plain negative number; numbers pass as they
are. Then the containment CSV (the writer, the CLI and the API) with hostile serials,
batches, regions, attribute names and values, on both back ends."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.capa.containment import AffectedUnit, Containment
from qloop.capa.containment_export import write_containment_csv
from qloop.capa.containment_filter import ContainmentFilter
from qloop.cli import app
from qloop.core.db import session_scope
from qloop.intake.models import Product, Unit
from qloop.reports.csv_cells import csv_cell, csv_row

#: OWASP's list, written out here rather than imported: the test is the independent check
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DDE = "-2+3+cmd|' /C calc'!A0"
runner = CliRunner()


def plain_negative(cell: str) -> bool:
    """``-`` then ASCII digits with at most one inner decimal point: a number, not a formula."""
    digits = cell[1:].split(".")
    return (
        cell.startswith("-")
        and len(digits) <= 2
        and all(part.isascii() and part.isdigit() for part in digits)
    )


def round_trip(values: list[Any]) -> list[str]:
    """The row written by ``csv.writer`` as the guard prepares it, read back by ``csv.reader``."""
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerow(csv_row(values))
    (row,) = csv.reader(io.StringIO(text.getvalue(), newline=""))
    return row


def check_cell(value: str, cell: str) -> None:
    assert cell in (value, "'" + value)
    assert not cell.startswith(TRIGGERS) or plain_negative(cell), repr(cell)
    if not value.startswith(TRIGGERS):
        assert cell == value  # nothing quoted that needs no quote
    if cell != value:
        assert cell[1:] == value  # readable: drop the one quote


texts = st.text() | st.builds(lambda t, rest: t + rest, st.sampled_from(TRIGGERS), st.text())


@given(st.lists(texts, min_size=1, max_size=5))
@example(['=HYPERLINK("http://x","y")', "+8613800000000", "@SUM(A1)", "\t=1+1", "\r=1"])
@example([DDE, "-3", "-20.5", "-", "-.5", "-3.", "-1e5", "-٣", "-3\n", "'=1", "=", ""])
def test_any_text_round_trips_and_never_starts_a_formula(values: list[str]) -> None:
    row = round_trip(values)
    assert len(row) == len(values)
    for value, cell in zip(values, row, strict=True):
        check_cell(value, cell)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("-3", "-3"),  # a negative number as text: a number to every spreadsheet
        ("-20.5", "-20.5"),
        ("-3.", "'-3."),
        ("-1e5", "'-1e5"),
        ("-٣", "'-٣"),  # not ASCII digits
        ("+3", "'+3"),  # no number is written with a plus sign: text
        ("+86 138 0013 8000", "'+86 138 0013 8000"),
        (DDE, "'" + DDE),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("'=1", "'=1"),  # already starts with a quote: nothing to run
    ],
)
def test_text_cells_by_hand(value: str, cell: str) -> None:
    assert csv_cell(value) == cell
    assert round_trip([value]) == [cell]


@given(st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.decimals(
    allow_nan=False, allow_infinity=False))  # fmt: skip
def test_numbers_are_left_alone(number: int | float | Decimal) -> None:
    assert csv_cell(number) is number
    (cell,) = round_trip([number])
    assert type(number)(cell) == number


def test_none_and_dates() -> None:
    assert csv_row([None, dt.date(2026, 1, 5), True, 0]) == ["", dt.date(2026, 1, 5), True, 0]


HOSTILE_UNIT = {  # column -> hostile value
    "serial": '=HYPERLINK("http://evil","A1")',
    "batch": "+8613800000000",
    "region": "@SUM(1+1)*cmd|' /C calc'!A0",
}
HOSTILE_VALUES = {"=cmd": DDE, "temp": "-20", "note": "\t=1+1"}


def test_the_writer_guards_headers_and_every_cell() -> None:
    conditions = [(name, "x") for name in HOSTILE_VALUES]
    found = Containment(ContainmentFilter.checked(product="P1", conditions=conditions),
                        1, 0, 1, 0, {}, ())  # fmt: skip
    unit = AffectedUnit(HOSTILE_UNIT["serial"], "-P1", HOSTILE_UNIT["batch"],
                        HOSTILE_UNIT["region"], dt.date(2026, 1, 5), None, False, -3, None,
                        HOSTILE_VALUES)  # fmt: skip
    text = io.StringIO(newline="")
    assert write_containment_csv(found, [unit], text, bom=False) == 1
    header, row = csv.reader(io.StringIO(text.getvalue(), newline=""))
    assert header[-3:] == ["'=cmd", "temp", "note"]
    assert row == ["'" + HOSTILE_UNIT["serial"], "'-P1", "'+8613800000000",
                   "'" + HOSTILE_UNIT["region"], "2026-01-05", "", "no", "-3", "",
                   "'" + DDE, "-20", "'\t=1+1"]  # fmt: skip
    for value, cell in zip([*HOSTILE_UNIT.values(), *HOSTILE_VALUES.values()],
                           [row[0], row[2], row[3], *row[9:]], strict=True):  # fmt: skip
        check_cell(value, cell)


@pytest.fixture
def hostile(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        session.add(Product(code="P1"))
        session.flush()
        session.add(Unit(serial=HOSTILE_UNIT["serial"], product="P1",
                         batch=HOSTILE_UNIT["batch"], region=HOSTILE_UNIT["region"],
                         attributes={"supplier": "Wuxi", **HOSTILE_VALUES}))  # fmt: skip
        session.add(Unit(serial="A2", product="P1", attributes={"supplier": "Wuxi"}))
    return engine


def test_cli_and_api_csv_are_guarded(
    hostile: Engine, db_url: str, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    expected = [
        ["Serial", "Product", "Batch", "Region", "Production date", "Ship date", "Shipped",
         "Cases", "First case", "supplier", "temp", "note"],
        ["'" + HOSTILE_UNIT["serial"], "P1", "'+8613800000000", "'" + HOSTILE_UNIT["region"],
         "", "", "no", "0", "", "Wuxi", "-20", "'\t=1+1"],
        ["A2", "P1", "", "", "", "", "no", "0", "", "Wuxi", "", ""],
    ]  # fmt: skip
    options = ["--product", "P1", "--attribute", "supplier", "--value", "Wuxi",
               "--attribute", "temp", "--value", "-20", "--attribute", "note", "--value",
               "\t=1+1"]  # fmt: skip
    out = tmp_path / "units.csv"
    made = runner.invoke(app, ["--db", db_url, "containment", *options, "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert list(csv.reader(io.StringIO(out.read_text("utf-8-sig"), newline=""))) == expected[:2]
    url = "/api/v1/containment/export?format=csv&product=P1&attribute=supplier&value=Wuxi"
    answer = client.get(url, headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert rows == [row[:10] for row in expected]  # supplier alone: one value column
