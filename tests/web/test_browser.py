"""The pages in a real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.intake.service import import_file
from qloop.web.app import create_app
from tests.files import write_csv
from tests.web.conftest import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """qloop served by uvicorn on a free loopback port, over a small database."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(Settings(database_url=url))
    engine: Engine = make_engine(url)
    with session_scope(engine) as session:
        accounts.create_user(session, name="li.wei", password="correct horse", role=Role.ENGINEER)
    header = ["case_id", "received_at", "channel", "product", "title", "description", "severity"]
    import_file(
        engine,
        table="cases",
        path=write_csv(
            tmp_path / "c.csv",
            header,
            [
                ["C1", "2026-05-01 09:00", "hotline", "PX9", "电池鼓包", "手机电池鼓包", "urgent"],
                [
                    "C2",
                    "2026-05-02 10:00",
                    "app",
                    "WM7",
                    "Door leaks",
                    "Water under the door",
                    "general",
                ],
            ],
        ),
    )
    engine.dispose()
    with serving(app) as url:
        yield url


def test_log_in_see_the_dashboard_and_log_out(browser: object, server: str, tmp_path: Path) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")
    page.fill("#name", "li.wei")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "wrong user name or password" in page.inner_text("[role=alert]")
    page.fill("#password", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    assert "li.wei (Engineer)" in page.inner_text("header")
    urgent = page.inner_text("main")
    assert "C1" in urgent and "电池鼓包" in urgent and "C2" not in urgent.split("Newest urgent")[1]
    page.wait_for_selector("#per-day svg.main-svg")  # Plotly drew the chart, offline
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.click("text=Log out")
    page.wait_for_url(f"{server}/login")
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")
    page.close()


def test_filter_the_inbox_open_a_case_and_change_its_severity(browser: object, server: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/cases")
    page.fill("#name", "li.wei")
    page.fill("#password", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/cases")
    page.fill("input[name=q]", "鼓包")
    page.click("text=Filter")
    rows = page.locator("table.inbox tr").all_inner_texts()
    assert len(rows) == 2 and "C1" in rows[1]  # the header row and the one match
    page.click("text=C1")
    page.wait_for_url(f"{server}/cases/C1")
    page.select_option("select[name=severity]", "important")
    page.click("text=Save")
    page.wait_for_url(f"{server}/cases/C1")
    history = page.inner_text("table.history")
    assert "severity" in history and "urgent" in history and "important" in history
    assert "li.wei" in history
    page.close()


def test_upload_a_file_with_a_bad_row_and_download_the_rejects(
    browser: object, server: str, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "units.csv",
        ["serial", "product", "ship_date"],
        [["U1", "PX9", "2026-05-01"], ["U2", "PX9", "2026-13-45"]],
    )
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/imports")
    page.fill("#name", "li.wei")
    page.fill("#password", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/imports")
    page.select_option("select[name=table]", "units")
    page.set_input_files("input[name=file]", str(source))
    page.click("form.edit button[type=submit]")
    page.wait_for_url(f"{server}/imports")
    row = page.inner_text("table.runs tr:nth-child(2)")
    assert "units.csv" in row and "li.wei" in row
    with page.expect_download() as download_info:
        page.click("table.runs a")
    saved = tmp_path / "rejects.csv"
    download_info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "U2" in text and 'ship_date: ""2026-13-45"" is not a date' in text
    page.close()


def test_switch_the_pages_to_chinese(browser: object, server: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/login")
    page.click("text=中文")
    assert page.inner_text("h1") == "登录"
    page.fill("#name", "li.wei")
    page.fill("#password", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    assert page.inner_text("h1") == "未结案例"
    assert "工程师" in page.inner_text("header")
    page.close()
