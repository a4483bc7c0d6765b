"""Knowledge-base articles, services, on both back ends: numbered versions (none without a
change), statuses and who reads what, the list's filters, diffs between versions, language
versions; the fields checked the same way from every edge (lists, kind, language, status,
the sections of the body); and a draft article written from a closed 8D plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.capa import actions, plans
from qloop.core.db import session_scope
from qloop.core.errors import Forbidden, InputError, InvalidTransition, NotFound
from qloop.kb import service
from qloop.kb.drafts import draft_from_plan
from qloop.kb.fields import ArticleInput, body_sections, listed, normalized_body
from qloop.kb.models import Article, ArticleKind, ArticleStatus
from qloop.kb.search import search_articles
from qloop.rca import fishbone
from tests.capa.test_plans import build_field, open_plan, person

VIEWER = User(name="vic", role=Role.VIEWER, active=True)
OWNER = User(name="olga", role=Role.OWNER, active=True)
ENGINEER = User(name="eng", role=Role.ENGINEER, active=True)
ADMIN = User(name="boss", role=Role.ADMIN, active=True)
BODY = """## Symptoms

The back cover lifts; the battery bulges.

## Root cause

Cell lot L17 ages when charged hot.

## Fix

Replace the battery and the cover adhesive.

## Steps

