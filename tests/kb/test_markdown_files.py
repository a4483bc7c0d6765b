"""Articles as Markdown files with YAML front matter, on both back ends: a bad file is named
with its reason (in ``<dir>.rejects.csv``) while the good ones are stored, a re-import
counts what it created, updated and left unchanged, ``translation_of`` links language
versions, and an export imports into an empty database as the same articles."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.kb import service
from qloop.kb.fields import ArticleInput
from qloop.kb.markdown_files import export_directory, import_directory, parse_article_file
from qloop.kb.models import Article, ArticleStatus, ArticleVersion

BENCHMARK_ARTICLES = Path(__file__).parents[2] / "benchmarks" / "data" / "kb" / "articles"

SWELLING = """---
id: phone-battery-swelling
title: Phone battery swelling
kind: failure_case
lang: en
products: [PX9]
failure_modes: [battery_swelling]
tags: battery, safety
translation_of: null
---

## Symptoms

The back cover lifts.

## Fix

Replace the battery.
"""
SWELLING_ZH = """---
id: phone-battery-swelling-zh
title: 手机电池鼓包
kind: failure_case
lang: zh
products: [PX9]
failure_modes: [battery_swelling]
tags: 电池，安全
translation_of: phone-battery-swelling
---
## 现象

后盖被顶起。

## 处理

更换电池。
"""
SOP = """---
title: Door seal replacement
kind: repair_sop
lang: en
products: WM7
status: draft
---
## Steps

1. Open the door.
2. Pull the seal.
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run_import(engine: Engine, folder: Path) -> Any:
    with session_scope(engine) as session:
        return import_directory(session, folder, user_name="importer")


def rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def by_slug(session: Session) -> dict[str | None, Article]:
    return {a.slug: a for a in session.scalars(select(Article))}


# --- one file -----------------------------------------------------------------------------


