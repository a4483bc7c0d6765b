"""The review queue, the graded inbox and the taxonomy page in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core import migrate
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.intake.models import Case
from qloop.intake.service import import_file
from qloop.taxonomy.service import load_taxonomy
from qloop.web.app import create_app
from tests.files import write_csv
from tests.web.conftest import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def database(tmp_path: Path) -> str:
    """An engineer, an admin, and cases imported without category or severity."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine: Engine = make_engine(url)
    migrate.ensure_schema(engine)
    with session_scope(engine) as session:
        accounts.create_user(session, name="li.wei", password="correct horse", role=Role.ENGINEER)
        accounts.create_user(session, name="zhang.an", password="correct horse", role=Role.ADMIN)
    header = ["case_id", "received_at", "channel", "product", "title", "description"]
    import_file(
        engine,
        table="cases",
        path=write_csv(
            tmp_path / "c.csv",
            header,
            [
                ["U1", "2026-05-01 09:00", "hotline", "PX9", "", "充电时电池鼓包还冒烟"],
                ["R1", "2026-05-02 10:00", "app", "WM7", "", "hello"],
                ["R2", "2026-05-03 11:00", "hotline", "WM7", "", "请联系我"],
            ],
        ),
    )
    with session_scope(engine) as session:
        graded = {c.case_id: c for c in session.query(Case)}
        assert (graded["U1"].category, graded["U1"].severity) == ("electrical", "urgent")
        assert graded["R1"].category_confidence == 0.0 == graded["R2"].category_confidence
    engine.dispose()
    return url


@pytest.fixture
def server(database: str) -> Iterator[str]:
    """qloop served by uvicorn on a free loopback port, over the small database."""
    app = create_app(Settings(database_url=database))
    with serving(app) as url:
        yield url


def log_in(page: object, server: str, path: str, name: str) -> None:
    page.goto(f"{server}{path}")  # type: ignore[attr-defined]
    page.fill("#name", name)  # type: ignore[attr-defined]
    page.fill("#password", "correct horse")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}{path}")  # type: ignore[attr-defined]


def test_confirm_a_case_in_the_review_queue(browser: object, server: str, database: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/review", "li.wei")
    assert "2 cases to review" in page.inner_text("p.total")
    rows = page.locator("table.review tr").all_inner_texts()
    assert len(rows) == 3 and not any("U1" in row for row in rows)  # header, R1, R2
    assert "Confirm" in page.locator("table.review tr", has_text="R1").inner_text()
    page.locator("table.review tr", has_text="R1").locator("button.confirm").click()
    page.wait_for_url(f"{server}/review?offset=0")
    assert "1 cases to review" in page.inner_text("p.total")
    rows = page.locator("table.review tr").all_inner_texts()
    assert len(rows) == 2 and "R2" in rows[1] and not any("R1" in row for row in rows)
    page.close()

    engine = make_engine(database)
    with session_scope(engine) as session:
        confirmed = session.query(Case).filter_by(case_id="R1").one()
        assert (confirmed.category, str(confirmed.category_set_by)) == ("other", "user")
        assert confirmed.category_set_by_user == "li.wei"
    engine.dispose()


def test_the_inbox_shows_category_names_and_reasons(browser: object, server: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/cases", "li.wei")
    row = page.locator("table.inbox tr", has_text="U1").inner_text()
    assert "Electrical failure" in row and "Battery swelling" in row
    assert "auto" in row
    assert "Safety hazard: 鼓包, 冒烟" in row
    other = page.locator("table.inbox tr", has_text="R1").inner_text()
    assert "Other" in other and "Safety hazard" not in other

    page.click("text=中文")
    page.wait_for_url(f"{server}/cases")
    assert page.inner_text("h1") == "案例"
    row = page.locator("table.inbox tr", has_text="U1").inner_text()
    assert "电气故障" in row and "电池鼓包" in row and "自动" in row
    assert "安全隐患: 鼓包、冒烟" in row
    assert "Electrical failure" not in row
    page.close()


def test_an_admin_adds_a_failure_mode(browser: object, server: str, database: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/taxonomy", "zhang.an")
    card = page.locator("#category-mechanical")
    assert "belt_slip" not in card.inner_text()
    card.locator("summary", has_text="Add a failure mode").click()
    form = card.locator("details", has_text="Add a failure mode").locator("form")
    form.locator("input[name=code]").fill("Belt Slip")
    form.locator("input[name=name_en]").fill("Belt slipping")
    form.locator("input[name=name_zh]").fill("皮带打滑")
    form.locator("textarea[name=keywords]").fill("belt slips, 皮带打滑")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/taxonomy")
    table = page.locator("#category-mechanical table.modes")
    assert "Belt slipping" in table.inner_text() and "belt_slip" in table.inner_text()
    row = table.locator("tr", has_text="belt_slip")
    row.locator("summary", has_text="2 words").click()  # the words fold away until asked for
    assert "belt slips, 皮带打滑" in row.inner_text()
    assert "belt_slip" not in page.locator("#category-electrical").inner_text()
    page.close()

    engine = make_engine(database)
    with session_scope(engine) as session:
        mechanical = next(c for c in load_taxonomy(session).categories if c.code == "mechanical")
        added = mechanical.failure_modes[-1]
        assert (added.code, added.name_en, added.name_zh, added.keywords) == (
            "belt_slip",
            "Belt slipping",
            "皮带打滑",
            ["belt slips", "皮带打滑"],
        )
    engine.dispose()
