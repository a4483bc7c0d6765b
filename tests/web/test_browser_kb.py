"""Issue 9's "done when", in a real headless Chromium on the demo data: a hotline agent
types in a new battery-swelling case and its page suggests the battery-lot article and
earlier swelling cases; a "Helpful" mark is stored; the knowledge base finds articles
for Chinese and English searches; an article renders its Markdown, in either UI language."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core import migrate
from qloop.core.db import make_engine, session_scope
from qloop.core.settings import Settings
from qloop.demo import scenarios
from qloop.demo.service import build_demo
from qloop.intake.models import Case, Unit
from qloop.kb.models import Article, Feedback
from qloop.web.app import create_app
from tests.web.conftest import serving
from tests.web.test_browser_classify import log_in

pytestmark = pytest.mark.browser

CASE_ID = "HL-2611-0001"
LOT_ARTICLE_ZH = "px9-battery-swelling-hy2509-c11-zh"
#: (database URL, a PX9 with a cell of the swelling lot, {article slug: (id, title)})
DemoDb = tuple[str, str, dict[str, tuple[int, str]]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    """The demo database, an engineer, a PX9 with a cell of the swelling lot, and the
    articles by slug: (id, title)."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = make_engine(url)
    migrate.ensure_schema(engine)
    build_demo(engine, out_dir=folder)
    with session_scope(engine) as session:
        accounts.create_user(session, name="li.wei", password="correct horse", role=Role.ENGINEER)
        units = session.scalars(select(Unit).where(Unit.product == "PX9").order_by(Unit.serial))
        serial = next(u.serial for u in units
                      if u.attributes.get("battery_lot") == scenarios.BAD_BATTERY_LOT)  # fmt: skip
        articles = {slug: (aid, title) for aid, slug, title in session.execute(
            select(Article.id, Article.slug, Article.title)) if slug}  # fmt: skip
    engine.dispose()
    return url, serial, articles


@pytest.fixture(scope="module")
def server(demo: DemoDb) -> Iterator[str]:
    with serving(create_app(Settings(database_url=demo[0]))) as url:
        yield url


def test_a_new_swelling_case_suggests_the_lot_article_and_takes_a_mark(
    browser: object, server: str, demo: DemoDb
) -> None:
    url, serial, articles = demo
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/new-case", "li.wei")
    page.fill("input[name=case_id]", CASE_ID)
    page.fill("input[name=received_at]", "2026-11-28 09:30")
    page.fill("input[name=serial]", serial)
    page.fill("input[name=product]", "PX9")
    page.fill("input[name=title]", "手机后盖鼓起来了")
    page.fill("textarea[name=description]", "手机后盖鼓起来了，电池好像膨胀了，充电时有点烫。")
    page.click("form[action='/new-case'] button[type=submit]")
    page.wait_for_url(f"{server}/cases/{CASE_ID}")

    card = page.locator("#suggestions")
    assert card.locator("h2").inner_text() == "Suggestions"
    lot_id, lot_title = articles[LOT_ARTICLE_ZH]
    first = card.locator("ol.kb-suggested > li").first
    assert first.locator("a").first.inner_text() == lot_title
    assert first.locator("a").first.get_attribute("href") == f"/kb/{lot_id}"
    assert first.locator(".snippet mark").count() > 0
    rows = card.locator("table.similar-cases tr")
    assert rows.count() == 5
    for text in rows.all_inner_texts():
        assert "Battery swelling" in text and "PX9" in text and CASE_ID not in text

    first.locator("button[name=helpful][value=true]").click()
    page.wait_for_url(f"{server}/cases/{CASE_ID}#suggestions")
    assert page.locator("#suggestions ol.kb-suggested > li").count() == 3
    page.close()

    engine = make_engine(url)
    with session_scope(engine) as session:
        case = session.scalars(select(Case).where(Case.case_id == CASE_ID)).one()
        assert (case.product, case.failure_mode) == ("PX9", "battery_swelling")  # classified
        marks = session.scalars(select(Feedback).where(Feedback.case_id == CASE_ID)).all()
        assert [(m.target_kind, m.target_id, m.helpful, m.user_name) for m in marks] == [
            ("article", str(lot_id), True, "li.wei")
        ]
    engine.dispose()


