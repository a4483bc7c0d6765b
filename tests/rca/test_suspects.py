"""Suspect statistics against scipy's Fisher test and BH by hand, from the database on both
back ends, and through the CLI and the API."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from scipy.stats import fisher_exact
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core.db import session_scope
from qloop.rca.analysis import suspect_table
from qloop.rca.service import find_suspects


def bh_by_hand(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg, written out: q_(i) = min over j >= i of p_(j) m / j."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        q[index] = running
    return q


def test_statistics_match_scipy_and_bh_by_hand() -> None:
    counts = pd.DataFrame(
        {"attribute": ["lot", "lot", "lot", "color", "color"],
         "value": ["L1", "L2", "L3", "red", "blue"],
         "units": [100, 300, 600, 400, 600], "failures": [30, 10, 10, 22, 28]}
    )  # fmt: skip
    table = suspect_table(counts, population=1000, failures=50)
    assert list(table["value"][:1]) == ["L1"]
    expected_p = {}
    for row in counts.itertuples():
        a, b = row.failures, row.units - row.failures
        c, d = 50 - a, 1000 - row.units - (50 - a)
        expected_p[row.value] = fisher_exact([[a, b], [c, d]], alternative="greater").pvalue
    got = dict(zip(table["value"], table["p_value"], strict=True))
    for value, p in expected_p.items():
        assert got[value] == pytest.approx(p, rel=1e-9, abs=1e-300)
    by_hand = dict(zip(expected_p, bh_by_hand(list(expected_p.values())), strict=True))
    for row in table.itertuples():
        assert row.q_value == pytest.approx(by_hand[row.value], rel=1e-9)
    l1 = table[table["value"] == "L1"].iloc[0]
    assert (l1.rate, l1.baseline_rate) == (0.30, pytest.approx(20 / 900))
    assert l1.relative_risk == pytest.approx(0.30 / (20 / 900))
    assert list(table["p_value"]) == sorted(table["p_value"])


def test_a_value_every_unit_has_compares_with_nothing() -> None:
    counts = pd.DataFrame({"attribute": ["fw"], "value": ["1.0"], "units": [10], "failures": [3]})
    (row,) = suspect_table(counts, population=10, failures=3).itertuples()
    assert row.p_value == 1.0 and pd.isna(row.relative_risk) and pd.isna(row.baseline_rate)


def test_from_the_database(field: Engine) -> None:
    with session_scope(field) as session:
        found = find_suspects(session, failure_mode="swelling")
    answer = found.as_json()
    assert (answer["population"], answer["failures"]) == (20, 5)  # P1 only: P2 had no case
    rows = {(r["attribute"], r["value"]): r for r in answer["suspects"]}
    top = answer["suspects"][0]
    assert (top["attribute"], top["value"], top["units"], top["failures"]) == ("lot", "A", 5, 4)
    expected = fisher_exact([[4, 1], [1, 14]], alternative="greater").pvalue
    assert top["p_value"] == pytest.approx(expected, rel=1e-9)
    assert top["relative_risk"] == pytest.approx((4 / 5) / (1 / 15))
    assert rows["fw", "1.0"]["p_value"] == 1.0 and rows["fw", "1.0"]["relative_risk"] is None
    assert ("note", "") not in rows  # empty values are not tested
    assert rows["attributes.region", "x"]["units"] == 20  # a key named like a column
    assert rows["region", "east"]["units"] == 15  # units without a region are left out
    assert rows["batch", "B0"]["failures"] == 2  # the failed even serials: S0 and S2
    p_values = [r["p_value"] for r in answer["suspects"]]
    by_hand = bh_by_hand(p_values)
    for row, q in zip(answer["suspects"], by_hand, strict=True):
        assert row["q_value"] == pytest.approx(q, rel=1e-9)


def test_window_and_product(field: Engine) -> None:
    with session_scope(field) as session:
        early = find_suspects(session, failure_mode="swelling", last=dt.date(2026, 5, 2))
        assert early.failures == 2  # C0 (S0) and C1 (S1)
        p2 = find_suspects(session, failure_mode="swelling", product="P2")
        assert (p2.population, p2.failures) == (1, 0)
        nothing = find_suspects(session, failure_mode="no-such-mode")
        assert nothing.as_json() == {"failure_mode": "no-such-mode", "population": 0,
                                     "failures": 0, "suspects": []}  # fmt: skip


def test_cli_and_api_agree(
    field: Engine, db_url: str, client: TestClient, tokens: dict[str, str]
) -> None:
    result = CliRunner().invoke(
        app, ["--db", db_url, "suspects", "--failure-mode", "swelling", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.output)
    assert set(from_cli) == {"failure_mode", "population", "failures", "suspects"}
    assert set(from_cli["suspects"][0]) == {
        "attribute", "value", "units", "failures", "rate", "baseline_rate", "relative_risk",
        "p_value", "q_value",
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    response = client.get("/api/v1/suspects?failure_mode=swelling", headers=headers)
    assert response.status_code == 200 and response.json() == from_cli
    table = CliRunner().invoke(app, ["--db", db_url, "suspects", "--failure-mode", "swelling"])
    assert "5 failed units among 20" in table.output and "lot" in table.output
    assert client.get("/api/v1/suspects", headers=headers).status_code == 422