1. Switch off the phone.
2. Open the back cover.
3) Swap the battery.
"""


def article_input(**fields: Any) -> ArticleInput:
    values = {
        "title": "Battery swelling",
        "kind": "failure_case",
        "lang": "en",
        "body": BODY,
        "products": ["PX9"],
        "failure_modes": ["battery_swelling"],
        "tags": "battery",
    }
    return ArticleInput.parse(values | fields)


def make(session: Session, *, slug: str | None = None, **fields: Any) -> Article:
    return service.create_article(session, values=article_input(**fields), user_name="eng",
                                  slug=slug)  # fmt: skip


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as scope:
        yield scope


# --- create, edit, versions ---------------------------------------------------------------


def test_a_new_article_is_version_1_with_its_fields_read_from_the_body(session: Session) -> None:
    article = make(session, slug=" phone-battery ", owner=None)
    assert (article.version, article.status, article.owner, article.slug) == (
        1, ArticleStatus.DRAFT, "eng", "phone-battery")  # fmt: skip
    assert (article.created_by, article.updated_by) == ("eng", "eng")
    assert article.symptoms == "The back cover lifts; the battery bulges."
    assert article.root_cause == "Cell lot L17 ages when charged hot."
    assert article.fix == "Replace the battery and the cover adhesive."
    assert article.steps == ["Switch off the phone.", "Open the back cover.", "Swap the battery."]
    assert (article.products, article.failure_modes, article.tags) == (
        ["PX9"], ["battery_swelling"], ["battery"])  # fmt: skip
    assert [v.number for v in service.versions(session, article.id)] == [1]
    assert service.versions(session, article.id)[0].snapshot["title"] == "Battery swelling"
    # indexed in the same transaction: found at once (drafts only with every status)
    assert search_articles(session, "bulges") == []
    hits = search_articles(session, "bulges", statuses=None)
    assert [h.id for h in hits] == [article.id]
    with pytest.raises(InputError, match="exists already") as refused:
        make(session, slug="phone-battery")
    assert refused.value.column == "id"


def test_every_edit_is_a_numbered_version_and_no_change_makes_none(session: Session) -> None:
    article = make(session, owner="olga")
    same = service.update_article(session, article_id=article.id, values=article_input(),
                                  user_name="ann")  # fmt: skip
    assert (same.version, same.owner, same.updated_by) == (1, "olga", "eng")  # owner kept
    service.update_article(session, article_id=article.id,
                           values=article_input(title="Battery swelling (PX9)"),
                           user_name="ann")  # fmt: skip
    changed = service.update_article(
        session, article_id=article.id, user_name="bob",
        values=article_input(title="Battery swelling (PX9)",
                             body=BODY.replace("Cell lot L17", "Cell lot L18")),
    )  # fmt: skip
    assert (changed.version, changed.updated_by) == (3, "bob")
    assert changed.root_cause == "Cell lot L18 ages when charged hot."
    found = service.versions(session, article.id)
    assert [(v.number, v.created_by) for v in found] == [(3, "bob"), (2, "ann"), (1, "eng")]
    assert [v.snapshot["title"] for v in found] == ["Battery swelling (PX9)"] * 2 + [
        "Battery swelling"]  # fmt: skip
    assert "L17" in found[2].snapshot["body"] and "L18" in found[0].snapshot["body"]
    # the index follows the edit
    assert search_articles(session, "L18", statuses=None)[0].id == article.id
    assert search_articles(session, "L17", statuses=None) == []
    # the same body with Windows line ends and trailing blanks is no change
    again = service.update_article(
        session, article_id=article.id, user_name="bob",
        values=article_input(title="Battery swelling (PX9)",
                             body=BODY.replace("L17", "L18").replace("\n", "\r\n") + "  \r\n"),
    )  # fmt: skip
    assert again.version == 3
    with pytest.raises(NotFound):
        service.update_article(session, article_id=99, values=article_input(), user_name="x")


def test_status_changes_are_versions_and_checked(session: Session) -> None:
    article = make(session)
    published = service.set_status(session, article_id=article.id, status="published",
                                   user_name="ann")  # fmt: skip
    assert (published.status, published.version) == (ArticleStatus.PUBLISHED, 2)
    again = service.set_status(session, article_id=article.id, status="published",
                               user_name="ann")  # fmt: skip
    assert again.version == 2
    retired = service.set_status(session, article_id=article.id, status="retired",
                                 user_name="ann")  # fmt: skip
    assert (retired.status, retired.version, retired.title) == (
        ArticleStatus.RETIRED, 3, "Battery swelling")  # fmt: skip
    assert [v.snapshot["status"] for v in service.versions(session, article.id)] == [
        "retired", "published", "draft"]  # fmt: skip
    with pytest.raises(InputError, match="not one of draft, published, retired") as refused:
        service.set_status(session, article_id=article.id, status="archived", user_name="ann")
    assert refused.value.column == "status"
    with pytest.raises(NotFound):
        service.set_status(session, article_id=404, status="published", user_name="ann")


def test_readers_below_engineer_see_published_articles_only(session: Session) -> None:
    draft = make(session, title="Draft one")
    published = make(session, title="Published one", status="published")
    retired = make(session, title="Retired one", status="retired")
    for reader in (VIEWER, OWNER):
        assert service.require_article(session, published.id, reader=reader) is published
        for hidden in (draft, retired):
            with pytest.raises(NotFound, match=f"no article {hidden.id}"):
                service.require_article(session, hidden.id, reader=reader)
        assert [a.id for a in service.list_articles(session, reader=reader)[0]] == [published.id]
        assert service.list_articles(session, reader=reader, status="draft") == ([], 0)
    for writer in (ENGINEER, ADMIN, None):
        assert service.require_article(session, draft.id, reader=writer) is draft
    assert {a.id for a in service.list_articles(session, reader=ENGINEER)[0]} == {
        draft.id, published.id, retired.id}  # fmt: skip
    assert service.visible_statuses(None) == (ArticleStatus.PUBLISHED,)
    assert not service.can_write(OWNER) and service.can_write(ADMIN)
    with pytest.raises(NotFound):
        service.require_article(session, 12345)
    with pytest.raises(Forbidden):
        service.demand_writer(VIEWER)


def test_the_list_filters_and_puts_the_newest_edit_first(session: Session) -> None:
    phone = make(session, title="Phone", status="published")
    washer = make(session, title="Washer", kind="repair_sop", lang="zh", products="WM7, WM8",
                  failure_modes=["water_leak"], status="published")  # fmt: skip
    speaker = make(session, title="Speaker", kind="faq", products=["SPK2"], failure_modes=[],
                   status="draft")  # fmt: skip

    def titles(**filters: Any) -> list[str]:
        return [a.title for a in service.list_articles(session, reader=ENGINEER, **filters)[0]]

    # same stamps would tie: the later id first
    assert titles() == ["Speaker", "Washer", "Phone"]
    service.update_article(session, article_id=phone.id, user_name="eng",
                           values=article_input(title="Phone!", status="published"))  # fmt: skip
    assert titles()[0] == "Phone!"
    assert titles(kind="repair_sop") == ["Washer"]
    assert titles(lang="zh") == ["Washer"]
    assert titles(status="draft") == ["Speaker"]
    assert titles(product="WM8") == ["Washer"]
    assert titles(product="WM") == []  # an exact entry, not a part
    assert titles(failure_mode="battery_swelling") == ["Phone!"]
    assert titles(kind="faq", status="published") == []
    assert titles(lang="en", product="SPK2") == ["Speaker"]
    # no reader (anonymous): published articles only
    assert [a.id for a in service.list_articles(session, reader=None)[0]] == [phone.id, washer.id]
    assert speaker.status is ArticleStatus.DRAFT


def test_a_diff_between_two_versions(session: Session) -> None:
    article = make(session)
    service.update_article(
        session, article_id=article.id, user_name="eng",
        values=article_input(title="Swollen battery", tags="battery, safety",
                             body=BODY.replace("Swap the battery.", "Fit a new battery.")),
    )  # fmt: skip
    diff = service.version_diff(session, article_id=article.id, old=1, new=2)
    lines = diff.splitlines()
    assert lines[:2] == ["--- version 1", "+++ version 2"]
    for line in ("-title: Battery swelling", "+title: Swollen battery", "-tags: ['battery']",
                 "+tags: ['battery', 'safety']", "-3) Swap the battery.",
                 "+3) Fit a new battery.", " 2. Open the back cover."):  # fmt: skip
        assert line in lines, line
    assert not any(line.startswith(("-kind", "+kind", "-## Fix")) for line in lines)
    backwards = service.version_diff(session, article_id=article.id, old=2, new=1)
    assert "+title: Battery swelling" in backwards.splitlines()
    assert service.version_diff(session, article_id=article.id, old=2, new=2) == ""
    with pytest.raises(NotFound, match="no version 3"):
        service.version_diff(session, article_id=article.id, old=1, new=3)
    with pytest.raises(NotFound):
        service.version_diff(session, article_id=999, old=1, new=2)


def test_language_versions_are_linked_in_one_group(session: Session) -> None:
    english = make(session, title="Battery swelling")
    chinese = make(session, title="电池鼓包", lang="zh")
    other_english = make(session, title="Swollen battery")
    assert service.translations(session, english) == []
    with pytest.raises(InputError, match="both articles are in en") as refused:
        service.link_translation(session, article_id=english.id, other_id=other_english.id,
                                 user_name="eng")  # fmt: skip
    assert refused.value.column == "translation_of"
    with pytest.raises(InputError, match="not its own translation"):
        service.link_translation(session, article_id=chinese.id, other_id=chinese.id,
                                 user_name="eng")  # fmt: skip
    with pytest.raises(NotFound):
        service.link_translation(session, article_id=chinese.id, other_id=999, user_name="eng")
    assert english.translation_group is None and other_english.translation_group is None
    service.link_translation(session, article_id=chinese.id, other_id=english.id,
                             user_name="eng")  # fmt: skip
    assert chinese.translation_group == english.translation_group == english.id
    assert service.translations(session, english) == [chinese]
    assert service.translations(session, chinese) == [english]
    # linking again changes nothing, and makes no version
    service.link_translation(session, article_id=english.id, other_id=chinese.id,
                             user_name="eng")  # fmt: skip
    assert chinese.translation_group == english.id and english.version == 1


def test_two_linked_groups_become_one(session: Session) -> None:
    """Linking an article of one group to an article of another joins the two groups."""
    first = [make(session, title="Leak"), make(session, title="漏水", lang="zh")]
    second = [make(session, title="门封漏水", lang="zh"), make(session, title="Door seal leak")]
    for pair in (first, second):
        service.link_translation(session, article_id=pair[0].id, other_id=pair[1].id,
                                 user_name="eng")  # fmt: skip
    assert first[0].translation_group != second[0].translation_group
    service.link_translation(session, article_id=first[0].id, other_id=second[0].id,
                             user_name="eng")  # fmt: skip
    assert len({a.translation_group for a in (*first, *second)}) == 1
    assert {a.id for a in service.translations(session, first[0])} == {
        first[1].id, second[0].id, second[1].id}  # fmt: skip


# --- fields -------------------------------------------------------------------------------


def test_lists_come_from_lists_or_from_text_with_either_comma() -> None:
    assert listed(["PX9", " PX10 ", "", "PX9"]) == ("PX9", "PX10")
    assert listed("PX9, PX10,,PX9") == ("PX9", "PX10")
    assert listed("电池，鼓包；安全;x") == ("电池", "鼓包", "安全", "x")
    assert listed(None) == listed("") == listed([]) == ()
    assert listed([1, 2.5]) == ("1", "2.5")
    with pytest.raises(ValueError, match="at most 50 entries"):
        listed([f"t{n}" for n in range(51)])
    with pytest.raises(ValueError, match="100 characters"):
        listed(["x" * 101])
    parsed = ArticleInput.parse({"title": "t", "products": "PX9，PX10", "tags": ["a", "b"],
                                 "failure_modes": "water_leak"})  # fmt: skip
    assert (parsed.products, parsed.tags, parsed.failure_modes) == (
        ("PX9", "PX10"), ("a", "b"), ("water_leak",))  # fmt: skip
    with pytest.raises(InputError) as refused:
        ArticleInput.parse({"title": "t", "tags": ["x" * 101]}, file="a.md")
    assert (refused.value.column, refused.value.file) == ("tags", "a.md")


@pytest.mark.parametrize(
    ("values", "column", "reason"),
    [
        ({"title": "  "}, "title", "needs a title"),
        ({"title": "x" * 301}, "title", "at most 300"),
        ({"kind": "howto"}, "kind", "not one of failure_case, repair_sop, faq, design_lesson"),
        ({"lang": "de"}, "lang", "'de' is not en or zh"),
        ({"status": "live"}, "status", "not one of draft, published, retired"),
        ({"body": "x" * 100_001}, "body", "at most 100,000 characters"),
        ({"body": "a\x00b"}, "body", "no NUL"),
        ({"owner": "o" * 101}, "owner", "at most 100"),
        ({"products": ["x\x00"]}, "products", "at most 50 entries"),
    ],
)
def test_a_bad_field_is_refused_by_name(values: dict[str, Any], column: str, reason: str) -> None:
    with pytest.raises(InputError) as refused:
        ArticleInput.parse({"title": "Title"} | values, file="f.md")
    assert refused.value.column == column and refused.value.file == "f.md"
    assert reason in refused.value.reason


def test_defaults_and_language_codes() -> None:
    plain = ArticleInput.parse({"title": " A title "})
    assert (plain.title, plain.kind, plain.lang, plain.status, plain.owner, plain.body) == (
        "A title", ArticleKind.FAILURE_CASE, "en", ArticleStatus.DRAFT, None, "")  # fmt: skip
    for code, lang in (("zh_CN", "zh"), ("ZH-cn", "zh"), ("zh-TW", "zh"), (" EN ", "en")):
        assert ArticleInput.parse({"title": "t", "lang": code}).lang == lang
    columns = ArticleInput.parse({"title": "t", "kind": "faq", "body": "no sections"}).columns()
    assert columns["symptoms"] is None and columns["steps"] == [] and columns["kind"] == "faq"
    assert columns["body"] == "no sections\n"


def test_body_sections_in_english_and_chinese() -> None:
    chinese = ("## 现象\n\n后盖鼓起。\n\n## 原因：\n\n电芯批次 L17。\n\n"
               "### 处理方法\n\n更换电池。\n\n## 步骤\n\n1、关机\n2. 拆后盖\n- 换电池\n\n"
               "## 备注\n\n无\n")  # fmt: skip
    columns = ArticleInput.parse({"title": "鼓包", "lang": "zh", "body": chinese}).columns()
    assert (columns["symptoms"], columns["root_cause"], columns["fix"]) == (
        "后盖鼓起。", "电芯批次 L17。", "更换电池。")  # fmt: skip
    assert columns["steps"] == ["关机", "拆后盖", "换电池"]
    english = (
        "Intro.\n\n## Symptom ##\nHum.\n## Cause\nA loose ground.\n## Resolution\n"
        "Tighten it.\n## Procedure\n1. Open.\n2. Tighten.\n## Symptoms\nIgnored.\n"
    )
    assert body_sections(english) == {
        "symptoms": "Hum.",
        "root_cause": "A loose ground.",
        "fix": "Tighten it.",
        "steps": "1. Open.\n2. Tighten.",
    }
    assert body_sections("## Symptoms\n\n## Fix\nDo it.") == {"fix": "Do it."}  # empty: none
    assert body_sections("# Symptoms\nnot a section") == {}


def test_the_body_is_stored_the_same_whatever_its_line_ends() -> None:
    assert normalized_body("\r\n\r\n## A\r\nb  \r\n\r\n") == "## A\nb\n"
    assert normalized_body("    code\n") == "    code\n"
    assert normalized_body(" \n\t\n") == "" and normalized_body("x") == "x\n"


# --- a draft from a closed 8D plan --------------------------------------------------------


def close_a_plan(engine: Engine) -> int:
    """The swelling plan with its problem, causes, two actions, closed as verified effective
    (on ``build_field``'s data, which it builds)."""
    build_field(engine)
    plan_id = open_plan(engine)
    with session_scope(engine) as session:
        eng = person(session, "eng")
        plan = plans.require_plan(session, plan_id)
        for step, field, value in (
            ("D0", "symptom", "Back covers lift"), ("D2", "what", "PX9 packs swell"),
            ("D2", "where", "Field, east region"), ("D2", "how_many", "3 of 10 units"),
            ("D4", "root_cause", "Cell lot L17 separator too thin"),
            ("D5", "chosen_actions", "Change the cell supplier"),
        ):  # fmt: skip
            plans.set_step_field(session, plan_id=plan_id, step=step, field=field, value=value,
                                 user_name="eng")  # fmt: skip
        for text, state in (("Lot L17 cells", "confirmed"), ("Charger heat", "suspected"),
                            ("Adhesive", "ruled_out")):  # fmt: skip
            fishbone.add_cause(session, investigation_id=plan.investigation_id,
                               category="material", text=text, state=state,
                               user_name="eng")  # fmt: skip
        for title, department in (("Quarantine lot L17", "supply_chain"),
                                  ("New cell supplier", "purchasing")):  # fmt: skip
            actions.add_action(session, plan_id=plan_id, user=eng, values={
                "title": title, "department": department, "owner": "olga",
                "due_date": "2026-07-01"})  # fmt: skip
        plans.record_verification(session, plan_id=plan_id, user_name="eng", result={
            "verdict": "effective", "rate_ratio": 0.2,
            "message": "Return rate fell from 3.0 % to 0.6 % in 90 days"})  # fmt: skip
        plans.close_plan(session, plan_id=plan_id, user=eng, closure="effective")
    return plan_id


@pytest.fixture
def closed_plan(engine: Engine) -> int:
    return close_a_plan(engine)


def test_a_draft_from_a_closed_plan(engine: Engine, closed_plan: int) -> None:
    with session_scope(engine) as session:
        article = draft_from_plan(session, plan_id=closed_plan, user=person(session, "eng"))
        assert (article.status, article.source_plan_id, article.kind, article.lang) == (
            ArticleStatus.DRAFT, closed_plan, ArticleKind.FAILURE_CASE, "en")  # fmt: skip
        assert (article.title, article.owner, article.created_by, article.version) == (
            "Swelling fix", "eng", "eng", 1)  # fmt: skip
        assert (article.products, article.failure_modes) == (["P1"], ["swelling"])
        assert article.symptoms is not None and article.root_cause is not None
        for expected in ("PX9 packs swell", "Field, east region", "3 of 10 units",
                         "Back covers lift"):  # fmt: skip
            assert expected in article.symptoms
        assert "Cell lot L17 separator too thin" in article.root_cause
        assert "- [material] Lot L17 cells" in article.root_cause
        assert "Charger heat" not in article.body and "Adhesive" not in article.body
        assert article.fix is not None and "Change the cell supplier" in article.fix
        assert "1. Quarantine lot L17 (supply_chain, open)" in article.fix
        assert "2. New cell supplier (purchasing, open)" in article.fix
        assert "## Verification\n\nReturn rate fell from 3.0 % to 0.6 % in 90 days" in article.body
        assert f"## Source\n\n8D #{closed_plan}: Swelling fix" in article.body
        headings = [line for line in article.body.splitlines() if line.startswith("## ")]
        assert headings == ["## Symptoms", "## Root cause", "## Fix", "## Verification",
                            "## Source"]  # fmt: skip
        chinese = draft_from_plan(session, plan_id=closed_plan, user=person(session, "boss"),
                                  lang="zh_CN")  # fmt: skip
        assert chinese.lang == "zh" and chinese.owner == "boss"
        headings = [line for line in chinese.body.splitlines() if line.startswith("## ")]
        assert headings == ["## 症状", "## 根本原因", "## 解决方法", "## 效果验证", "## 来源"]
        assert chinese.symptoms == article.symptoms and chinese.fix == article.fix
        assert [a.id for a in service.list_articles(session, reader=VIEWER)[0]] == []


def test_no_draft_from_an_open_plan_or_by_a_non_engineer(engine: Engine) -> None:
    build_field(engine)
    plan_id = open_plan(engine)
    with session_scope(engine) as session:
        with pytest.raises(InvalidTransition, match=f"plan {plan_id} is open"):
            draft_from_plan(session, plan_id=plan_id, user=person(session, "eng"))
        plans.close_plan(session, plan_id=plan_id, user=person(session, "boss"),
                         closure="override", reason="superseded")  # fmt: skip
        with pytest.raises(Forbidden):
            draft_from_plan(session, plan_id=plan_id, user=person(session, "olga"))
        with pytest.raises(NotFound):
            draft_from_plan(session, plan_id=plan_id + 100, user=person(session, "eng"))
        # closed without a verification: every section says something or a dash
        article = draft_from_plan(session, plan_id=plan_id, user=person(session, "eng"))
        assert "## Verification\n\n-" in article.body and "## Symptoms\n\n-" in article.body
        assert article.symptoms == "-" and article.fix == "-"