@pytest.mark.parametrize(
    ("query", "slug"),
    [("电池鼓包", LOT_ARTICLE_ZH), ("washing machine leaking at the door", "wm7-door-seal-leak")],
)
def test_the_knowledge_base_finds_articles_in_both_languages(
    browser: object, server: str, demo: DemoDb,
    query: str, slug: str,
) -> None:  # fmt: skip
    article_id, title = demo[2][slug]
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, "/kb", "li.wei")
    page.fill("form.filters input[name=q]", query)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(lambda address: "q=" in address)
    assert page.input_value("form.filters input[name=q]") == query
    first = page.locator("ol.kb-hits > li").first
    assert first.locator("a").inner_text() == title
    assert first.locator("a").get_attribute("href") == f"/kb/{article_id}"
    assert first.locator(".snippet mark").count() > 0
    page.close()


def test_an_article_renders_its_markdown_in_either_ui_language(
    browser: object, server: str, demo: DemoDb
) -> None:
    article_id, title = demo[2]["px9-battery-swelling-hy2509-c11"]
    zh_id, zh_title = demo[2][LOT_ARTICLE_ZH]
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, f"/kb/{article_id}", "li.wei")
    assert page.inner_text(".article h1") == title
    headings = page.locator(".article .markdown h2").all_inner_texts()
    assert headings[:3] == ["Symptoms", "Root cause", "Fix"]
    assert page.locator(".article .markdown ul li").count() >= 3
    assert page.locator(f".article a[href='/kb/{zh_id}']").inner_text() == f"{zh_title} (zh)"

    page.click("form.language button[lang=zh-CN]")  # 中文
    page.wait_for_selector("text=其他语言版本")
    assert "故障模式" in page.inner_text(".article") and "知识" in page.inner_text("nav")
    page.click(f".article a[href='/kb/{zh_id}']")
    page.wait_for_url(f"{server}/kb/{zh_id}")
    assert page.locator(".article .markdown h2").all_inner_texts()[:3] == [
        "症状", "根本原因", "解决方法"]  # fmt: skip
    assert page.locator(".article[lang=zh-CN]").count() == 1
    page.close()


def test_an_articles_pictures_show_and_an_engineer_attaches_one(
    browser: object, server: str, demo: DemoDb, tmp_path: Path
) -> None:
    """The demo door-seal article shows its drawing where the body names it (the browser
    decodes it: served as an image, not blocked), and a picture attached through the form
    appears in the files and in the text that names it."""
    article_id, _title = demo[2]["wm7-door-seal-leak"]
    page = browser.new_page()  # type: ignore[attr-defined]
    log_in(page, server, f"/kb/{article_id}", "li.wei")
    drawing = page.locator(".article .markdown img").first
    assert drawing.get_attribute("src") == (
        f"/kb/{article_id}/files/wm7-door-seal-leak-zone.png")  # fmt: skip
    page.wait_for_function("img => img.complete && img.naturalWidth > 300",
                           arg=drawing.element_handle())  # fmt: skip
    photo = tmp_path / "torn lip.png"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    page.set_input_files("#files input[type=file]", str(photo))
    page.click("#files form[enctype] button[type=submit]")  # Attach / 附加: the user's language
    page.wait_for_url(f"{server}/kb/{article_id}#files")
    assert page.locator("#files li", has_text="torn lip.png").count() == 1
    shown = page.locator("#files img[alt='torn lip.png']")
    page.wait_for_function("img => img.complete && img.naturalWidth === 40",
                           arg=shown.element_handle())  # fmt: skip
    meta = page.inner_text(".article .meta")  # in the user's language, English or Chinese
    assert re.search(r"(version|版本) 2 ", meta), meta  # imported with its drawing, the photo
    page.close()
