"""The article list in pages, on both back ends: ``service.list_articles`` (filters and
counts in SQL, newest edit first), ``GET /api/v1/kb`` without ``q`` (``limit``,
``offset``, ``X-Total-Count``) and the ``/kb`` page (50 a page, links that keep the
filters, in English and Chinese)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts.models import Role
from qloop.core.db import session_scope
from qloop.kb import service
from qloop.kb.index import index_article
from qloop.kb.models import Article, ArticleKind, ArticleStatus
from tests.kb.test_service import ENGINEER, VIEWER
from tests.web.test_pages import logged_in

STAMP = dt.datetime(2026, 5, 1, 9, 0)
#: products lists a filter must tell apart: an exact entry matches, nothing else does
PRODUCTS: list[list[str]] = [
    ["WM7"], ["WM7", "WM8"], ["wm7"], ["WM7 "], ["WM"], ["WM7X"], [], ["AC3", "WM7"],
    ["O'Neil"], ["洗衣机"], ["50%_off"], ["A,B"], ["WM8"],
]  # fmt: skip
MODES: list[list[str]] = [["water_leak"], ["water_leak", "abnormal_noise"], ["water"], []]


def add_articles(session: Session, count: int, **fields: Any) -> list[Article]:
    """``count`` articles, edited a minute apart, but every fourth at the same minute as
    the one before (the later id must come first)."""
    made = []
    for number in range(count):
        stamp = STAMP + dt.timedelta(minutes=number - (number % 4 == 3))
        values: dict[str, Any] = {
            "kind": list(ArticleKind)[number % len(ArticleKind)], "lang": "en",
            "products": PRODUCTS[number % len(PRODUCTS)],
            "failure_modes": MODES[number % len(MODES)], "tags": [], "steps": [], "body": "",
            "status": ArticleStatus.PUBLISHED, "version": 1,
        }  # fmt: skip
        article = Article(title=f"Article {number:03d}", created_at=stamp, created_by="eng",
                          updated_at=stamp, updated_by="eng", **(values | fields))  # fmt: skip
        session.add(article)
        made.append(article)
    session.flush()
    return made


@pytest.fixture
def articles(engine: Engine) -> Iterator[tuple[Session, list[Article]]]:
    with session_scope(engine) as session:
        made = add_articles(session, 40)
        made += add_articles(session, 6, status=ArticleStatus.DRAFT, lang="zh")
        yield session, made


def newest_first(found: list[Article]) -> list[int]:
    """The list's order, worked out here: the later edit, then the later id, first."""
    return [a.id for a in sorted(found, key=lambda a: (a.updated_at, a.id), reverse=True)]


@pytest.mark.parametrize(
    "product", ["WM7", "WM8", "wm7", "WM7 ", "WM", "O'Neil", "洗衣机", "50%_off", "%", "A,B", "A"]
)
def test_a_product_filter_is_an_exact_entry_of_the_list(
    articles: tuple[Session, list[Article]], product: str
) -> None:
    """The SQL test (JSON on SQLite, JSONB on PostgreSQL) keeps what ``product in
    article.products`` keeps, no more and no less."""
    session, made = articles
    expected = newest_first(
        [a for a in made if product in a.products and a.status is ArticleStatus.PUBLISHED]
    )
    found, total = service.list_articles(session, reader=VIEWER, product=product)
    assert [a.id for a in found] == expected
    assert total == len(expected)


@pytest.mark.parametrize("mode", ["water_leak", "abnormal_noise", "water", "leak"])
def test_a_failure_mode_filter_is_an_exact_entry_too(
    articles: tuple[Session, list[Article]], mode: str
) -> None:
    session, made = articles
    expected = newest_first([a for a in made if mode in a.failure_modes])
    found, total = service.list_articles(session, reader=ENGINEER, failure_mode=mode)
    assert ([a.id for a in found], total) == (expected, len(expected))


def test_pages_cover_the_list_once_in_order(articles: tuple[Session, list[Article]]) -> None:
    """46 articles for an engineer: pages of 20 hold 20, 20 and 6; past the end, none."""
    session, made = articles
    pages = [
        service.list_articles(session, reader=ENGINEER, limit=20, offset=o) for o in (0, 20, 40)
    ]
    assert [len(items) for items, _ in pages] == [20, 20, 6]
    assert [total for _, total in pages] == [46, 46, 46]
    assert [a.id for items, _ in pages for a in items] == newest_first(made)
    assert service.list_articles(session, reader=ENGINEER, limit=20, offset=46) == ([], 46)
    drafts, total = service.list_articles(session, reader=ENGINEER, status="draft", limit=4)
    assert ([a.id for a in drafts], total) == (newest_first(made[40:])[:4], 6)
    mixed, total = service.list_articles(session, reader=VIEWER, product="WM7",
                                         failure_mode="water_leak", kind="repair_sop")  # fmt: skip
    expected = [a for a in made[:40] if "WM7" in a.products and "water_leak" in a.failure_modes
                and a.kind is ArticleKind.REPAIR_SOP]  # fmt: skip
    assert ([a.id for a in mixed], total) == (newest_first(expected), 3)  # numbers 1, 13, 33


