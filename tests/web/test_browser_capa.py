"""Issue 8's "done when", in a real headless Chromium on the demo data: from the spindle
investigation to a plan with a quarantine list, a supplier claim and department actions;
from the screen-crack plan to a verified-effective close; both 8D reports exported — and
the action's owner updating it from "my actions"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.capa.containment import find_affected_units
from qloop.core import migrate
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.demo.service import build_demo
from qloop.web.app import create_app
from tests.web.conftest import serving
from tests.web.test_browser_classify import log_in

pytestmark = pytest.mark.browser
BAD_BATCH = "HL-B2512-02"  # the demo's planted bearing batch (tests/demo check the planting)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, int]:
    """The demo database with an engineer and an owner; the bad batch's units and cases."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    migrate.ensure_schema(engine)
    build_demo(engine, out_dir=folder)
    with session_scope(engine) as session:
        accounts.create_user(session, name="li.wei", password="correct horse", role=Role.ENGINEER)
        accounts.create_user(session, name="zhang", password="correct horse", role=Role.OWNER)
        found = find_affected_units(session, product="CNC500", limit=0,
                                    conditions=[("bearing_batch", BAD_BATCH)],
                                    failure_mode="spindle_vibration")  # fmt: skip
    engine.dispose()
    return url, found.units, found.with_cases


@pytest.fixture(scope="module")
def server(demo: tuple[str, int, int]) -> Iterator[str]:
    with serving(create_app(Settings(database_url=demo[0]))) as url:
        yield url


def _open_plan(page: object, server: str, title: str, mode: str, product: str = "") -> None:
    page.goto(f"{server}/investigations")  # type: ignore[attr-defined]
    page.fill("input[name=title]", title)  # type: ignore[attr-defined]
    page.fill("input[name=failure_mode]", mode)  # type: ignore[attr-defined]
    page.fill("form[action='/investigations'] input[name=product]", product)  # type: ignore[attr-defined]
    page.click("form[action='/investigations'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#suspects")  # type: ignore[attr-defined]
    number = page.url.rsplit("/", 1)[1]  # type: ignore[attr-defined]
    page.goto(f"{server}/plans")  # type: ignore[attr-defined]
    page.select_option("select[name=investigation_id]", number)  # type: ignore[attr-defined]
    page.click("form[action='/plans'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#D3")  # type: ignore[attr-defined]


def test_spindle_plan_and_screen_crack_close(
    browser: object, server: str, demo: tuple[str, int, int], tmp_path: Path
) -> None:
    _url, units, with_cases = demo
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/plans", "li.wei")
    _open_plan(page, server, "CNC500 spindle vibration", "spindle_vibration")
    # D3: the top suspect pre-fills the containment form; the counts are kept on the plan
    assert page.input_value("#containment-form input[name=product]") == "CNC500"
    assert page.input_value("#containment-form input[name=value]") == BAD_BATCH
    page.click("#containment-form button[type=submit]")
    counts = page.locator("table.containment-counts tr").nth(1).locator("td").all_inner_texts()
    assert counts[0] == f"{units:,}" and counts[3] == f"{with_cases:,}"
    assert page.locator("#files li", has_text="containment CNC500").count() == 1
    # a supplier claim for the contained units, and actions for two departments
    assert page.input_value("#add-claim input[name=affected_units]") == str(units)
    page.fill("#add-claim input[name=supplier]", "Wuxi Hongli Precision")
    page.fill("#add-claim input[name=lot]", BAD_BATCH)
    page.fill("#add-claim input[name=cost_per_unit]", "850")
    page.click("#add-claim button[type=submit]")
    assert f"{units * 850:,.2f} CNY" in page.inner_text("table.claims")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    for title, department, owner, due in (
        ("Quarantine bearing batch stock", "purchasing", "zhang", yesterday),
        ("Sweep the machines already sold", "service", "li.wei", "2099-01-31"),
    ):
        page.fill("#add-action input[name=title]", title)
        page.fill("#add-action input[name=department]", department)
        page.fill("#add-action input[name=owner]", owner)
        page.fill("#add-action input[name=due_date]", due)
        page.click("#add-action button[type=submit]")
    rows = page.locator("table.actions tr.overdue")
    assert rows.count() == 1 and "Quarantine bearing batch stock" in rows.inner_text()
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[href$='report.pdf?lang=en']")
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Wuxi Hongli Precision" in text and BAD_BATCH in text and "Quarantine" in text

    # the screen cracks: the glass change verified effective, then the plan closed
    _open_plan(page, server, "PX9 screen cracks", "screen_crack", "PX9")
    page.click("#summary details summary")
    page.fill("#summary input[name=change_date]", "2026-01-15")
    page.click("#summary form button[type=submit]")
    page.click("#verify-form button[type=submit]")
    assert "Effective" in page.inner_text("#verification .verdict")
    assert "reduction" in page.inner_text("#verification .verdict")
    page.select_option("#close-form select[name=closure]", "effective")
    page.click("#close-form button[type=submit]")
    assert "Effective" in page.inner_text(".plan-status")
    page.click("form.language button")  # 中文
    page.wait_for_selector("text=纠正措施")
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[href$='report.pdf?lang=zh']")
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "有效" in text and "0.38" in text

    # the purchasing owner sees only their action in "my actions" and reports it done
    page = browser.new_page()  # type: ignore[attr-defined]  (a context of its own)
    log_in(page, server, "/actions", "zhang")
    rows = page.locator("table.actions tr[id^=action-]")
    assert rows.count() == 1 and "Quarantine bearing batch stock" in rows.inner_text()
    rows.locator("details summary").click()
    page.select_option("table.actions select[name=status]", "done")
    page.fill("table.actions textarea[name=notes]", "18 units blocked in the warehouse")
    page.click("table.actions form.stacked button[type=submit]")
    assert "Done" in page.locator("table.actions tr[id^=action-]").inner_text()
    assert page.locator("table.actions select[name=status] option[value=verified]").count() == 0
