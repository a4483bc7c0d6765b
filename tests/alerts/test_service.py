"""Alerts from the database: checked, stored once, grown, acknowledged; CLI, API and page."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qloop.alerts import service
from qloop.cli import app
from qloop.core.db import session_scope
from qloop.core.settings import Settings
from qloop.intake.models import Case, Channel, Product, Repair, Unit

#: repair hours of WM7 per month: flat, then rising three months in a row
HOURS = {1: 4.0, 2: 4.0, 3: 4.0, 4: 9.0, 5: 12.0, 6: 18.0}


def build(session: Session, months: dict[int, float]) -> None:
    session.add(Product(code="WM7"))
    session.flush()
    for n in range(200):
        session.add(
            Unit(serial=f"S{n}", product="WM7", ship_date=dt.date(2025, 12, 1), attributes={})
        )
    number = 0
    for month, hours in months.items():
        for day in range(1, 21):  # 20 repairs a month, spread around the month's mean
            number += 1
            opened = dt.datetime(2026, month, day, 8)
            spread = (day % 5 - 2) * 0.5
            session.add(
                Case(case_id=f"C{number}", received_at=opened, channel=Channel.HOTLINE,
                     serial=f"S{number % 200}", product="WM7", description="no drain",
                     attributes={})
            )  # fmt: skip
            session.add(
                Repair(repair_id=f"R{number}", case_id=f"C{number}", serial=f"S{number % 200}",
                       opened_at=opened, closed_at=opened + dt.timedelta(hours=hours + spread),
                       resolved=True, parts=[], attributes={})
            )  # fmt: skip
    session.flush()


def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, kpi_targets={})


def test_rising_repair_time_raises_one_trend_alert_that_grows(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        build(session, HOURS)
    with session_scope(engine) as session:
        # data stop on 06-20: June is not complete, so only two rises are judged yet
        checked = service.check_alerts(session, settings(db_url), since=dt.date(2026, 1, 1))
        assert [a for a in checked.alerts if a.kind == "trend"] == []
        checked = service.check_alerts(
            session, settings(db_url), since=dt.date(2026, 1, 1), as_of=dt.date(2026, 6, 30)
        )
        trends = {json.dumps(a.scope): a for a in checked.alerts if a.kind == "trend"}
        assert set(trends) == {"{}", '{"product": "WM7"}'}  # overall, and the product
        wm7 = trends['{"product": "WM7"}']
        assert wm7.metric == "mttr_hours"
        assert wm7.periods == ["2026-03", "2026-04", "2026-05", "2026-06"]
        assert wm7.values == [4.0, 9.0, 12.0, 18.0]
        assert wm7.message_en == "WM7 MTTR rose 3 months in a row: 4.0 → 9.0 → 12.0 → 18.0 h"
        service.acknowledge(session, alert_id=wm7.id, user_name="eng", comment="new pump supplier")
    with session_scope(engine) as session:  # July is worse again: the same alert grows
        for n in range(20):
            opened = dt.datetime(2026, 7, n + 1, 8)
            session.add(
                Repair(repair_id=f"J{n}", serial=f"S{n}", opened_at=opened,
                       closed_at=opened + dt.timedelta(hours=25 + (n % 5 - 2) * 0.5),
                       resolved=True, parts=[], attributes={})
            )  # fmt: skip
        checked = service.check_alerts(
            session, settings(db_url), since=dt.date(2026, 1, 1), as_of=dt.date(2026, 7, 31)
        )
        assert (checked.raised, checked.updated) == (0, 2)
        grown = next(a for a in checked.alerts if a.id == wm7.id)
        assert grown.periods == ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
        assert grown.values[-1] == 25.0
        assert "rose 4 months in a row" in grown.message_en
        assert (grown.acknowledged_by, grown.ack_comment) == ("eng", "new pump supplier")
        again = service.check_alerts(
            session, settings(db_url), since=dt.date(2026, 1, 1), as_of=dt.date(2026, 7, 31)
        )
        assert (again.raised, again.updated) == (0, 0)


def test_no_alert_on_flat_repair_times(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        build(session, dict.fromkeys(range(1, 7), 4.0))
        checked = service.check_alerts(
            session, settings(db_url), since=dt.date(2026, 1, 1), as_of=dt.date(2026, 6, 30)
        )
        assert [a.message_en for a in checked.alerts] == []


def test_cli_lists_json_and_acknowledges(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        build(session, HOURS)
    runner = CliRunner()
    env = {"QLOOP_KPI_TARGETS": '{"mttr_hours": 10}'}
    result = runner.invoke(
        app,
        ["--db", db_url, "alerts", "--since", "2026-01-01", "--as-of", "2026-06-30",
         "--format", "json"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert {a["kind"] for a in answer} == {"trend", "target"}
    for item in answer:
        assert set(item) >= {"kind", "metric", "scope", "periods", "values", "message"}
    target = next(a for a in answer if a["kind"] == "target" and a["scope"] == {"product": "WM7"})
    assert (target["metric"], target["periods"]) == ("mttr_hours", ["2026-06"])  # 18 h > 10 h
    result = runner.invoke(app, ["--db", db_url, "alerts", "ack", str(target["id"]),
                                 "--user", "lee", "--comment", "checked"])  # fmt: skip
    assert result.exit_code == 0, result.output
    options = ["--since", "2026-01-01", "--as-of", "2026-06-30", "--format", "json"]
    listed = runner.invoke(app, ["--db", db_url, "alerts", *options, "--lang", "zh"], env=env)
    again = {a["id"]: a for a in json.loads(listed.output)}
    assert again[target["id"]]["acknowledged_by"] == "lee"
    assert "未达目标" in again[target["id"]]["message"]
    missing = runner.invoke(app, ["--db", db_url, "alerts", "ack", "99999"])
    assert missing.exit_code == 2


def test_api_check_list_and_acknowledge(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    with session_scope(engine) as session:
        build(session, HOURS)

    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    query = "?since=2026-01-01&as_of=2026-06-30"
    assert client.post(f"/api/v1/alerts/check{query}", headers=auth("viewer")).status_code == 403
    checked = client.post(f"/api/v1/alerts/check{query}", headers=auth("engineer"))
    assert checked.status_code == 200
    raised = checked.json()["alerts"]
    assert any(a["kind"] == "trend" and a["metric"] == "mttr_hours" for a in raised)
    listed = client.get("/api/v1/alerts?open=true", headers=auth("viewer")).json()
    assert {a["id"] for a in listed} == {a["id"] for a in raised}
    first = raised[0]["id"]
    denied = client.post(f"/api/v1/alerts/{first}/ack", headers=auth("viewer"), json={})
    assert denied.status_code == 403
    done = client.post(f"/api/v1/alerts/{first}/ack", headers=auth("engineer"),
                       json={"comment": "on it"})  # fmt: skip
    assert done.status_code == 200 and done.json()["comment"] == "on it"
    still_open = client.get("/api/v1/alerts?open=true", headers=auth("viewer")).json()
    assert first not in {a["id"] for a in still_open}
    assert (
        client.post("/api/v1/alerts/99999/ack", headers=auth("engineer"), json={}).status_code
        == 404
    )
