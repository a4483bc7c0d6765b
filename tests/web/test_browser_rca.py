"""Issue 7's "done when", in a real headless Chromium on the demo data: an engineer opens an
investigation on the swelling batteries, sees the cell lot on top with its chart, writes
the 5-Why and the fishbone, fills the FMEA and exports it — in English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core import migrate
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.demo.service import build_demo
from qloop.rca.fmea_xlsx import read_fmea_xlsx
from qloop.rca.service import find_suspects
from qloop.web.app import create_app
from tests.web.conftest import serving
from tests.web.test_browser_classify import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object]]:
    """The demo database, an engineer, and the top suspect of battery_swelling."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    migrate.ensure_schema(engine)
    build_demo(engine, out_dir=folder)
    with session_scope(engine) as session:
        accounts.create_user(session, name="li.wei", password="correct horse", role=Role.ENGINEER)
        top = find_suspects(session, failure_mode="battery_swelling").as_json()["suspects"][0]
    engine.dispose()
    return url, top


@pytest.fixture(scope="module")
def server(demo: tuple[str, dict[str, object]]) -> Iterator[str]:
    with serving(create_app(Settings(database_url=demo[0]))) as url:
        yield url


def test_from_swelling_batteries_to_an_exported_fmea(
    browser: object, server: str, demo: tuple[str, dict[str, object]]
) -> None:
    top = demo[1]
    assert top["attribute"] == "battery_lot"  # the planted cause (tests/demo checks the rest)
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/investigations", "li.wei")
    page.fill("input[name=title]", "Swelling batteries")
    page.fill("input[name=failure_mode]", "battery_swelling")
    page.click("form[action='/investigations'] button[type=submit]")
    page.wait_for_selector("table.suspects")
    first = page.locator("table.suspects tr").nth(1)
    cells = first.locator("td").all_inner_texts()
    assert cells[:4] == ["battery_lot", str(top["value"]), f"{top['units']}", f"{top['failures']}"]
    assert "significant" in (first.get_attribute("class") or "")
    page.wait_for_selector("#tis-chart .main-svg")
    legend = page.locator("#tis-chart .legendtext").all_text_contents()
    assert any(str(top["value"]) in text for text in legend) and len(legend) >= 2

    first.locator("button").click()  # the suspect row onto the fishbone
    page.wait_for_selector("#fishbone svg g.cause")
    assert f"battery_lot = {top['value']}" in page.text_content("#fishbone svg")
    page.fill("#add-cause input[name=text]", "Charging at 45 °C in summer")
    page.select_option("#add-cause select[name=category]", "environment")
    page.click("#add-cause button[type=submit]")
    page.wait_for_selector("#fishbone svg g.cause[data-category=environment]")

    page.fill("#add-step textarea[name=because]", f"Cells of lot {top['value']} swell")
    page.fill("#add-step input[name=suspect]", f"battery_lot = {top['value']}")
    page.click("#add-step button[type=submit]")
    page.wait_for_selector("ol.five-why li")
    assert page.input_value("#add-step textarea[name=why]") == f"Cells of lot {top['value']} swell"

    suggested = page.inner_text(".suggested-o")
    assert page.input_value("#add-fmea input[name=occurrence]") == suggested
    for name, value in (
        ("item", "Battery pack"),
        ("effect", "Back cover pushed off"),
        ("severity", "9"),
        ("detection", "7"),
        ("cause", "Thin separator"),
    ):
        page.fill(f"#add-fmea input[name={name}]", value)  # fmt: skip
    page.click("#add-fmea button[type=submit]")
    page.wait_for_selector("table.fmea td.ap")
    assert page.inner_text("table.fmea td.ap") in ("H", "M", "L")

    page.click("form.language button")  # 中文
    page.wait_for_selector("text=鱼骨图")
    assert "嫌疑项" in page.inner_text("#suspects h2") and "料" in page.text_content(
        "#fishbone svg"
    )
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[href$='export.pdf?lang=zh']")
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert str(top["value"]) in text and "鱼骨图" in text and "Thin separator" in text
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[href$='fmea.xlsx?lang=zh']")
    rows = read_fmea_xlsx(Path(download.value.path()).read_bytes(), file_name="fmea.xlsx")
    assert [(r.item, r.severity, r.detection) for r in rows] == [("Battery pack", 9, 7)]
