"""Failures by time in service: month boundaries and curves by hand, the service on a small
field on both back ends (agreeing with the suspects table value for value), and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.intake.models import Case, Channel, Product, Unit
from qloop.rca.service import find_suspects
from qloop.rca.time_in_service import (
    Curve,
    failures_by_time_in_service,
    months_in_service,
    time_in_service_curves,
    value_columns,
    value_text,
)

D = dt.date
RTOL = 1e-12


@pytest.mark.parametrize(
    ("ship", "case", "months"),
    [
        (D(2026, 1, 15), D(2026, 2, 15), 1),  # same day next month
        (D(2026, 1, 15), D(2026, 2, 14), 0),  # one day short
        (D(2026, 1, 15), D(2026, 1, 15), 0),
        (D(2026, 3, 10), D(2026, 3, 1), 0),  # case before the ship date
        (D(2026, 3, 10), D(2025, 11, 30), 0),
        (D(2025, 12, 15), D(2026, 1, 15), 1),  # over the year boundary
        (D(2025, 12, 31), D(2026, 1, 1), 0),
        (D(2025, 11, 20), D(2026, 2, 19), 2),
        (D(2026, 1, 31), D(2026, 2, 28), 0),  # no 31 February: still month 0
        (D(2026, 1, 31), D(2026, 3, 1), 1),
        (D(2024, 6, 1), D(2026, 6, 1), 24),
        (D(2026, 1, 15), dt.datetime(2026, 2, 15, 0, 1), 1),  # a time of day is ignored
        (None, D(2026, 2, 15), None),
    ],
)
def test_month_boundaries(ship: dt.date | None, case: dt.date, months: int | None) -> None:
    assert months_in_service(ship, case) == months


def hand_frame() -> pd.DataFrame:
    """A: months 0, 0, 1, 3 and one without ship date; B: 2; C: 5; no value: 1."""
    return pd.DataFrame(
        {"value": ["A", "A", "A", "A", "A", "B", "C", None],
         "months_in_service": pd.array([0, 0, 1, 3, None, 2, 5, 1], dtype="Int64")}
    )  # fmt: skip


UNITS = {"A": 10, "B": 20, "C": 5}  # and 5 units without a value: population 40


def check(curve: Curve, expected: dict[str, Any]) -> None:
    assert (curve.value, curve.units, curve.failures, curve.no_ship_date) == (
        expected["value"], expected["units"], expected["failures"], expected["no_ship_date"]
    )  # fmt: skip
    assert curve.per_month.tolist() == expected["per_month"]
    np.testing.assert_allclose(curve.cumulative_per_1000, expected["per_1000"], rtol=RTOL)
    assert curve.median_months == expected["median"]


def test_curves_by_hand() -> None:
    curves = time_in_service_curves(hand_frame(), UNITS, top=2, population=40)
    assert curves.months.tolist() == [0, 1, 2, 3, 4, 5]
    assert [c.value for c in curves.values] == ["A", "B"]  # B before C: tied at 1, by value
    # A: per month 2, 1, 0, 1 -> cumulative 2, 3, 3, 4 of 10 units; median of 0, 0, 1, 3
    check(
        curves.values[0],
        {
            "value": "A",
            "units": 10,
            "failures": 5,
            "no_ship_date": 1,
            "per_month": [2, 1, 0, 1, 0, 0],
            "per_1000": [200, 300, 300, 400, 400, 400],
            "median": 0.5,
        },
    )
    check(
        curves.values[1],
        {
            "value": "B",
            "units": 20,
            "failures": 1,
            "no_ship_date": 0,
            "per_month": [0, 0, 1, 0, 0, 0],
            "per_1000": [0, 0, 50, 50, 50, 50],
            "median": 2.0,
        },
    )
    # others: C (5 units) and the 5 units without a value; failures at months 5 and 1
    check(curves.others, {"value": None, "units": 10, "failures": 2, "no_ship_date": 0,
                          "per_month": [0, 1, 0, 0, 0, 1],
                          "per_1000": [0, 100, 100, 100, 100, 200], "median": 3.0})  # fmt: skip


def test_values_named_and_defaults() -> None:
    named = time_in_service_curves(hand_frame(), UNITS, values=["C", "Z", "C"], population=40)
    assert [c.value for c in named.values] == ["C", "Z"]
    check(named.values[0], {"value": "C", "units": 5, "failures": 1, "no_ship_date": 0,
                            "per_month": [0, 0, 0, 0, 0, 1],
                            "per_1000": [0, 0, 0, 0, 0, 200], "median": 5.0})  # fmt: skip
    z = named.values[1]  # a value no unit has: no rate to draw
    assert (z.units, z.failures, z.median_months) == (0, 0, None)
    assert z.as_json()["cumulative_per_1000"] == [None] * 6
    assert (named.others.units, named.others.failures, named.others.no_ship_date) == (35, 7, 1)
    everything = time_in_service_curves(hand_frame(), UNITS)  # population = sum of units
    assert [c.value for c in everything.values] == ["A", "B", "C"]
    assert (everything.others.units, everything.others.failures) == (0, 1)
    assert everything.others.as_json()["cumulative_per_1000"] == [None] * 6
    empty = pd.DataFrame({"value": [], "months_in_service": []})
    nothing = time_in_service_curves(empty, UNITS, population=40)
    assert (nothing.months.tolist(), nothing.values, nothing.others.units) == ([], (), 40)
    assert nothing.others.median_months is None
    backwards = pd.DataFrame({"value": ["A"], "months_in_service": [-1]})
    with pytest.raises(ValueError, match="0 or more"):
        time_in_service_curves(backwards, UNITS)


@pytest.fixture
def shipped(engine: Engine) -> Engine:
    """P1: 8 units, 7 failed (U3 without ship date); U5 has only a crack; P2 never swells."""
    units = [  # serial, batch, ship date, attributes
        ("U1", "L1", D(2026, 1, 10), {"lot": "A", "region": "north", "hot": True, "fw": 1.0,
                                      'say "hi"': "yes"}),
        ("U2", "L1", D(2026, 1, 10), {"lot": "A", "hot": True, "fw": 1}),
        ("U3", "L1", None, {"lot": "A", "note": ""}),
        ("U4", "L2", D(2025, 12, 20), {"lot": "B", "hot": False}),
        ("U5", "L2", D(2025, 12, 20), {"lot": "B"}),
        ("U6", "L2", D(2025, 6, 1), {"lot": 7}),
        ("U7", None, D(2025, 6, 1), {}),
        ("U8", "L3", D(2026, 2, 1), {"lot": "B"}),
    ]  # fmt: skip
    cases = [  # serial, failure mode, received
        ("U1", "swelling", dt.datetime(2026, 2, 10, 9)),  # month 1: same day next month
        ("U1", "swelling", dt.datetime(2026, 5, 1)),  # a later case: the first one counts
        ("U2", "swelling", dt.datetime(2026, 2, 9, 23)),  # month 0: one day short
        ("U3", "swelling", dt.datetime(2026, 3, 1)),  # no ship date
        ("U4", "swelling", dt.datetime(2025, 12, 25)),  # month 0
        ("U4", "swelling", dt.datetime(2026, 1, 20)),  # month 1 over the new year
        ("U5", "crack", dt.datetime(2026, 1, 5)),
        ("U6", "swelling", dt.datetime(2026, 3, 1)),  # month 9
        ("U7", "swelling", dt.datetime(2025, 7, 15)),  # month 1
        ("U8", "swelling", dt.datetime(2026, 1, 15)),  # before shipping: month 0
    ]
    with session_scope(engine) as session:
        session.add_all([Product(code="P1"), Product(code="P2")])
        session.flush()
        for serial, batch, ship, attributes in units:
            session.add(Unit(serial=serial, product="P1", batch=batch, ship_date=ship,
                             attributes=attributes))  # fmt: skip
        session.add(Unit(serial="Q1", product="P2", batch="L1", ship_date=D(2026, 1, 1),
                         attributes={"lot": "A"}))  # fmt: skip
        for k, (serial, mode, received) in enumerate(cases):
            session.add(Case(case_id=f"C{k}", received_at=received, channel=Channel.HOTLINE,
                             serial=serial, failure_mode=mode, description=mode,
                             attributes={}))  # fmt: skip
    return engine


def by_value(found: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {curve["value"]: curve for curve in found["values"]}


def approx(values: list[float]) -> object:
    return pytest.approx(values, rel=RTOL)


def test_by_batch_with_a_unit_without_ship_date(shipped: Engine) -> None:
    with session_scope(shipped) as session:
        found = failures_by_time_in_service(session, failure_mode="swelling", attribute="batch")
        answer = found.as_json()
        top_two = failures_by_time_in_service(
            session, failure_mode="swelling", attribute="batch", top=2
        ).as_json()
    assert (answer["products"], answer["population"], answer["failures"]) == (["P1"], 8, 7)
    assert (answer["no_ship_date"], answer["from"], answer["to"]) == (1, None, None)
    assert answer["months"] == list(range(10))
    curves = by_value(answer)
    assert list(curves) == ["L1", "L2", "L3"]  # by failures: 3, 2, 1
    third, zeros = 1000 / 3, [0] * 8
    assert curves["L1"] == {"value": "L1", "units": 3, "failures": 3, "no_ship_date": 1,
                            "per_month": [1, 1, *zeros],
                            "cumulative_per_1000": approx([third] + [2 * third] * 9),
                            "median_months": 0.5}  # fmt: skip
    assert curves["L2"]["per_month"] == [1, *zeros, 1]  # U4 at 0 (its first case), U6 at 9
    assert curves["L2"]["cumulative_per_1000"] == approx([third] * 9 + [2 * third])
    assert curves["L2"]["median_months"] == 4.5
    assert curves["L3"]["cumulative_per_1000"] == [1000.0] * 10
    assert answer["others"] == {"value": None, "units": 1, "failures": 1, "no_ship_date": 0,
                                "per_month": [0, 1, *zeros],
                                "cumulative_per_1000": [0.0] + [1000.0] * 9,
                                "median_months": 1.0}  # fmt: skip
    assert [c["value"] for c in top_two["values"]] == ["L1", "L2"]
    others = top_two["others"]  # L3 (U8 at 0) and the unit without a batch (U7 at 1)
    assert (others["units"], others["failures"], others["per_month"][:3]) == (2, 2, [1, 1, 0])
    assert others["cumulative_per_1000"][:2] == [500.0, 1000.0]


def test_json_attribute_and_a_value_named(shipped: Engine) -> None:
    with session_scope(shipped) as session:
        lots = failures_by_time_in_service(session, failure_mode="swelling", attribute="lot")
        seven = failures_by_time_in_service(
            session, failure_mode="swelling", attribute="lot", values=["7"]
        )
    curves = by_value(lots.as_json())
    assert list(curves) == ["A", "B", "7"]  # a JSON number written as text, as suspects do
    assert (curves["A"]["failures"], curves["A"]["no_ship_date"]) == (3, 1)
    assert curves["A"]["per_month"][:2] == [1, 1] and curves["A"]["median_months"] == 0.5
    assert curves["B"]["per_month"][:2] == [2, 0] and curves["B"]["units"] == 3
    (only,) = seven.curves.values
    assert (only.value, only.units, only.failures, only.median_months) == ("7", 1, 1, 9.0)
    assert only.per_month.tolist() == [0] * 9 + [1]
    assert (seven.curves.others.units, seven.curves.others.failures) == (7, 6)
    assert seven.curves.others.no_ship_date == 1


def test_every_suspect_value_finds_its_curve(shipped: Engine) -> None:
    """Same units and failures as the suspects table for every (attribute, value): unit
    columns, booleans, 1.0 next to 1, a key named like a column, a key with quotes."""
    with session_scope(shipped) as session:
        suspects = find_suspects(session, failure_mode="swelling").as_json()["suspects"]
        rows: dict[str, dict[str, tuple[int, int]]] = {}
        for row in suspects:
            rows.setdefault(row["attribute"], {})[row["value"]] = (row["units"], row["failures"])
        assert {"attributes.region", "hot", "fw", 'say "hi"'} <= set(rows)
        assert {"true", "false"} == set(rows["hot"]) and {"1", "1.0"} == set(rows["fw"])
        for attribute, expected in rows.items():
            found = failures_by_time_in_service(
                session, failure_mode="swelling", attribute=attribute, values=list(expected)
            )
            got = {c.value: (c.units, c.failures) for c in found.curves.values}
            assert got == expected, attribute


def test_several_attributes_in_one_statement(shipped: Engine) -> None:
    """Each attribute's columns keep their own key when one statement selects and groups
    by several (as containment's conditions do): JSON keys, a key with quotes, a column."""
    attributes = ["lot", "hot", 'say "hi"', "batch", "attributes.region", "fw"]
    with session_scope(shipped) as session:
        columns = [value_columns(session, attribute) for attribute in attributes]
        flat = [column for each in columns for column in each]
        query = (
            select(Unit.serial, *flat)
            .where(Unit.product == "P1")
            .group_by(Unit.serial, *flat)
            .order_by(Unit.serial)
        )
        rows = session.execute(query).all()
    found: dict[str, tuple[str | None, ...]] = {}
    for serial, *values in rows:
        texts, start = [], 0
        for each in columns:
            texts.append(value_text(values[start : start + len(each)]))
            start += len(each)
        found[serial] = tuple(texts)
    # the fixture's units, by hand: lot, hot, say "hi", batch, attributes.region, fw
    assert found == {
        "U1": ("A", "true", "yes", "L1", "north", "1.0"),
        "U2": ("A", "true", None, "L1", None, "1"),
        "U3": ("A", None, None, "L1", None, None),
        "U4": ("B", "false", None, "L2", None, None),
        "U5": ("B", None, None, "L2", None, None),
        "U6": ("7", None, None, "L2", None, None),
        "U7": (None, None, None, None, None, None),
        "U8": ("B", None, None, "L3", None, None),
    }


def test_window_and_product(shipped: Engine) -> None:
    with session_scope(shipped) as session:
        window = failures_by_time_in_service(
            session, failure_mode="swelling", attribute="batch",
            first=D(2026, 1, 1), last=D(2026, 2, 9),
        ).as_json()  # fmt: skip
        p2 = failures_by_time_in_service(
            session, failure_mode="swelling", attribute="batch", product="P2"
        ).as_json()
        nothing = failures_by_time_in_service(session, failure_mode="none", attribute="lot")
        with pytest.raises(InputError, match="attribute"):
            failures_by_time_in_service(session, failure_mode="swelling", attribute=" ")
        with pytest.raises(InputError, match="top"):
            failures_by_time_in_service(session, failure_mode="swelling", attribute="x", top=0)
    # U2 on the last day (month 0), U4 by its case of 20 January (month 1), U8 (month 0)
    assert (window["from"], window["to"], window["failures"]) == ("2026-01-01", "2026-02-09", 3)
    assert (window["population"], window["no_ship_date"], window["months"]) == (8, 0, [0, 1])
    curves = by_value(window)
    assert list(curves) == ["L1", "L2", "L3"]  # one failure each: by value
    assert [curves[v]["per_month"] for v in curves] == [[1, 0], [0, 1], [1, 0]]
    assert curves["L2"]["cumulative_per_1000"] == approx([0.0, 1000 / 3])
    assert window["others"]["failures"] == 0 and window["others"]["median_months"] is None
    assert (p2["population"], p2["failures"], p2["values"], p2["months"]) == (1, 0, [], [])
    assert p2["others"]["units"] == 1
    assert (nothing.population, nothing.failures, nothing.products) == (0, 0, ())


def test_api_answers_as_the_service(
    shipped: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    with session_scope(shipped) as session:
        expected = failures_by_time_in_service(
            session, failure_mode="swelling", attribute="lot", first=D(2025, 12, 1),
            last=D(2026, 6, 30), values=["A", "7"],
        ).as_json()  # fmt: skip
        top = failures_by_time_in_service(
            session, failure_mode="swelling", attribute="batch", product="P1", top=1
        ).as_json()
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    url = "/api/v1/suspects/time-in-service"
    response = client.get(
        f"{url}?failure_mode=swelling&attribute=lot&from=2025-12-01&to=2026-06-30&value=A&value=7",
        headers=headers,
    )
    assert response.status_code == 200 and response.json() == expected
    assert [c["value"] for c in expected["values"]] == ["A", "7"]
    response = client.get(
        f"{url}?failure_mode=swelling&attribute=batch&product=P1&top=1", headers=headers
    )
    assert response.status_code == 200 and response.json() == top
    assert client.get(f"{url}?failure_mode=swelling", headers=headers).status_code == 422
    assert client.get(f"{url}?failure_mode=swelling&attribute=lot").status_code == 401
