"""KPI charts, the alerts page and its acknowledgement in a real headless Chromium."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.alerts.models import Alert
from qloop.alerts.service import check_alerts
from qloop.core import migrate
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.web.app import create_app
from tests.alerts.test_service import HOURS, build
from tests.web.conftest import serving
from tests.web.test_browser_classify import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def database(tmp_path: Path) -> str:
    """WM7 repair times rising from April to June, and its alerts checked."""
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    engine = make_engine(url)
    migrate.ensure_schema(engine)
    with session_scope(engine) as session:
        accounts.create_user(session, name="li.wei", password="correct horse", role=Role.ENGINEER)
        build(session, HOURS)
        check_alerts(
            session, Settings(database_url=url), since=dt.date(2026, 1, 1),
            as_of=dt.date(2026, 6, 30),
        )  # fmt: skip
    engine.dispose()
    return url


@pytest.fixture
def server(database: str) -> Iterator[str]:
    with serving(create_app(Settings(database_url=database))) as url:
        yield url


def test_charts_draw_with_targets_and_export_csv(browser: object, server: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/kpi/charts", "li.wei")
    page.wait_for_selector("#kpi-mttr_hours .main-svg")
    mttr = page.locator("#kpi-mttr_hours")
    assert mttr.locator(".scatterlayer .trace").count() == 2  # the KPI and its target line
    for chart in ("#pareto", "#cohorts", "#heatmap"):
        assert page.locator(f"{chart} .main-svg").count() >= 1, chart
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[href='/kpi/charts/kpis.csv']")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("period,cases,mttr_hours")
    assert "2026-06" in text
    page.close()


def test_acknowledge_an_alert_on_the_page(browser: object, server: str, database: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/alerts", "li.wei")
    row = page.locator("table.alerts tr", has_text="WM7 MTTR rose 3 months in a row")
    assert "4.0 → 9.0 → 12.0 → 18.0 h" in row.inner_text()
    row.locator("input[name=comment]").fill("pump supplier changed in March")
    row.locator("button", has_text="Acknowledge").click()
    page.wait_for_url(f"{server}/alerts")
    assert page.locator("table.alerts tr", has_text="WM7 MTTR rose").count() == 0  # open only
    page.click("text=All")
    done = page.locator("table.alerts tr", has_text="WM7 MTTR rose").inner_text()
    assert "li.wei" in done and "pump supplier changed in March" in done
    page.click("text=中文")
    assert "平均修复时间连续 3 个月上升" in page.inner_text("table.alerts")
    page.close()
    engine = make_engine(database)
    with session_scope(engine) as session:
        acked = session.query(Alert).filter(Alert.acknowledged_by == "li.wei").one()
        assert acked.ack_comment == "pump supplier changed in March"
    engine.dispose()
