"""Containment: counts by hand at the as-of boundary, by region, cases per unit with and
without a failure mode, conditions ANDed, every suspect row finding its units, the CSV and
XLSX exports, CLI = API and paging, on both back ends; and the demo against pandas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.capa.containment import (
    Containment,
    affected_units,
    find_affected_units,
    iter_affected_units,
)
from qloop.capa.containment_export import write_containment_csv, write_containment_xlsx
from qloop.capa.containment_filter import ContainmentFilter, pair_conditions
from qloop.cli import app
from qloop.core.clock import now
from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.intake.models import Case, Channel, Product, Unit

D = dt.date
AS_OF = D(2026, 3, 1)
WUXI = "Wuxi Hongli Precision"
runner = CliRunner()


@pytest.fixture
def field(engine: Engine) -> Engine:
    """P1: A1-A6 (five with the Wuxi supplier), P2: Q1; cases on A1, A3, A5, Q1 and others."""
    units = [  # serial, batch, region, built, shipped, attributes
        ("A1", "L1", "north", D(2026, 1, 5), D(2026, 2, 1),
         {"supplier": WUXI, "lot": 7, "hot": True, "fw": 1.0}),
        ("A2", "L1", "north", D(2026, 1, 6), AS_OF,  # shipped on the as-of day: shipped
         {"supplier": WUXI, "lot": 7, "hot": True, "fw": 1}),
        ("A3", "L1", "south", D(2026, 1, 7), D(2026, 3, 2),  # a day later: not shipped
         {"supplier": WUXI, "lot": "7", "hot": False}),
        ("A4", "L1", None, D(2026, 1, 8), None, {"supplier": WUXI, "lot": 7, "hot": 1}),
        ("A5", "L2", "south", D(2026, 2, 1), D(2026, 2, 10),
         {"supplier": "Harbin", "lot": 8, "hot": True, 'say "hi"': "yes", "region": "x"}),
        ("A6", "L2", "north", None, D(2026, 2, 10), {"supplier": WUXI, "lot": 8}),
    ]  # fmt: skip
    cases = [  # serial, failure mode, received
        ("A1", "vibration", dt.datetime(2026, 2, 10, 8)),
        ("A1", "vibration", dt.datetime(2026, 2, 20)),
        ("A1", "noise", dt.datetime(2026, 2, 5, 23, 59)),
        ("A3", "noise", dt.datetime(2026, 1, 20)),  # before it shipped: still its case
        ("A5", "vibration", dt.datetime(2026, 2, 15)),
        ("Q1", "vibration", dt.datetime(2026, 2, 1)),
        (None, "vibration", dt.datetime(2026, 2, 1)),
        ("ZZ", "vibration", dt.datetime(2026, 2, 1)),  # a unit qloop has never seen
    ]
    with session_scope(engine) as session:
        session.add_all([Product(code="P1"), Product(code="P2")])
        session.flush()
        for serial, batch, region, built, ship, attributes in units:
            session.add(Unit(serial=serial, product="P1", batch=batch, region=region,
                             production_date=built, ship_date=ship,
                             attributes=attributes))  # fmt: skip
        session.add(Unit(serial="Q1", product="P2", batch="L1", region="north",
                         attributes={"supplier": WUXI, "lot": 7}))  # fmt: skip
        for k, (on, mode, received) in enumerate(cases):
            session.add(Case(case_id=f"C{k}", received_at=received, channel=Channel.HOTLINE,
                             serial=on, failure_mode=mode, description=mode,
                             attributes={}))  # fmt: skip
    return engine


def contain(engine: Engine, **options: Any) -> Containment:
    with session_scope(engine) as session:
        arguments: dict[str, Any] = {"product": "P1", "as_of": AS_OF} | options
        return find_affected_units(session, **arguments)


def counts(found: Containment) -> tuple[int, int, int, int]:
    return found.units, found.shipped, found.not_shipped, found.with_cases


def test_counts_at_the_as_of_boundary_and_by_region(field: Engine) -> None:
    found = contain(field, conditions=[("supplier", WUXI)])
    assert counts(found) == (5, 3, 2, 2)  # A2 shipped on the day; A3 the day after, A4 never
    answer = found.as_json()
    assert answer["by_region"] == {
        "north": {"units": 3, "shipped": 3, "not_shipped": 0, "with_cases": 1},
        "south": {"units": 1, "shipped": 0, "not_shipped": 1, "with_cases": 1},
        "": {"units": 1, "shipped": 0, "not_shipped": 1, "with_cases": 0},  # no region, last
    }
    assert list(answer["by_region"]) == ["north", "south", ""]
    assert answer["filter"] == {"product": "P1", "conditions": [{"attribute": "supplier",
                                "value": WUXI}], "built_from": None, "built_to": None,
                                "as_of": "2026-03-01", "failure_mode": None}  # fmt: skip
    items = {item["serial"]: item for item in answer["items"]}
    assert list(items) == ["A1", "A2", "A3", "A4", "A6"]
    assert items["A1"] == {"serial": "A1", "product": "P1", "batch": "L1", "region": "north",
                           "production_date": "2026-01-05", "ship_date": "2026-02-01",
                           "shipped": True, "cases": 3, "first_case": "2026-02-05",
                           "values": {"supplier": WUXI}}  # fmt: skip
    assert [items[s]["shipped"] for s in items] == [True, True, False, False, True]
    assert (items["A3"]["cases"], items["A3"]["first_case"]) == (1, "2026-01-20")
    assert (items["A4"]["region"], items["A4"]["ship_date"], items["A4"]["cases"]) == (
        None, None, 0)  # fmt: skip
    day_before = contain(field, conditions=[("supplier", WUXI)], as_of=D(2026, 2, 28))
    assert counts(day_before) == (5, 2, 3, 2)  # A2 not yet
    assert counts(contain(field)) == (6, 4, 2, 3)  # no condition: every unit of P1


def test_cases_of_a_failure_mode(field: Engine) -> None:
    found = contain(field, conditions=[("supplier", WUXI)], failure_mode="vibration")
    assert counts(found) == (5, 3, 2, 1)
    items = {item.serial: item for item in found.items}
    assert (items["A1"].cases, items["A1"].first_case) == (2, D(2026, 2, 10))
    assert (items["A3"].cases, items["A3"].first_case) == (0, None)
    assert found.by_region["south"].with_cases == 0
    assert contain(field, failure_mode="noise").with_cases == 2
    assert contain(field, failure_mode="nothing").with_cases == 0


def test_conditions_are_anded(field: Engine) -> None:
    lot = contain(field, conditions=[("supplier", WUXI), ("lot", "7")])
    assert [i.serial for i in lot.items] == ["A1", "A2", "A3", "A4"]  # 7 and "7" both write 7
    assert lot.items[2].values == {"supplier": WUXI, "lot": "7"}
    hot = contain(field, conditions=[("supplier", WUXI), ("lot", "7"), ("batch", "L1"),
                                     ("hot", "true")])  # fmt: skip
    assert [i.serial for i in hot.items] == ["A1", "A2"]
    assert hot.items[0].values == {"supplier": WUXI, "lot": "7", "hot": "true"}  # batch: a field
    assert counts(hot) == (2, 2, 0, 1)
    assert [i.serial for i in contain(field, conditions=[("hot", "1")]).items] == ["A4"]
    assert [i.serial for i in contain(field, conditions=[("fw", "1.0")]).items] == ["A1"]
    assert [i.serial for i in contain(field, conditions=[("fw", "1")]).items] == ["A2"]
    built = contain(field, conditions=[("supplier", WUXI)], built_from=D(2026, 1, 6),
                    built_to=D(2026, 1, 7))  # fmt: skip
    assert [i.serial for i in built.items] == ["A2", "A3"]  # A6 has no production date
    assert contain(field, conditions=[("lot", "7"), ("lot", "8")]).units == 0
    assert contain(field, conditions=[("no_such_key", "7")]).units == 0
    assert contain(field, conditions=[("lot", "07")]).units == 0  # 7 is written 7
    assert contain(field, product="NOPE").units == 0
    twice = contain(field, conditions=[("lot", "8"), ("lot", "8")])
    assert twice.filter.conditions == (("lot", "8"),) and twice.units == 2


def test_every_suspect_row_finds_its_units(field: Engine, db_url: str) -> None:
    """Each row of ``qloop suspects --format json``, given as the condition, finds as many
    units as the row says, each with the row's value: numbers (1 and 1.0 apart), booleans
    (true apart from 1), strings, unit columns, a key named like a column, quotes in a key."""
    made = runner.invoke(app, ["--db", db_url, "suspects", "--failure-mode", "vibration",
                               "--product", "P1", "--format", "json"])  # fmt: skip
    assert made.exit_code == 0, made.output
    rows = json.loads(made.stdout)["suspects"]
    attributes = {row["attribute"] for row in rows}
    assert {"batch", "region", "supplier", "lot", "hot", "fw", "attributes.region",
            'say "hi"'} <= attributes  # fmt: skip
    assert {("hot", "1"), ("hot", "true"), ("fw", "1.0"), ("fw", "1"), ("lot", "7")} <= {
        (row["attribute"], row["value"]) for row in rows
    }
    for row in rows:
        condition = [(row["attribute"], row["value"])]
        found = contain(field, conditions=condition)
        assert found.units == row["units"], row
        failed = contain(field, conditions=condition, failure_mode="vibration")
        assert failed.with_cases == row["failures"], row
        for item in found.items:
            written = getattr(item, row["attribute"], None) or item.values[row["attribute"]]
            assert written == row["value"], (row, item)


def test_bad_input_names_the_option(field: Engine, db_url: str) -> None:
    refused: list[tuple[dict[str, Any], str]] = [
        ({"product": " "}, "product"),
        ({"conditions": [(" ", "x")]}, "attribute"),
        ({"conditions": [("lot", "")]}, "value"),
        ({"built_from": D(2026, 2, 1), "built_to": D(2026, 1, 1)}, "built_from"),
        ({"as_of": D(1800, 1, 1)}, "as_of"),
        ({"built_to": D(2300, 1, 1)}, "built_to"),
        ({"failure_mode": ""}, "failure_mode"),
    ]
    with session_scope(field) as session:
        for options, column in refused:
            arguments: dict[str, Any] = {"product": "P1"} | options
            with pytest.raises(InputError) as raised:
                find_affected_units(session, **arguments)
            assert raised.value.column == column, options
        with pytest.raises(InputError, match="offset"):
            find_affected_units(session, product="P1", offset=-1)
    with pytest.raises(InputError, match="value without an attribute") as raised:
        pair_conditions(["lot"], ["7", "8"])
    assert raised.value.column == "value"
    with pytest.raises(InputError, match="attribute without a value"):
        pair_conditions(["lot", "hot"], ["7"])
    cli = runner.invoke(app, ["--db", db_url, "containment", "--product", "P1", "--value", "7"])
    assert cli.exit_code == 2 and "column value" in cli.output
    cli = runner.invoke(app, ["--db", db_url, "containment", "--product", "P1", "--as-of", "x"])
    assert cli.exit_code == 2 and "--as-of" in cli.output
    cli = runner.invoke(app, ["--db", db_url, "containment", "--product", "P1", "--built-from",
                              "2026-02-01", "--built-to", "2026-01-01"])  # fmt: skip
    assert cli.exit_code == 2 and "built_from" in cli.output
    cli = runner.invoke(app, ["--db", db_url, "containment", "--product", "P1", "--format",
                              "xlsx"])  # fmt: skip
    assert cli.exit_code == 2 and "--out" in cli.output


def test_streamed_items_are_the_page_items(field: Engine) -> None:
    checked = ContainmentFilter.checked(product="P1", as_of=AS_OF, failure_mode="vibration")
    with session_scope(field) as session:
        everything = affected_units(session, checked)
        streamed = list(iter_affected_units(session, checked, chunk=2))
        page = affected_units(session, checked, limit=2, offset=3)
        nothing = affected_units(session, checked, limit=0)
    assert streamed == list(everything.items) and len(streamed) == 6
    assert page.items == everything.items[3:5] and counts(page) == counts(everything)
    assert nothing.items == () and nothing.by_region == everything.by_region


def exported(engine: Engine, lang: str) -> tuple[Containment, str, Any]:
    checked = ContainmentFilter.checked(product="P1", conditions=[("supplier", WUXI),
                                        ("lot", "7")], as_of=AS_OF)  # fmt: skip
    with session_scope(engine) as session:
        found = affected_units(session, checked, limit=0)
        text = io.StringIO(newline="")
        assert write_containment_csv(found, iter_affected_units(session, checked), text,
                                     lang=lang) == 4  # fmt: skip
        data = io.BytesIO()
        assert write_containment_xlsx(found, iter_affected_units(session, checked), data,
                                      lang=lang) == 4  # fmt: skip
    return found, text.getvalue(), load_workbook(io.BytesIO(data.getvalue()))


def test_csv_has_a_bom_and_chinese_headers(field: Engine) -> None:
    _found, text, _book = exported(field, "zh")
    data = text.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["序列号", "产品", "批次", "地区", "生产日期", "发货日期", "已发货", "案例数",
                       "首次报修", "supplier", "lot"]  # fmt: skip
    assert rows[1] == ["A1", "P1", "L1", "north", "2026-01-05", "2026-02-01", "是", "3",
                       "2026-02-05", WUXI, "7"]  # fmt: skip
    assert rows[4] == ["A4", "P1", "L1", "", "2026-01-08", "", "否", "0", "", WUXI, "7"]
    english = exported(field, "en")[1]
    assert english.startswith("\ufeffSerial,Product,Batch,Region,Production date,Ship date,"
                              "Shipped,Cases,First case,supplier,lot\r\n")  # fmt: skip
    assert "\r\nA3,P1,L1,south,2026-01-07,2026-03-02,no,1,2026-01-20," in english


def test_xlsx_header_block_table_and_regions(field: Engine) -> None:
    found, _text, book = exported(field, "zh")
    units, regions = book.worksheets
    assert (units.title, regions.title) == ("设备清单", "按地区")
    block = {row[0]: row[1] for row in units.iter_rows(min_row=2, max_row=11, values_only=True)}
    assert block["产品"] == "P1" and block["条件"] == f"supplier = {WUXI} AND lot = 7"
    assert block["发货截至"] == dt.datetime(2026, 3, 1)
    assert (block["设备数"], block["已发货（市场排查）"], block["未发货（隔离）"],
            block["已有报修"]) == counts(found) == (4, 2, 2, 2)  # fmt: skip
    header = 13
    assert units.freeze_panes == f"A{header + 1}"
    assert [c.value for c in units[header]][:3] == ["序列号", "产品", "批次"]
    table = list(units.iter_rows(min_row=header + 1, values_only=True))
    assert [row[0] for row in table] == ["A1", "A2", "A3", "A4"]
    assert table[0][4:9] == (dt.datetime(2026, 1, 5), dt.datetime(2026, 2, 1), "是", 3,
                             dt.datetime(2026, 2, 5))  # fmt: skip
    assert table[3][3] is None and table[3][5] is None
    assert units.column_dimensions["A"].width == 18
    assert units.auto_filter.ref == f"A{header}:K{header + 4}"
    assert list(regions.iter_rows(values_only=True)) == [
        ("地区", "设备数", "已发货（市场排查）", "未发货（隔离）", "已有报修"),
        ("north", 2, 2, 0, 1),
        ("south", 1, 0, 1, 1),
        ("（无地区）", 1, 0, 1, 0),
        ("合计", 4, 2, 2, 2),
    ]
    english = exported(field, "en")[2]
    assert english.worksheets[0]["A1"].value == "Containment: affected units"
    assert [c.value for c in english.worksheets[0][header]][6:9] == ["Shipped", "Cases",
                                                                      "First case"]  # fmt: skip
    with pytest.raises(InputError, match="language"):
        exported(field, "fr")


def test_cli_is_the_api_and_the_api_pages(
    field: Engine, db_url: str, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    options = ["--product", "P1", "--attribute", "supplier", "--value", WUXI, "--attribute",
               "hot", "--value", "true", "--as-of", "2026-03-01"]  # fmt: skip
    made = runner.invoke(app, ["--db", db_url, "containment", *options, "--format", "json"])
    assert made.exit_code == 0, made.output
    cli = json.loads(made.stdout)
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    query = f"product=P1&attribute=supplier&value={WUXI}&attribute=hot&value=true&as_of=2026-03-01"
    api = client.get(f"/api/v1/containment?{query}", headers=headers)
    assert api.status_code == 200 and api.json() == cli
    assert (cli["units"], [i["serial"] for i in cli["items"]]) == (2, ["A1", "A2"])
    everything = client.get("/api/v1/containment?product=P1&as_of=2026-03-01", headers=headers)
    page = client.get("/api/v1/containment?product=P1&as_of=2026-03-01&limit=2&offset=3",
                      headers=headers).json()  # fmt: skip
    assert {k: v for k, v in page.items() if k != "items"} == {
        k: v for k, v in everything.json().items() if k != "items"
    }
    assert page["units"] == 6 and [i["serial"] for i in page["items"]] == ["A4", "A5"]
    assert page["items"] == everything.json()["items"][3:5]
    empty = client.get("/api/v1/containment?product=P1&limit=0", headers=headers).json()
    assert empty["items"] == [] and empty["units"] == 6
    assert empty["filter"]["as_of"] == now().date().isoformat()
    unpaired = client.get("/api/v1/containment?product=P1&value=7", headers=headers)
    assert unpaired.status_code == 422 and unpaired.json()["errors"][0]["field"] == "value"
    backwards = client.get("/api/v1/containment?product=P1&built_from=2026-02-01"
                           "&built_to=2026-01-01", headers=headers)  # fmt: skip
    assert backwards.status_code == 422
    assert client.get("/api/v1/containment?product=P1").status_code == 401
    out = tmp_path / "units.json"
    to_file = runner.invoke(app, ["--db", db_url, "containment", *options, "--out", str(out)])
    assert to_file.exit_code == 0 and "2 units written" in to_file.output
    assert json.loads(out.read_text(encoding="utf-8")) == cli


def test_cli_files_table_and_api_export(
    field: Engine, db_url: str, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    options = ["--product", "P1", "--attribute", "lot", "--value", "7", "--as-of", "2026-03-01"]
    csv_file, xlsx_file = tmp_path / "units.csv", tmp_path / "units.xlsx"
    for out in (csv_file, xlsx_file):
        made = runner.invoke(app, ["--db", db_url, "containment", *options, "--out", str(out),
                                   "--lang", "zh"])  # fmt: skip
        assert made.exit_code == 0, made.output
        assert "4 units written" in made.output and "2 not shipped" in made.output
    assert csv_file.read_bytes().startswith("\ufeff序列号,产品".encode())
    assert load_workbook(xlsx_file).worksheets[1].title == "按地区"
    shown = runner.invoke(app, ["--db", db_url, "containment", *options])
    assert shown.exit_code == 0, shown.output
    assert "4 units — 2 not shipped (quarantine), 2 shipped" in shown.output
    assert "A4" in shown.output and "no (2026-03-02)" in shown.output
    stdout = runner.invoke(app, ["--db", db_url, "containment", *options, "--format", "csv"])
    assert stdout.stdout.startswith("Serial,Product") and stdout.stdout.count("\n") == 5
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    url = "/api/v1/containment/export?product=P1&attribute=lot&value=7&as_of=2026-03-01"
    as_csv = client.get(f"{url}&format=csv&lang=zh", headers=headers)
    assert as_csv.status_code == 200 and as_csv.content == csv_file.read_bytes()
    assert "filename*=UTF-8''containment-P1.csv" in as_csv.headers["content-disposition"]
    as_xlsx = client.get(url, headers=headers)
    assert as_xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0].values)
    assert rows[12][0] == "Serial" and [r[0] for r in rows[13:]] == ["A1", "A2", "A3", "A4"]


def test_demo_bad_bearing_batch_against_pandas(engine: Engine, tmp_path: Path) -> None:
    """Counts for bearing_batch = HL-B2512-02 on CNC500, computed again from the CSV files."""
    from qloop.demo.scenarios import BAD_BEARING_BATCH
    from qloop.demo.service import build_demo

    build_demo(engine, out_dir=tmp_path)
    as_of = D(2026, 3, 15)  # the batch was built from January to February: some not shipped
    units = pd.read_csv(tmp_path / "units.csv", dtype=str, keep_default_na=False)
    cases = pd.read_csv(tmp_path / "cases.csv", dtype=str, keep_default_na=False)
    mine = units[(units["product"] == "CNC500") & (units["bearing_batch"] == BAD_BEARING_BATCH)]
    ship = pd.to_datetime(mine["ship_date"].replace("", None))
    shipped = ship.notna() & (ship <= pd.Timestamp(as_of))
    with_cases = mine["serial"].isin(cases["serial"])
    expected = {
        region: {"units": len(group), "shipped": int(shipped[group.index].sum()),
                 "not_shipped": int((~shipped[group.index]).sum()),
                 "with_cases": int(with_cases[group.index].sum())}
        for region, group in mine.groupby("region")
    }  # fmt: skip
    with session_scope(engine) as session:
        found = find_affected_units(session, product="CNC500",
                                    conditions=[("bearing_batch", BAD_BEARING_BATCH)],
                                    as_of=as_of)  # fmt: skip
    assert counts(found) == (len(mine), int(shipped.sum()), int((~shipped).sum()),
                             int(with_cases.sum()))  # fmt: skip
    assert found.with_cases > 0 and found.shipped > 0 and found.not_shipped > 0
    assert found.as_json()["by_region"] == expected
    per_unit = cases[cases["serial"].isin(mine["serial"])].groupby("serial").size()
    assert {i.serial: i.cases for i in found.items if i.cases} == per_unit.to_dict()
