"""The knowledge base at its edges, on both back ends: ``/api/v1/kb`` (401 anonymous,
viewers read published articles only, writes need the engineer role, hostile queries are
answered), the pages (Markdown rendered with raw HTML escaped, the editor and versions for
engineers, forms that store nothing when refused) and ``qloop kb ...``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.accounts.models import Role
from qloop.cli import app
from qloop.core.db import session_scope
from qloop.kb.models import Article
from tests.api_client import ApiClient
from tests.capa.test_plans import open_plan
from tests.kb.test_service import BODY, close_a_plan
from tests.web.test_pages import logged_in

runner = CliRunner()
READ_KEYS = {"id", "slug", "title", "kind", "lang", "status", "products", "failure_modes",
             "tags", "attachments", "symptoms", "root_cause", "fix", "steps", "body", "owner",
             "version", "translation_group", "source_plan_id", "updated_at",
             "updated_by"}  # fmt: skip
HIT_KEYS = {"id", "title", "lang", "score", "snippet"}
HOSTILE = ['"', "*", "NEAR(", "' OR 1=1 --", "%_", "🔋💥 鼓包", "x" * 500, "", "   ",
           "\\", "a AND (b OR", "<script>alert(1)</script>", "电池鼓包" * 125]  # fmt: skip
UNSAFE = "## Symptoms\n\nHum <script>alert(1)</script> here.\n\n[click](javascript:alert(1))\n"


class Api(ApiClient):
    """The API client (:mod:`tests.api_client`) that writes articles."""

    def article(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Battery swelling", "products": ["PX9"], "body": BODY} | fields
        made: dict[str, Any] = self.call("POST", "/api/v1/kb", body, status=201)
        return made


@pytest.fixture
def api(engine: Engine, client: TestClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens, engine)


def stored_titles(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Article.title).order_by(Article.id)))


# --- /api/v1/kb ---------------------------------------------------------------------------


def test_anonymous_callers_are_refused(api: Api) -> None:
    for method, url in (
        ("GET", "/api/v1/kb"),
        ("GET", "/api/v1/kb?q=battery"),
        ("GET", "/api/v1/kb/1"),
        ("POST", "/api/v1/kb"),
        ("PUT", "/api/v1/kb/1"),
        ("POST", "/api/v1/kb/1/status"),
        ("GET", "/api/v1/kb/1/versions"),
        ("GET", "/api/v1/kb/1/diff?old=1&new=1"),
        ("POST", "/api/v1/kb/from-plan/1"),
        ("POST", "/api/v1/kb/preview"),
    ):
        body = {"title": "x", "status": "published", "body": "x"} if method != "GET" else None
        assert api.send(method, url, body, role=None).status_code == 401, url
    assert stored_titles(api.engine) == []


def test_an_article_round_trip(api: Api) -> None:
    made = api.article(tags=["battery"], failure_modes=["battery_swelling"])
    url = f"/api/v1/kb/{made['id']}"
    assert set(made) == READ_KEYS
    assert (made["version"], made["status"], made["owner"], made["updated_by"]) == (
        1, "draft", "engineer-user", "engineer-user")  # fmt: skip
    assert made["symptoms"] == "The back cover lifts; the battery bulges."
    assert made["steps"] == ["Switch off the phone.", "Open the back cover.", "Swap the battery."]
    assert api.call("GET", url) == made
    same = api.call(
        "PUT",
        url,
        {
            "title": "Battery swelling",
            "products": ["PX9"],
            "body": BODY,
            "tags": ["battery"],
            "failure_modes": ["battery_swelling"],
        },
    )
    assert same["version"] == 1
    edited = api.call("PUT", url, {"title": "Swollen battery", "products": ["PX9"], "body": BODY,
                                   "status": "draft"}, role="admin")  # fmt: skip
    assert (edited["version"], edited["title"], edited["tags"], edited["updated_by"]) == (
        2, "Swollen battery", [], "admin-user")  # fmt: skip
    published = api.call("POST", url + "/status", {"status": "published"})
    assert (published["status"], published["version"]) == ("published", 3)
    # an edit that leaves the status out keeps it: publishing is a step of its own
    kept = api.call("PUT", url, {"title": "Swollen battery", "products": ["PX9"], "body": BODY})
    assert (kept["status"], kept["version"]) == ("published", 3)
    versions = api.call("GET", url + "/versions")
    assert [(v["number"], v["created_by"], v["snapshot"]["status"]) for v in versions] == [
        (3, "engineer-user", "published"), (2, "admin-user", "draft"),
        (1, "engineer-user", "draft")]  # fmt: skip
    assert versions[2]["snapshot"]["title"] == "Battery swelling"
    diff = api.call("GET", url + "/diff?old=1&new=2")["diff"].splitlines()
    assert diff[:2] == ["--- version 1", "+++ version 2"]
    assert "-title: Battery swelling" in diff and "+title: Swollen battery" in diff
    assert "-tags: ['battery']" in diff and "+tags: []" in diff
    assert api.call("GET", url + "/diff?old=2&new=3")["diff"].count("\n+status: published") == 1
    missing = api.call("GET", url + "/diff?old=1&new=9", status=404)
    assert "no version 9" in missing["detail"]
    api.call("GET", url + "/diff?old=0&new=1", status=422)
    # listed and found
    assert [a["id"] for a in api.call("GET", "/api/v1/kb")] == [made["id"]]
    assert api.call("GET", "/api/v1/kb", role="viewer")[0] == published


def test_refused_writes_store_nothing(api: Api) -> None:
    refused = api.call("POST", "/api/v1/kb", {"title": "T", "kind": "howto"}, status=422)
    assert refused["errors"] == [{"field": "kind", "reason": refused["errors"][0]["reason"]}]
    assert "not one of" in refused["detail"]
    for body in ({"title": ""}, {"title": "T", "surprise": 1}, {"title": "T", "tags": "a, b"},
                 {"title": "T", "lang": "english"}, {"title": "T", "body": "x" * 100_001},
                 {"title": "T", "translation_of": 0}):  # fmt: skip
        api.call("POST", "/api/v1/kb", body, status=422)
    english = api.article(title="English")
    # a translation in the same language: refused after the article was made — nothing kept
    refused = api.call(
        "POST", "/api/v1/kb", {"title": "Also English", "translation_of": english["id"]}, status=422
    )
    assert refused["errors"][0]["field"] == "translation_of"
    api.call("POST", "/api/v1/kb", {"title": "X", "translation_of": 99999}, status=404)
    assert stored_titles(api.engine) == ["English"]
    chinese = api.article(title="电池鼓包", lang="zh", translation_of=english["id"])
    assert chinese["translation_group"] == english["id"]
    assert api.call("GET", f"/api/v1/kb/{english['id']}")["translation_group"] == english["id"]
    url = f"/api/v1/kb/{english['id']}"
    api.call("POST", url + "/status", {"status": "gone"}, status=422)
    api.call("PUT", url, {"title": "T", "status": "gone"}, status=422)
    api.call("PUT", "/api/v1/kb/4040", {"title": "T"}, status=404)
    assert api.call("GET", url)["version"] == 1
    for bad in ("0", "2147483648", "99999999999999999999", "x"):
        api.call("GET", f"/api/v1/kb/{bad}", status=422)


def test_viewers_read_published_articles_and_write_nothing(api: Api) -> None:
    draft = api.article(title="Draft swelling", body="## Symptoms\n\nSecret swelling.\n")
    published = api.article(title="Published swelling", status="published",
                            body="## Symptoms\n\nPublic swelling.\n")  # fmt: skip
    retired = api.article(title="Retired swelling", status="retired")
    for role in ("viewer", "owner"):
        assert [a["id"] for a in api.call("GET", "/api/v1/kb", role=role)] == [published["id"]]
        hits = api.call("GET", "/api/v1/kb?q=swelling", role=role)
        assert [h["id"] for h in hits] == [published["id"]]
        assert api.call("GET", "/api/v1/kb?q=secret", role=role) == []
        assert api.call("GET", "/api/v1/kb?status=draft", role=role) == []
        for hidden in (draft, retired):
            gone = api.call("GET", f"/api/v1/kb/{hidden['id']}", role=role, status=404)
            assert gone["detail"] == f"no article {hidden['id']}"
        url = f"/api/v1/kb/{published['id']}"
        assert api.call("GET", url, role=role)["title"] == "Published swelling"
        for method, path, body in (
            ("POST", "/api/v1/kb", {"title": "mine"}), ("PUT", url, {"title": "mine"}),
            ("POST", url + "/status", {"status": "retired"}), ("GET", url + "/versions", None),
            ("GET", url + "/diff?old=1&new=1", None), ("POST", "/api/v1/kb/preview",
                                                       {"body": "x"}),
            ("POST", "/api/v1/kb/from-plan/1", None),
        ):  # fmt: skip
            assert api.send(method, path, body, role=role).status_code == 403, (role, path)
    everything = api.call("GET", "/api/v1/kb?q=swelling")
    assert {h["id"] for h in everything} == {draft["id"], published["id"], retired["id"]}
    assert stored_titles(api.engine) == ["Draft swelling", "Published swelling",
                                         "Retired swelling"]  # fmt: skip


def test_search_and_filters(api: Api) -> None:
    phone = api.article(status="published", failure_modes=["battery_swelling"])
    washer = api.article(
        title="洗衣机门封漏水",
        lang="zh",
        kind="repair_sop",
        products=["WM7"],
        status="published",
        body="## 现象\n\n门封漏水，地上有积水。\n",
    )
    hits = api.call("GET", "/api/v1/kb?q=bulges", role="viewer")
    assert [h["id"] for h in hits] == [phone["id"]] and set(hits[0]) == HIT_KEYS
    assert hits[0]["score"] > 0 and "<mark>bulges</mark>" in hits[0]["snippet"]
    assert [h["id"] for h in api.call("GET", "/api/v1/kb?q=漏水", role="viewer")] == [washer["id"]]
    both = "/api/v1/kb?q=battery 漏水"
    assert {h["id"] for h in api.call("GET", both)} == {phone["id"], washer["id"]}
    assert [h["id"] for h in api.call("GET", both + "&lang=zh")] == [washer["id"]]
    assert [h["id"] for h in api.call("GET", both + "&product=PX9")] == [phone["id"]]
    assert api.call("GET", both + "&failure_mode=water_leak") == []
    assert len(api.call("GET", both + "&limit=1")) == 1
    api.call("GET", both + "&limit=0", status=422)
    assert [a["id"] for a in api.call("GET", "/api/v1/kb?kind=repair_sop")] == [washer["id"]]
    assert [a["id"] for a in api.call("GET", "/api/v1/kb?lang=en")] == [phone["id"]]
    assert [a["id"] for a in api.call("GET", "/api/v1/kb?product=WM7")] == [washer["id"]]
    assert api.call("GET", "/api/v1/kb?kind=nonsense") == []
    assert api.call("GET", "/api/v1/kb?status=nonsense") == []


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_any_query_is_answered(api: Api, query: str) -> None:
    api.article(status="published")
    for role in ("viewer", "engineer"):
        response = api.client.get(
            "/api/v1/kb",
            params={"q": query},
            headers={"Authorization": f"Bearer {api.tokens[role]}"},
        )
        assert response.status_code == 200, (query, response.text)
        assert isinstance(response.json(), list)
    too_long = api.client.get(
        "/api/v1/kb",
        params={"q": "x" * 501},
        headers={"Authorization": f"Bearer {api.tokens['viewer']}"},
    )
    assert too_long.status_code == 422


def test_preview_renders_markdown_and_never_raw_html(api: Api) -> None:
    html = api.call("POST", "/api/v1/kb/preview", {"body": UNSAFE})["html"]
    assert "<h2>Symptoms</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "javascript:" not in html.replace("[click](javascript:alert(1))", "")
    assert 'href="javascript' not in html
    table = api.call("POST", "/api/v1/kb/preview", {"body": "| a | b |\n|---|---|\n| 1 | 2 |"})
    assert "<table>" in table["html"] and "<td>2</td>" in table["html"]


def test_a_draft_from_a_plan(api: Api) -> None:
    closed = close_a_plan(api.engine)
    still_open = open_plan(api.engine)
    refused = api.call("POST", f"/api/v1/kb/from-plan/{still_open}", status=409)
    assert "is open" in refused["detail"]
    api.call("POST", "/api/v1/kb/from-plan/999", status=404)
    api.call("POST", f"/api/v1/kb/from-plan/{closed}?lang=fr", status=422)
    made = api.call("POST", f"/api/v1/kb/from-plan/{closed}", status=201)
    assert (made["status"], made["source_plan_id"], made["lang"], made["owner"]) == (
        "draft", closed, "en", "engineer-user")  # fmt: skip
    assert "PX9 packs swell" in made["symptoms"] and "Lot L17 cells" in made["root_cause"]
    chinese = api.call("POST", f"/api/v1/kb/from-plan/{closed}?lang=zh", status=201)
    assert chinese["body"].startswith("## 症状") and chinese["lang"] == "zh"
    assert api.call("GET", f"/api/v1/kb/{made['id']}", role="viewer", status=404)


# --- pages --------------------------------------------------------------------------------


def created(answer: Any) -> int:
    assert answer.status_code == 303, answer.text
    match = re.fullmatch(r"/kb/(\d+)", answer.headers["location"])
    assert match is not None, answer.headers["location"]
    return int(match.group(1))


def test_an_engineer_writes_publishes_and_reads_the_versions(
    client: TestClient, engine: Engine
) -> None:
    csrf = logged_in(client, engine, Role.ENGINEER)
    assert client.get("/kb").status_code == 200
    editor = client.get("/kb/new")
    assert editor.status_code == 200 and 'action="/kb"' in editor.text
    form = {"title": "Hum from the woofer", "kind": "failure_case", "lang": "en",
            "status": "draft", "products": "SPK2, SPK3", "failure_modes": "abnormal_noise",
            "tags": "", "body": UNSAFE.replace("\n", "\r\n"), "csrf": csrf}  # fmt: skip
    number = created(client.post("/kb", data=form, follow_redirects=False))
    page = client.get(f"/kb/{number}").text
    assert "<h1>Hum from the woofer</h1>" in page and "<h2>Symptoms</h2>" in page
    assert "Hum &lt;script&gt;alert(1)&lt;/script&gt; here." in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert f'href="/kb/{number}/edit"' in page and f'href="/kb/{number}/versions"' in page
    edit = client.get(f"/kb/{number}/edit").text
    assert "Hum from the woofer" in edit and "SPK2, SPK3" in edit
    # the same form again (the browser's CRLF) is no change: no version
    again = client.post(f"/kb/{number}", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/kb/{number}"
    changed = form | {"title": "Hum from the woofer at low volume"}
    client.post(f"/kb/{number}", data=changed, follow_redirects=False)
    status = client.post(f"/kb/{number}/status", data={"status": "published", "csrf": csrf},
                         follow_redirects=False)  # fmt: skip
    assert status.status_code == 303 and status.headers["location"] == f"/kb/{number}"
    with session_scope(engine) as session:
        article = session.get(Article, number)
        assert article is not None
        assert (article.version, article.status.value, article.products) == (
            3, "published", ["SPK2", "SPK3"])  # fmt: skip
        assert "\r" not in article.body
    versions = client.get(f"/kb/{number}/versions")
    assert versions.status_code == 200
    assert "status: published" in versions.text and "Version 2 → 3" in versions.text
    older = client.get(f"/kb/{number}/versions?old=1&new=2").text
    assert "+title: Hum from the woofer at low volume" in older
    hits = client.get("/kb", params={"q": "woofer hum"}).text
    assert f'href="/kb/{number}"' in hits and "<mark>" in hits
    assert "Hum from the woofer at low volume" in client.get("/kb?kind=failure_case").text
    assert "Hum from the woofer" not in client.get("/kb?kind=faq").text


def test_a_refused_form_says_why_and_stores_nothing(client: TestClient, engine: Engine) -> None:
    csrf = logged_in(client, engine, Role.ENGINEER)
    answer = client.post("/kb", data={"title": "X", "kind": "howto", "csrf": csrf},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/kb/new?error=") and "howto" in unquote(location)
    shown = client.get(location).text
    assert 'role="alert"' in shown and "kind" in shown
    assert client.post("/kb", data={"title": "X"}).status_code == 403  # no CSRF token
    number = created(client.post("/kb", data={"title": "Kept", "csrf": csrf},
                                  follow_redirects=False))  # fmt: skip
    bad = client.post(f"/kb/{number}", data={"title": "", "csrf": csrf}, follow_redirects=False)
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    bad = client.post(f"/kb/{number}/status", data={"status": "gone", "csrf": csrf},
                      follow_redirects=False)  # fmt: skip
    assert "error=" in bad.headers["location"]
    assert stored_titles(engine) == ["Kept"]
    for url in ("/kb/999999", "/kb/999999/edit", "/kb/999999/versions"):
        assert client.get(url).status_code == 404, url
    for url in ("/kb/2147483648", "/kb/99999999999999999999", "/kb/2147483648/versions"):
        assert client.get(url).status_code in (404, 422), url


def test_viewers_read_published_pages_only(client: TestClient, engine: Engine) -> None:
    csrf = logged_in(client, engine, Role.ENGINEER)
    draft = created(client.post("/kb", data={"title": "Draft page", "body": "secret words",
                                             "csrf": csrf}, follow_redirects=False))  # fmt: skip
    public = created(client.post("/kb", data={"title": "Public page", "status": "published",
                                              "body": "public words", "csrf": csrf},
                                 follow_redirects=False))  # fmt: skip
    client.post("/logout", data={"csrf": csrf})
    csrf = logged_in(client, engine, Role.VIEWER)
    listing = client.get("/kb").text
    assert "Public page" in listing and "Draft page" not in listing
    assert 'href="/kb/new"' not in listing
    assert "Draft page" not in client.get("/kb?q=secret").text
    page = client.get(f"/kb/{public}")
    assert page.status_code == 200 and "public words" in page.text
    assert f'href="/kb/{public}/edit"' not in page.text and 'action="/kb/' not in page.text
    assert client.get(f"/kb/{draft}").status_code == 404
    for url in ("/kb/new", f"/kb/{public}/edit", f"/kb/{public}/versions"):
        assert client.get(url).status_code == 403, url
    for url, form in (("/kb", {"title": "mine"}), (f"/kb/{public}", {"title": "mine"}),
                      (f"/kb/{public}/status", {"status": "retired"}),
                      ("/plans/1/kb-draft", {})):  # fmt: skip
        assert client.post(url, data=form | {"csrf": csrf}).status_code == 403, url
    client.post("/logout", data={"csrf": csrf})
    anonymous = client.get(f"/kb/{public}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert stored_titles(engine) == ["Draft page", "Public page"]


def test_the_plan_page_button_makes_a_draft(client: TestClient, engine: Engine) -> None:
    closed = close_a_plan(engine)
    csrf = logged_in(client, engine, Role.ENGINEER)
    answer = client.post(f"/plans/{closed}/kb-draft", data={"lang": "zh", "csrf": csrf},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    match = re.fullmatch(r"/kb/(\d+)/edit", answer.headers["location"])
    assert match is not None
    editor = client.get(answer.headers["location"]).text
    assert "## 症状" in editor and "Swelling fix" in editor
    with session_scope(engine) as session:
        article = session.get(Article, int(match.group(1)))
        assert article is not None and article.source_plan_id == closed


# --- the command line ---------------------------------------------------------------------


def run(db_url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_the_knowledge_base_on_the_command_line(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "swelling.md").write_text(
        "---\nid: swelling\ntitle: Battery swelling\nproducts: [PX9]\n---\n" + BODY,
        encoding="utf-8",
    )
    (folder / "leak.md").write_text("---\nid: leak\ntitle: 门封漏水\nlang: zh\n---\n## 现象\n\n"
                                    "门封漏水。\n", encoding="utf-8")  # fmt: skip
    (folder / "bad.md").write_text("no front matter", encoding="utf-8")
    shown = run(db_url, "kb", "import", str(folder), "--user", "ann", code=3)  # rejects
    assert "2 created, 0 updated, 0 unchanged, 1 rejected" in shown
    assert "bad.md: no YAML front matter" in shown
    assert f"rejects: {tmp_path / 'in.rejects.csv'}" in shown
    again = run(db_url, "kb", "import", str(folder), code=3)
    assert "0 created, 0 updated, 2 unchanged, 1 rejected" in again
    assert "not a directory" in run(db_url, "kb", "import", str(tmp_path / "none"), code=2)

    result = runner.invoke(app, ["--db", db_url, "kb", "search", "bulges", "--format", "json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert [(h["title"], h["lang"]) for h in hits] == [("Battery swelling", "en")]
    assert set(hits[0]) == HIT_KEYS and hits[0]["score"] > 0
    assert "<mark>bulges</mark>" in hits[0]["snippet"]
    table = run(db_url, "kb", "search", "漏水")
    assert re.fullmatch(r"#\d+ \d+\.\d\d 门封漏水", table), table
    assert run(db_url, "kb", "search", "漏水", "--lang", "en") == "no article found"
    assert json.loads(runner.invoke(app, ["--db", db_url, "kb", "search", "' OR 1=1 --",
                                          "--format", "json"]).stdout) == []  # fmt: skip
    assert run(db_url, "kb", "reindex") == "2 articles indexed"

    out = tmp_path / "out"
    assert run(db_url, "kb", "export", str(out)) == f"2 articles written to {out}"
    assert sorted(p.name for p in out.iterdir()) == ["leak.md", "swelling.md"]
    assert "title: 门封漏水" in (out / "leak.md").read_text(encoding="utf-8")

    closed = close_a_plan(engine)
    drafted = run(db_url, "kb", "draft", str(closed), "--lang", "zh", "--user", "eng")
    number = int(re.fullmatch(r"draft article (\d+): Swelling fix", drafted).group(1))  # type: ignore[union-attr]
    with session_scope(engine) as session:
        article = session.get(Article, number)
        assert article is not None
        assert (article.lang, article.owner, article.source_plan_id) == ("zh", "eng", closed)
    still_open = open_plan(engine)
    assert "is open" in run(db_url, "kb", "draft", str(still_open), code=2)
    assert "engineer role" in run(db_url, "kb", "draft", str(closed), "--user", "olga", code=2)
    assert run(db_url, "kb", "draft", "999", code=2) == "error: no corrective action plan 999"
