"""Knowledge-base search on both back ends: BM25 against a hand computation, Chinese
short queries, filters, hostile queries, the same ranked list on SQLite and PostgreSQL,
re-indexing, and ranking any text for a case."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.kb.index import index_article, reindex_all, remove_from_index
from qloop.kb.models import Article, ArticleKind, ArticleStatus, IndexTerm
from qloop.kb.search import MODE_BOOST, PRODUCT_BOOST, rank_articles, search_articles

STAMP = dt.datetime(2026, 5, 1, 9, 0)


def make_article(session: Session, title: str, **fields: Any) -> Article:
    values: dict[str, Any] = {"kind": ArticleKind.FAILURE_CASE, "lang": "en", "products": [],
                              "failure_modes": [], "tags": [], "steps": [], "body": "",
                              "status": ArticleStatus.PUBLISHED, "version": 1}  # fmt: skip
    article = Article(title=title, created_at=STAMP, created_by="eng", updated_at=STAMP,
                      updated_by="eng", **(values | fields))  # fmt: skip
    session.add(article)
    session.flush()
    index_article(session, article)
    return article


#: (title, fields): English and Chinese articles, with near neighbours
CORPUS: list[tuple[str, dict[str, Any]]] = [
    ("Battery swelling lifts the back cover",
     {"products": ["PX9"], "failure_modes": ["battery_swelling"],
      "symptoms": "The battery bulges and pushes the back cover up after a year.",
      "root_cause": "Cell ageing when charged hot.",
      "body": "## Symptoms\nThe battery bulges and pushes the back cover up after a year.\n"
              "## Fix\nReplace the battery and the cover adhesive."}),
    ("Charging port corrosion",
     {"products": ["PX9"], "failure_modes": ["charging_failure"],
      "symptoms": "The phone will not charge; green residue in the port.",
      "fix": "Clean the port, replace the charging board if needed."}),
    ("Door seal leaks water during wash",
     {"products": ["WM7"], "failure_modes": ["water_leak"],
      "symptoms": "Water drips from the door seal, a puddle under the machine."}),
    ("Drain pump noise during spin",
     {"products": ["WM7"], "failure_modes": ["abnormal_noise"],
      "symptoms": "Loud grinding noise from the drain pump when the drum spins."}),
    ("Speaker hum at low volume",
     {"products": ["SPK2"], "failure_modes": ["abnormal_noise"],
      "symptoms": "A constant hum from the woofer at low volume."}),
    ("Cracked screen after a drop",
     {"products": ["PX9"], "failure_modes": ["screen_crack"],
      "symptoms": "Glass shattered in one corner after a fall."}),
    ("Spindle overheating alarm E21",
     {"products": ["CNC500"], "failure_modes": ["overheating"],
      "symptoms": "Alarm E21 after an hour; the spindle housing is hot.",
      "fix": "Replace the bearing HL-B2512-02 and regrease."}),
    ("Battery swelling in cold storage",
     {"products": ["PX9"], "failure_modes": ["battery_swelling"], "status": ArticleStatus.DRAFT,
      "symptoms": "Swollen cells after storage below zero."}),
    ("PX9 电池鼓包导致后盖顶起",
     {"lang": "zh", "products": ["PX9"], "failure_modes": ["battery_swelling"],
      "symptoms": "使用一年后电池鼓包，后盖被顶起。", "fix": "更换电池和后盖胶。"}),
    ("洗衣机门封漏水",
     {"lang": "zh", "products": ["WM7"], "failure_modes": ["water_leak"],
      "symptoms": "洗涤时门封处漏水，机器下面有积水。"}),
    ("屏幕碎裂的更换流程",
     {"lang": "zh", "products": ["PX9"], "failure_modes": ["screen_crack"],
      "symptoms": "摔落后屏幕碎裂，触摸失灵。", "steps": ["关机", "拆下屏幕", "装上新屏"]}),
    ("包装破损",
     {"lang": "zh", "products": ["PX9"], "failure_modes": ["damaged_packaging"],
      "symptoms": "外包装破损，包装盒压扁，产品完好。"}),
    ("电池续航短，掉电快",
     {"lang": "zh", "products": ["PX9"], "failure_modes": ["battery_drain"],
      "symptoms": "充满电后半天就没电，电池老化。"}),
    ("空调外机异响",
     {"lang": "zh", "products": ["AC3"], "failure_modes": ["abnormal_noise"],
      "symptoms": "外机运行时有嗡嗡的异响和振动。"}),
    ("Retired: old swelling notice",
     {"products": ["PX9"], "failure_modes": ["battery_swelling"],
      "status": ArticleStatus.RETIRED, "symptoms": "Battery swelling on the first batch."}),
]  # fmt: skip


@pytest.fixture
def corpus(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as session:
        for title, fields in CORPUS:
            make_article(session, title, **fields)
        yield session


def titles(hits: list[Any]) -> list[str]:
    return [hit.title for hit in hits]


def test_bm25_matches_a_hand_computation(engine: Engine) -> None:
    """Titles count 3 times: A = pump 3, nois 3 (|A| = 6); B = pump 3, leak 6 (|B| = 9);
    C = door 3, seal 3 (|C| = 6). N = 3, avgdl = 7; the query "pump leak" has df(pump) = 2,
    df(leak) = 1."""
    with session_scope(engine) as session:
        a = make_article(session, "pump noise")
        b = make_article(session, "pump leak leak")
        make_article(session, "door seal")
        assert (a.index_length, b.index_length) == (6, 9)
        hits = search_articles(session, "pump leak")
    k1, b_ = 1.2, 0.75
    idf_pump, idf_leak = math.log(1 + (3 - 2 + 0.5) / 2.5), math.log(1 + (3 - 1 + 0.5) / 1.5)

    def part(tf: int, length: int) -> float:
        return tf * (k1 + 1) / (tf + k1 * (1 - b_ + b_ * length / 7))

    expected_b = idf_pump * part(3, 9) + idf_leak * part(6, 9)
    expected_a = idf_pump * part(3, 6)
    assert titles(hits) == ["pump leak leak", "pump noise"]
    assert hits[0].score == pytest.approx(expected_b, rel=1e-9)
    assert hits[1].score == pytest.approx(expected_a, rel=1e-9)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("鼓包", "PX9 电池鼓包导致后盖顶起"),
        ("漏水", "洗衣机门封漏水"),
        ("屏", "屏幕碎裂的更换流程"),
        ("碎屏", "屏幕碎裂的更换流程"),
        ("电池鼓包", "PX9 电池鼓包导致后盖顶起"),
        ("PX9 电池鼓包", "PX9 电池鼓包导致后盖顶起"),
        ("包装", "包装破损"),
        ("异响", "空调外机异响"),
        ("噪音", "空调外机异响"),
        ("掉电", "电池续航短，掉电快"),
        ("battery swelling", "Battery swelling lifts the back cover"),
        ("swollen battery", "Battery swelling lifts the back cover"),
        ("bulging", "Battery swelling lifts the back cover"),
        ("leaking", "Door seal leaks water during wash"),
        ("won't charge", "Charging port corrosion"),
        ("grinding noise", "Drain pump noise during spin"),
        ("humming speaker", "Speaker hum at low volume"),
        ("shattered glass", "Cracked screen after a drop"),
        ("E21", "Spindle overheating alarm E21"),
        ("hl-b2512-02", "Spindle overheating alarm E21"),
        ("b2512", "Spindle overheating alarm E21"),
        ("ＰＸ９ BATTERY", "Battery swelling lifts the back cover"),
    ],
)
def test_query_finds_the_right_article_first(corpus: Session, query: str, first: str) -> None:
    hits = search_articles(corpus, query)
    assert titles(hits)[:1] == [first]


def test_short_chinese_query_ranks_the_pair_above_its_characters(corpus: Session) -> None:
    found = titles(search_articles(corpus, "鼓包"))
    assert found.index("PX9 电池鼓包导致后盖顶起") < found.index("包装破损")


def test_hits_carry_a_snippet_and_json(corpus: Session) -> None:
    hit = search_articles(corpus, "鼓包")[0]
    assert "<mark>鼓包</mark>" in hit.snippet
    assert hit.as_json() == {"id": hit.id, "title": hit.title, "lang": "zh",
                             "score": round(hit.score, 6), "snippet": hit.snippet}  # fmt: skip
    english = search_articles(corpus, "bulges")[0]
    assert "<mark>bulges</mark>" in english.snippet


def test_filters(corpus: Session) -> None:
    assert titles(search_articles(corpus, "noise", product="WM7")) == [
        "Drain pump noise during spin"
    ]
    noise = search_articles(corpus, "noise 异响", failure_mode="abnormal_noise")
    assert set(titles(noise)) == {
        "Drain pump noise during spin", "Speaker hum at low volume", "空调外机异响"
    }  # fmt: skip
    assert search_articles(corpus, "noise", failure_mode="water_leak") == []
    assert {h.lang for h in search_articles(corpus, "PX9", lang="zh")} == {"zh"}
    assert {h.lang for h in search_articles(corpus, "PX9", lang="zh_CN")} == {"zh"}
    assert {h.lang for h in search_articles(corpus, "PX9", lang="en")} == {"en"}
    assert search_articles(corpus, "PX9", product="px") == []  # exact entries only


def test_statuses(corpus: Session) -> None:
    published = titles(search_articles(corpus, "swelling", limit=20))
    assert "Battery swelling in cold storage" not in published
    assert "Retired: old swelling notice" not in published
    drafts = titles(search_articles(corpus, "swelling", statuses=[ArticleStatus.DRAFT]))
    assert drafts == ["Battery swelling in cold storage"]
    every = titles(search_articles(corpus, "swelling", statuses=None, limit=20))
    assert {"Battery swelling in cold storage", "Retired: old swelling notice"} <= set(every)


@pytest.mark.parametrize(
    "query",
    ['"', "*", ")", "NEAR(", "' OR 1=1 --", "%_", "%", "_", "😀", "\x00", "", "   ", "AND",
     "battery\" OR \"1", "title:(x*) ^2", "'; DROP TABLE kb_articles; --", "漏水' --",
     "x" * 5000, "鼓" * 3000],
)  # fmt: skip
def test_hostile_queries_do_not_raise(corpus: Session, query: str) -> None:
    hits = search_articles(corpus, query)
    assert all(hit.title for hit in hits)
    assert corpus.scalar(select(func.count()).select_from(Article)) == len(CORPUS)


def test_queries_of_no_terms_find_nothing(corpus: Session) -> None:
    for query in ["", "   ", "!!!", "%_", "the of and", "😀"]:
        assert search_articles(corpus, query) == []
    assert search_articles(corpus, "漏水' --")[0].title == "洗衣机门封漏水"


#: the same ranked list on both back ends: (title, score rounded to 9 places)
EXPECTED = {
    "鼓包 电池": [
        ("PX9 电池鼓包导致后盖顶起", 12.938019721),
        ("电池续航短，掉电快", 4.959234362),
        ("包装破损", 1.043206434),
    ],
    "noise": [
        ("Drain pump noise during spin", 7.44464929),
        ("Speaker hum at low volume", 5.296025472),
    ],
    "swollen battery PX9": [
        ("Battery swelling lifts the back cover", 6.968739619),
        ("Cracked screen after a drop", 0.851395858),
        ("Charging port corrosion", 0.833337973),
        ("PX9 电池鼓包导致后盖顶起", 0.790314564),
        ("包装破损", 0.642543452),
        ("电池续航短，掉电快", 0.596228321),
    ],
}


@pytest.mark.parametrize("query", list(EXPECTED))
def test_same_results_on_both_back_ends(corpus: Session, query: str) -> None:
    hits = search_articles(corpus, query, limit=6)
    assert [(h.title, round(h.score, 9)) for h in hits] == EXPECTED[query]


def test_reindex_after_an_edit_changes_results(corpus: Session) -> None:
    article = corpus.scalars(
        select(Article).where(Article.title == "Speaker hum at low volume")
    ).one()
    article.symptoms = "Static crackle from the tweeter."
    index_article(corpus, article)
    assert "Speaker hum at low volume" not in titles(search_articles(corpus, "woofer"))
    assert titles(search_articles(corpus, "tweeter")) == ["Speaker hum at low volume"]
    remove_from_index(corpus, article)
    assert search_articles(corpus, "tweeter") == []
    assert article.index_length == 0


def test_reindex_all_rebuilds_the_same_index(corpus: Session) -> None:
    before = [(h.id, h.score) for h in search_articles(corpus, "电池 battery", limit=20)]
    rows = corpus.scalar(select(func.count()).select_from(IndexTerm))
    seen: list[tuple[int, int]] = []
    assert reindex_all(corpus, progress=lambda done, total: seen.append((done, total))) == len(
        CORPUS
    )
    assert seen == [(len(CORPUS), len(CORPUS))]
    assert corpus.scalar(select(func.count()).select_from(IndexTerm)) == rows
    assert [(h.id, h.score) for h in search_articles(corpus, "电池 battery", limit=20)] == before


def test_rank_articles_for_a_case(corpus: Session) -> None:
    text = "Customer: the back cover of my PX9 is lifting, battery looks puffy. battery_swelling"
    plain = rank_articles(corpus, text)
    assert plain[0].title == "Battery swelling lifts the back cover"
    boosted = rank_articles(corpus, text, boost_failure_modes=["battery_swelling"],
                            boost_products=["PX9"], limit=10)  # fmt: skip
    scores = {h.title: h.score for h in rank_articles(corpus, text, limit=10)}
    top = boosted[0]
    assert top.score == pytest.approx(
        scores[top.title] * (1 + MODE_BOOST) * (1 + PRODUCT_BOOST), rel=1e-12
    )
    charging = next(h for h in boosted if h.title == "Charging port corrosion")
    assert charging.score == pytest.approx(scores[charging.title] * (1 + PRODUCT_BOOST))
    assert rank_articles(corpus, "") == []
    assert rank_articles(corpus, text, exclude=[top.id])[0].id != top.id


def test_rank_articles_finds_the_failure_mode_worded_otherwise(corpus: Session) -> None:
    """The mode's code and taxonomy names (电池鼓包, Battery swelling) join the text."""
    hits = rank_articles(corpus, "customer called twice", boost_failure_modes=["battery_swelling"])
    assert set(titles(hits[:2])) == {
        "Battery swelling lifts the back cover",
        "PX9 电池鼓包导致后盖顶起",
    }
    assert titles(rank_articles(corpus, "", boost_failure_modes=["water_leak"], lang="zh")) == [
        "洗衣机门封漏水"
    ]


def test_rank_articles_chinese_case(corpus: Session) -> None:
    hits = rank_articles(corpus, "客户反映手机电池鼓起来了，后盖翘起", lang="zh")
    assert hits[0].title == "PX9 电池鼓包导致后盖顶起"


def test_failure_mode_is_indexed_by_its_name_in_the_article_language(corpus: Session) -> None:
    """water_leak is "Water leak" in English and "漏水/渗水" in Chinese (default taxonomy)."""

    def indexed(title: str) -> set[str]:
        article = corpus.scalars(select(Article).where(Article.title == title)).one()
        return set(corpus.scalars(select(IndexTerm.term).where(IndexTerm.article_id == article.id)))

    assert {"渗水", "漏水"} <= indexed("洗衣机门封漏水")
    assert "water" not in indexed("洗衣机门封漏水")
    assert {"water", "leak"} <= indexed("Door seal leaks water during wash")
    assert "渗水" not in indexed("Door seal leaks water during wash")
    # a code the taxonomy does not know is indexed by its words
    with_code = make_article(corpus, "odd", failure_modes=["odd_rattle_thing"])
    assert indexed("odd") >= {"odd", "rattl", "thing"} and with_code.index_length > 0