# --- GET /api/v1/kb -----------------------------------------------------------------------


def get(client: TestClient, token: str, url: str, status: int = 200) -> Any:
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, (url, response.text)
    return response


def test_the_api_list_is_paged_with_the_total_in_a_header(
    engine: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    with session_scope(engine) as session:
        made = add_articles(session, 60) + add_articles(session, 5, status=ArticleStatus.DRAFT)
        order = newest_first(made)
        published = newest_first(made[:60])
        wm8 = newest_first([a for a in made[:60] if "WM8" in a.products])
    viewer, engineer = tokens["viewer"], tokens["engineer"]
    first = get(client, viewer, "/api/v1/kb")
    assert [a["id"] for a in first.json()] == published[:50]
    assert first.headers["X-Total-Count"] == "60"
    rest = get(client, viewer, "/api/v1/kb?offset=50")
    assert [a["id"] for a in rest.json()] == published[50:]
    everything = get(client, engineer, "/api/v1/kb?limit=500")
    assert [a["id"] for a in everything.json()] == order
    assert everything.headers["X-Total-Count"] == "65"
    page = get(client, engineer, "/api/v1/kb?limit=7&offset=63")
    assert ([a["id"] for a in page.json()], page.headers["X-Total-Count"]) == (order[63:], "65")
    filtered = get(client, viewer, "/api/v1/kb?product=WM8&limit=3")
    assert [a["id"] for a in filtered.json()] == wm8[:3]
    assert filtered.headers["X-Total-Count"] == str(len(wm8)) == "9"
    for bad in ("limit=0", "limit=501", "offset=-1", "offset=x"):
        get(client, viewer, f"/api/v1/kb?{bad}", status=422)


def test_search_mode_keeps_its_limits(
    engine: Engine, client: TestClient, tokens: dict[str, str]
) -> None:
    with session_scope(engine) as session:
        for article in add_articles(session, 12, symptoms="The drum leaks water."):
            index_article(session, article)
    viewer = tokens["viewer"]
    hits = get(client, viewer, "/api/v1/kb?q=leak")
    assert len(hits.json()) == 10 and "X-Total-Count" not in hits.headers
    assert len(get(client, viewer, "/api/v1/kb?q=leak&limit=100").json()) == 12
    refused = get(client, viewer, "/api/v1/kb?q=leak&limit=101", status=422).json()
    assert refused["errors"] == [{"field": "limit", "reason": "a search gives 100 hits at most"}]
    paged = get(client, viewer, "/api/v1/kb?q=leak&offset=10", status=422).json()
    assert paged["errors"][0]["field"] == "offset"


# --- the /kb page -------------------------------------------------------------------------


def listed(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr><td><a href="/kb/(\d+)">', html)]


def test_the_page_shows_50_at_a_time_and_keeps_the_filters(
    engine: Engine, client: TestClient
) -> None:
    with session_scope(engine) as session:
        made = add_articles(session, 55, products=["WM7"]) + add_articles(
            session, 8, products=["AC3"]
        )
        every, wm7 = newest_first(made), newest_first(made[:55])
    logged_in(client, engine, Role.VIEWER)
    first = client.get("/kb").text
    assert "63 articles, 1–50 shown" in first and listed(first) == every[:50]
    assert 'href="/kb?offset=50" rel="next">Next →' in first and 'rel="prev"' not in first
    second = client.get("/kb", params={"offset": 50}).text
    assert "63 articles, 51–63 shown" in second and listed(second) == every[50:]
    assert 'href="/kb?offset=0" rel="prev">← Previous' in second and 'rel="next"' not in second
    filtered = client.get("/kb", params={"product": "WM7", "lang": "en", "offset": 50}).text
    assert "55 articles, 51–55 shown" in filtered and listed(filtered) == wm7[50:]
    assert 'href="/kb?product=WM7&amp;lang=en&amp;offset=0" rel="prev"' in filtered
    chinese = client.get("/kb", params={"product": "WM7"}, headers={"Accept-Language": "zh-CN"})
    assert "共 55 篇文章" in chinese.text and "下一页" in chinese.text
    assert 'href="/kb?product=WM7&amp;offset=50" rel="next"' in chinese.text
    assert client.get("/kb", params={"offset": -1}).status_code == 422


def test_the_kind_links_keep_the_other_filters(engine: Engine, client: TestClient) -> None:
    logged_in(client, engine, Role.VIEWER)
    page = client.get("/kb", params={"product": "WM7 洗衣机", "lang": "zh", "offset": 50}).text
    assert 'href="/kb?product=WM7+%E6%B4%97%E8%A1%A3%E6%9C%BA&amp;lang=zh&amp;kind=faq"' in page
    assert "<strong>All</strong>" in page
    chosen = client.get("/kb", params={"product": "WM7", "kind": "faq"}).text
    assert 'href="/kb?product=WM7">All</a>' in chosen
    assert 'href="/kb?product=WM7&amp;kind=repair_sop"' in chosen
    assert "<strong>FAQ</strong>" in chosen
    assert 'href="/kb">All</a>' in client.get("/kb", params={"kind": "faq"}).text
