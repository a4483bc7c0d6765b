"""``qloop demo`` imports the generated files through the normal import, with no rejects."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from qloop.accounts import service as accounts
from qloop.alerts.service import check_alerts
from qloop.cli import app
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.demo.service import DEMO_TABLES, build_demo
from qloop.intake.models import Case, Product, Repair, Survey, Unit
from qloop.rca.service import find_suspects


def data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_demo_builds_into_the_database_and_rebuilds_idempotently(
    engine: Engine, tmp_path: Path
) -> None:
    results = build_demo(engine, out_dir=tmp_path)
    assert [r.table for r in results] == list(DEMO_TABLES)
    for result in results:
        assert result.rejected == 0, result
        assert result.inserted == result.read == data_rows(Path(result.file))
    with Session(engine) as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Unit, Case, Repair, Survey)
        }
        products = set(session.scalars(select(Product.code)))
        channels = set(session.scalars(select(Case.channel).distinct()))
    assert counts == {r.table: r.inserted for r in results}
    assert 35_000 <= counts["units"] <= 45_000 and 1_200 <= counts["cases"] <= 1_800
    assert len(products) >= 4 and len(channels) == 8

    again = build_demo(engine, out_dir=tmp_path)
    assert all((r.inserted, r.updated, r.unchanged) == (0, 0, r.read) for r in again)

    # the planted rising repair time of WM7 raises its trend alert
    with session_scope(engine) as session:
        url = engine.url.render_as_string(hide_password=False)
        checked = check_alerts(session, Settings(database_url=url), since=dt.date(2000, 1, 1))
        rising = [
            a
            for a in checked.alerts
            if (a.kind, a.metric, a.scope) == ("trend", "mttr_hours", {"product": "WM7"})
        ]
    assert len(rising) == 1, [a.message_en for a in checked.alerts if a.kind == "trend"]
    assert rising[0].values[-1] > 2 * rising[0].values[0]
    assert rising[0].message_en.startswith("WM7 MTTR rose")

    # the planted causes come out on top; the cause-free failure mode has no suspect
    with session_scope(engine) as session:
        tops = {
            mode: find_suspects(session, failure_mode=mode).as_json()["suspects"][0]
            for mode in ("battery_swelling", "spindle_vibration", "door_seal_leak", "screen_crack")
        }
        packaging = find_suspects(session, failure_mode="packaging_damage").as_json()
    assert tops["battery_swelling"]["attribute"] == "battery_lot"
    assert tops["spindle_vibration"]["attribute"].startswith("bearing_")
    assert tops["door_seal_leak"]["attribute"] == "seal_supplier"
    assert (tops["screen_crack"]["attribute"], tops["screen_crack"]["value"]) == (
        "glass_thickness_mm",
        "0.7",
    )
    assert all(top["q_value"] < 1e-6 for top in tops.values())
    assert min(row["q_value"] for row in packaging["suspects"]) >= 0.05


def test_demo_command(db_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", db_url, "demo", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "units" in result.output and "0 rejected" in result.output
    assert (tmp_path / "d" / "cases.csv").exists()
    found = re.search(r"user name (\S+), password (\S+) ", result.output)
    assert found is not None and found.group(1) == "demo"
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        assert accounts.authenticate(session, name="demo", password=found.group(2)).user
    engine.dispose()
