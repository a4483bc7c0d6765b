"""The charts' data: Pareto, cohorts, heatmap, KPI series with targets; CSV and JSON."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.core.settings import Settings
from qloop.kpi import charts
from qloop.kpi.cohorts import cohort_curves, pareto
from tests.kpi import scenario


@pytest.fixture
def history(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        scenario.build(session)
    return engine


def test_pareto_orders_and_accumulates() -> None:
    table = pareto(pd.Series({"b": 2, "a": 2, "c": 6, "none": 0}))
    assert list(table["item"]) == ["c", "a", "b"]
    assert list(table["cumulative_share"]) == [0.6, 0.8, 1.0]


def test_cohorts_by_hand(history: Engine) -> None:
    with session_scope(history) as session:
        frame = charts.cohort_chart(session)
    points = {(r.cohort, r.months_in_service): (r.units, r.cases, r.per_1000)
              for r in frame.itertuples()}  # fmt: skip
    # cohort 2026-01 (U1, U3; no production dates: ship month): C1 and C2 came before the
    # ship date (month 0), C3 31 days after U1 shipped (month 1). Data end on 03-31: U3,
    # shipped 01-31, has been out 59 days (1.94 months), so only month 0 is complete
    assert points[("2026-01", 0)] == (2, 2, 1000.0)
    assert ("2026-01", 1) not in points
    assert points[("2026-02", 0)] == (1, 1, 1000.0)  # C5 on U2, out 44 days
    assert not any(cohort == "2026-03" for cohort, _ in points)  # U4 out 30 days only


def test_young_cohorts_stop_where_their_data_stop() -> None:
    units = pd.DataFrame(
        {"cohort_month": [pd.Timestamp("2026-01-01")], "units": [10],
         "last_ship": [dt.date(2026, 6, 1)]}  # built in January, shipped in June
    )  # fmt: skip
    cases = pd.DataFrame(columns=["cohort_month", "ship_date", "received_at"])
    assert cohort_curves(units, cases, as_of=dt.date(2026, 6, 30)).empty
    frame = cohort_curves(units, cases, as_of=dt.date(2026, 9, 1))
    assert list(frame["months_in_service"]) == [0, 1, 2]  # 92 days: 3.02 whole months out


def test_chart_frames(history: Engine, db_url: str) -> None:
    with session_scope(history) as session:
        kpis = charts.chart_frame(session, Settings(database_url=db_url), "kpis", None)
        heat = charts.chart_frame(session, Settings(database_url=db_url), "heatmap", None)
        modes = charts.chart_frame(session, Settings(database_url=db_url), "pareto", "P1")
    assert list(kpis["period"]) == ["2026-01", "2026-02", "2026-03"]
    assert set(kpis["target_ftfr"]) == {0.9}
    cells = {(r.region, r.category): r.cases for r in heat.itertuples()}
    assert cells[("east", "electrical")] == 2  # C1 and C3 from U1's region
    assert cells[("(none)", "(none)")] == 1  # C4
    assert dict(zip(modes["item"], modes["cases"], strict=True)) == {"electrical": 3}


def test_chart_page_csv_and_json(
    history: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    page = client.get("/kpi/charts", headers=headers)
    assert page.status_code == 200 and "plotly.min.js" in page.text and "cdn" not in page.text
    csv_text = client.get("/kpi/charts/pareto.csv", headers=headers)
    assert csv_text.status_code == 200 and csv_text.text.startswith("\ufeffitem,cases,share")
    assert csv_text.headers["content-disposition"] == "attachment; filename*=UTF-8''pareto.csv"
    assert csv_text.headers["x-content-type-options"] == "nosniff"
    answer = client.get("/api/v1/kpi/charts/heatmap", headers=headers)
    assert answer.status_code == 200 and {"region", "category", "cases"} <= set(answer.json()[0])
    assert client.get("/api/v1/kpi/charts/nope", headers=headers).status_code == 404