def test_a_file_is_front_matter_and_a_body() -> None:
    front, body = parse_article_file(SWELLING, source="a.md")
    assert front["id"] == "phone-battery-swelling" and front["products"] == ["PX9"]
    assert front["translation_of"] is None and front["tags"] == "battery, safety"
    assert body.startswith("## Symptoms") and body.endswith("Replace the battery.\n")
    windows = "\ufeff" + SWELLING.replace("\n", "\r\n")
    assert parse_article_file(windows, source="a.md")[0] == front


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("# Just Markdown\n", "no YAML front matter"),
        ("---\ntitle: x\nno closing line\n", "no YAML front matter"),
        ("title: x\n---\nbody\n", "no YAML front matter"),
        ("---\ntitle: [unclosed\n---\nbody\n", "the front matter is not YAML"),
        ("---\ntitle: x\n  bad: indent\n---\nbody\n", "the front matter is not YAML"),
        ("---\n- a\n- b\n---\nbody\n", "not a set of keys"),
        ("---\njust text\n---\nbody\n", "not a set of keys"),
    ],
)
def test_a_bad_file_is_refused_with_its_name(text: str, reason: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_article_file(text, source="broken.md")
    assert refused.value.file == "broken.md" and reason in refused.value.reason
    assert str(refused.value).startswith("broken.md: ")


# --- a folder -----------------------------------------------------------------------------


def test_bad_files_are_rejected_and_the_good_ones_stored(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write(folder, "phone-battery-swelling.md", SWELLING)
    write(folder, "zh/phone-battery-swelling-zh.md", SWELLING_ZH)
    write(folder, "sop.md", SOP)
    write(folder, "notes.txt", "not an article")
    write(folder, "plain.md", "# no front matter\n")
    write(folder, "bad-kind.md", "---\ntitle: X\nkind: howto\n---\nbody\n")
    write(folder, "no-title.md", "---\nkind: faq\n---\nbody\n")
    write(folder, "latin1.md", "---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    write(folder, "dangling.md", "---\nid: dangling\ntitle: D\nlang: zh\ntranslation_of: "
                                 "nowhere\n---\nbody\n")  # fmt: skip
    write(folder, "same-lang.md", "---\nid: same\ntitle: S\ntranslation_of: "
                                  "phone-battery-swelling\n---\nbody\n")  # fmt: skip
    write(folder, "z-duplicate.md", SWELLING.replace("title: Phone battery swelling",
                                                     "title: Something else"))  # fmt: skip
    result = run_import(engine, folder)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert result.rejects_path == tmp_path / "articles.rejects.csv"
    found = {(row["file"], row["reason"]) for row in rejects(result.rejects_path)}
    assert found == {
        ("plain.md", "no YAML front matter (a '---' line, keys, a '---' line)"),
        ("bad-kind.md", "kind 'howto' is not one of failure_case, repair_sop, faq, "
                        "design_lesson"),
        ("no-title.md", "an article needs a title"),
        ("latin1.md", "not UTF-8 text"),
        ("z-duplicate.md", "id 'phone-battery-swelling' is the id of "
                           "phone-battery-swelling.md too"),
        ("dangling.md", "translation_of: no article 'nowhere'"),
        ("same-lang.md", "translation_of: both articles are in en"),
    }  # fmt: skip
    assert {(s, r) for s, r in result.rejected} == found
    with session_scope(engine) as session:
        stored = by_slug(session)
        assert set(stored) == {"phone-battery-swelling", "phone-battery-swelling-zh", None,
                               "dangling", "same"}  # fmt: skip
        english, chinese = stored["phone-battery-swelling"], stored["phone-battery-swelling-zh"]
        assert english.title == "Phone battery swelling"  # not the duplicate's
        assert (english.status, english.tags, english.symptoms, english.created_by) == (
            ArticleStatus.PUBLISHED,
            ["battery", "safety"],
            "The back cover lifts.",
            "importer",
        )
        assert (chinese.lang, chinese.tags, chinese.symptoms, chinese.fix) == (
            "zh", ["电池", "安全"], "后盖被顶起。", "更换电池。")  # fmt: skip
        assert english.translation_group == chinese.translation_group is not None
        assert service.translations(session, english) == [chinese]
        sop = stored[None]
        assert (sop.kind.value, sop.status, sop.products, sop.steps) == (
            "repair_sop",
            ArticleStatus.DRAFT,
            ["WM7"],
            ["Open the door.", "Pull the seal."],
        )
        assert stored["dangling"].translation_group is None
        assert stored["same"].translation_group is None


def test_a_re_import_updates_by_id(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, "a.md", SWELLING)
    write(folder, "b.md", SWELLING_ZH)
    first = run_import(engine, folder)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (2, 0, 0, [])
    assert first.rejects_path is None and not (tmp_path / "kb.rejects.csv").exists()
    again = run_import(engine, folder)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    write(folder, "a.md", SWELLING.replace("Replace the battery.", "Replace battery and cover."))
    write(folder, "c.md", SWELLING.replace("phone-battery-swelling", "phone-2"))
    seen: list[str] = []
    with session_scope(engine) as session:
        third = import_directory(session, folder, user_name="bob",
                                 on_file=lambda path: seen.append(path.name))  # fmt: skip
    assert (third.created, third.updated, third.unchanged) == (1, 1, 1)
    assert seen == ["a.md", "b.md", "c.md"]
    with session_scope(engine) as session:
        stored = by_slug(session)
        english = stored["phone-battery-swelling"]
        assert (english.version, english.updated_by, english.fix) == (
            2, "bob", "Replace battery and cover.")  # fmt: skip
        assert stored["phone-battery-swelling-zh"].version == 1
        versions = session.scalars(select(ArticleVersion.number).where(
            ArticleVersion.article_id == english.id)).all()  # fmt: skip
        assert sorted(versions) == [1, 2]


def test_a_rejects_file_beside_the_current_folder(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "here"
    write(folder, "bad.md", "no front matter")
    monkeypatch.chdir(folder)
    result = run_import(engine, Path("."))
    assert result.rejects_path == tmp_path / "here.rejects.csv"
    assert rejects(result.rejects_path)[0]["file"] == "bad.md"
    with pytest.raises(InputError, match="not a directory"):
        run_import(engine, tmp_path / "missing")


def test_the_benchmark_articles_import_with_their_pairs(engine: Engine) -> None:
    result = run_import(engine, BENCHMARK_ARTICLES)
    assert (result.created, result.rejected) == (57, [])
    with session_scope(engine) as session:
        stored = by_slug(session)
        groups = {a.translation_group for a in stored.values() if a.translation_group}
        assert len(groups) == 8
        assert stored["ac-indoor-unit-water-drip"].translation_group == stored[
            "ac-indoor-unit-water-drip-zh"].translation_group  # fmt: skip
        assert all(a.status is ArticleStatus.PUBLISHED for a in stored.values())
        # every failure case has its symptoms and cause, every SOP its numbered steps
        cases = [a for a in stored.values() if a.kind.value == "failure_case"]
        assert len(cases) == 22 and all(a.symptoms and a.root_cause and a.fix for a in cases)
        sops = [a for a in stored.values() if a.kind.value == "repair_sop"]
        assert len(sops) == 15 and all(len(a.steps) >= 3 for a in sops)
        assert stored["transport-damage-inspection-sop-zh"].steps[0].startswith("拆箱前先拍照")


# --- export -------------------------------------------------------------------------------


def content(session: Session) -> set[tuple[Any, ...]]:
    """Every article as a reader sees it, with its translations by title."""
    return {
        (a.title, a.kind.value, a.lang, tuple(a.products), tuple(a.failure_modes), tuple(a.tags),
         a.body, a.status.value, a.symptoms, a.fix, tuple(a.steps),
         tuple(sorted(t.title for t in service.translations(session, a))))
        for a in session.scalars(select(Article))
    }  # fmt: skip


def test_an_export_imports_into_an_empty_database_as_the_same_articles(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:

        def make(title: str, slug: str | None = None, **fields: Any) -> Article:
            values = ArticleInput.parse({"title": title, "status": "published"} | fields)
            return service.create_article(session, values=values, user_name="eng", slug=slug)

        english = make("Door seal leak", "washer/door seal", products=["WM7"],
                       failure_modes=["water_leak"], tags=["leak", "seal: front"],
                       body="## Symptoms\nWater under the door.\n## Fix\nNew seal.")  # fmt: skip
        chinese = make("洗衣机门封漏水", None, lang="zh", products=["WM7"],
                       body="## 现象\n门封漏水。\n\n## 步骤\n1、换门封\n2、试水")  # fmt: skip
        third = make("门封老化", "seal-ageing-zh", lang="zh", status="retired")
        make("Empty body: yes", "yes", kind="faq", status="draft", body="")
        make("Tabs\tand 'quotes' #1", "odd", kind="design_lesson", tags=["null", "true", "1"],
             body="```\n---\nnot front matter\n---\n```\n")  # fmt: skip
        service.link_translation(session, article_id=chinese.id, other_id=english.id,
                                 user_name="eng")  # fmt: skip
        service.link_translation(session, article_id=third.id, other_id=english.id,
                                 user_name="eng")  # fmt: skip
        before = content(session)
        assert export_directory(session, tmp_path / "out") == 5
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"article-{chinese.id}.md", "odd.md", "seal-ageing-zh.md",
                     "washer-door-seal.md", "yes.md"]  # fmt: skip
    with session_scope(engine) as session:
        session.execute(delete(Article))
    with session_scope(engine) as session:
        assert session.scalars(select(Article)).all() == []
    result = run_import(engine, tmp_path / "out")
    assert (result.created, result.rejected) == (5, [])
    with session_scope(engine) as session:
        assert content(session) == before
        assert set(by_slug(session)) == {"washer/door seal", f"article-{chinese.id}",
                                         "seal-ageing-zh", "yes", "odd"}  # fmt: skip
    again = run_import(engine, tmp_path / "out")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_an_export_imported_back_into_the_same_database_updates_it(
    engine: Engine, tmp_path: Path
) -> None:
    """An article without a slug is written as ``article-N``; importing that file back takes
    the name for article N instead of adding a copy."""
    with session_scope(engine) as session:
        values = ArticleInput.parse({"title": "Fan noise", "body": "## Fix\nClean it."})
        number = service.create_article(session, values=values, user_name="eng").id
        export_directory(session, tmp_path / "out")
    path = tmp_path / "out" / f"article-{number}.md"
    path.write_text(path.read_text("utf-8").replace("Clean it.", "Clean the fan."), "utf-8")
    result = run_import(engine, tmp_path / "out")
    assert (result.created, result.updated) == (0, 1)
    with session_scope(engine) as session:
        stored = session.scalars(select(Article)).all()
        assert [(a.id, a.slug, a.fix) for a in stored] == [
            (number, f"article-{number}", "Clean the fan.")]  # fmt: skip


def test_slugs_that_make_the_same_file_name_get_one_file_each(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        made = [
            service.create_article(session, values=ArticleInput.parse({"title": slug}),
                                   user_name="eng", slug=slug).id
            for slug in ("seal/leak", "seal-leak", "Seal-Leak")
        ]  # fmt: skip
        assert export_directory(session, tmp_path / "out") == 3
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {"seal-leak.md", f"seal-leak-{made[1]}.md", f"Seal-Leak-{made[2]}.md"}
    with session_scope(engine) as session:
        session.execute(delete(Article))
    result = run_import(engine, tmp_path / "out")
    assert (result.created, result.rejected) == (3, [])
    with session_scope(engine) as session:
        found = {a.slug: a.title for a in session.scalars(select(Article))}
        assert found == {slug: slug for slug in ("seal/leak", "seal-leak", "Seal-Leak")}
