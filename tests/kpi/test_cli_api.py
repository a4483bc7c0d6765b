"""``qloop kpi`` and ``GET /api/v1/kpi`` give the same answer; targets from CLI, API, page."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core.db import session_scope
from tests.kpi import scenario

runner = CliRunner()


@pytest.fixture
def history(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        scenario.build(session)
    return engine


def kpi(db_url: str, *options: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", db_url, "kpi", *options])
    return result.exit_code, result.output


def test_json_csv_and_table_agree(history: Engine, db_url: str) -> None:
    code, output = kpi(db_url, "--by", "product", "--format", "json")
    assert code == 0, output
    rows = json.loads(output)
    assert [(r["period"], r["product"]) for r in rows][:2] == [("2026-01", "P1"), ("2026-01", "P2")]
    assert list(rows[0]) == [
        "period", "product", "cases", "mttr_hours", "ftfr", "repeat_rate", "csat", "csat_mean",
        "units_in_service", "cases_per_1000",
    ]  # fmt: skip
    code, output = kpi(db_url, "--by", "product", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(output)))
    assert len(parsed) == len(rows)
    assert parsed[0]["mttr_hours"] == "30.0" and parsed[1]["mttr_hours"] == ""
    code, output = kpi(db_url, "--period", "quarter")
    assert code == 0 and "2026-Q1" in output and "54.0" in output


def test_api_answers_like_the_cli(
    history: Engine, db_url: str, client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    _, output = kpi(db_url, "--period", "week", "--by", "region", "--from", "2026-01-01",
                    "--to", "2026-02-28", "--format", "json")  # fmt: skip
    response = client.get(
        "/api/v1/kpi?period=week&by=region&from=2026-01-01&to=2026-02-28", headers=headers
    )
    assert response.status_code == 200
    assert response.json() == json.loads(output)
    assert client.get("/api/v1/kpi").status_code == 401
    bad = client.get("/api/v1/kpi?period=fortnight", headers=headers)
    assert bad.status_code == 422


def test_bad_dates_are_refused(db_url: str) -> None:
    code, output = kpi(db_url, "--from", "2026-13-01")
    assert code == 2 and "--from" in output


def test_targets_cli_api_and_page(
    history: Engine, db_url: str, client: TestClient, tokens: dict[str, str]
) -> None:
    shown = runner.invoke(app, ["--db", db_url, "kpi", "targets"])
    assert shown.exit_code == 0 and "ftfr >= 0.9  (all products; settings)" in shown.output
    result = runner.invoke(
        app, ["--db", db_url, "kpi", "target", "ftfr", "0.95", "--product", "P1"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", db_url, "kpi", "target", "ftfr", "95"])
    assert result.exit_code == 2 and "share" in result.output
    result = runner.invoke(app, ["--db", db_url, "kpi", "target", "units_in_service", "5"])
    assert result.exit_code == 2 and "no target" in result.output
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    listed = client.get("/api/v1/kpi/targets", headers=viewer).json()
    assert {"metric": "ftfr", "product": "P1", "value": 0.95, "better": "higher",
            "source": "cli"} in listed  # fmt: skip
    assert {(t["metric"], t["product"], t["source"]) for t in listed} >= {
        ("ftfr", None, "settings"), ("mttr_hours", None, "settings"), ("csat", None, "settings")
    }  # fmt: skip
    body = {"metric": "mttr_hours", "value": 12}
    assert client.put("/api/v1/kpi/targets", headers=viewer, json=body).status_code == 403
    stored = client.put("/api/v1/kpi/targets", headers=admin, json=body)
    assert stored.status_code == 200 and stored.json()["source"] == "admin-user"
    listed = client.get("/api/v1/kpi/targets", headers=viewer).json()
    mttr = [t for t in listed if t["metric"] == "mttr_hours"]
    assert mttr == [{"metric": "mttr_hours", "product": None, "value": 12.0, "better": "lower",
                     "source": "admin-user"}]  # fmt: skip
    removed = client.post(
        "/api/v1/kpi/targets/remove", headers=admin, json={"metric": "mttr_hours"}
    )
    assert removed.json() is True
    refused = client.put("/api/v1/kpi/targets", headers=admin, json={"metric": "x", "value": 1})
    assert refused.status_code == 422


def test_kpi_page_shows_figures_definitions_and_missed_targets(
    history: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    page = client.get("/kpi", headers={"Authorization": f"Bearer {tokens['viewer']}"})
    assert page.status_code == 200
    assert "2026-03" in page.text and "First-time-fix rate" in page.text
    assert "Units shipped on or before the period" in page.text  # the definitions
    assert 'class="missed"' in page.text  # FTFR 50 % against the default 90 %
    zh = client.get("/kpi", headers={"Authorization": f"Bearer {tokens['viewer']}",
                                     "Accept-Language": "zh-CN"})  # fmt: skip
    assert "一次修复率" in zh.text and "在本期最后一天或之前发货的台数" in zh.text


def test_dates_no_record_can_have_are_refused(
    history: Engine, db_url: str, client: TestClient, tokens: dict[str, str]
) -> None:
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    engineer = {"Authorization": f"Bearer {tokens['engineer']}"}
    assert client.get("/api/v1/kpi?from=0001-01-01", headers=viewer).status_code == 422
    assert client.get("/api/v1/kpi?to=9999-12-31", headers=viewer).status_code == 422
    check = client.post("/api/v1/alerts/check?as_of=9999-12-31", headers=engineer)
    assert check.status_code == 422
    code, output = kpi(db_url, "--from", "1000-01-01")
    assert code == 2 and "outside" in output
