"""Images and PDFs attached to knowledge-base articles, on both back ends: only real images
and PDFs are taken (by their bytes, whatever the name says), every attach, replace and
remove is a version and the removed file stays readable for the versions that showed it,
viewers reach the files of published articles only, the body shows a file where it names
it, the API and the pages attach, list, serve and remove, and Markdown folders carry the
files out and back in."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts.models import Role
from qloop.core.db import session_scope
from qloop.core.errors import InputError, NotFound
from qloop.kb import files, service
from qloop.kb.fields import ArticleInput
from qloop.kb.markdown_files import export_directory, import_directory
from qloop.kb.models import Article, ArticleFile, ArticleStatus
from qloop.kb.render import markdown_html
from tests.kb.test_kb_api import Api
from tests.kb.test_service import ENGINEER, VIEWER
from tests.web.test_pages import logged_in

LIMIT = 1_000_000


def image(kind: str, colour: str = "red", size: tuple[int, int] = (4, 3)) -> bytes:
    """A real image file written by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=kind)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as opened:
        yield opened


def an_article(session: Session, status: str = "published", body: str = "") -> Article:
    values = ArticleInput.parse(
        {
            "title": "Battery swelling",
            "products": ["PX9"],
            "status": status,
            "body": body or "## Symptoms\n\nBulge.\n",
        }
    )
    return service.create_article(session, values=values, user_name="eng")


def put(
    session: Session, article_id: int, name: str, data: bytes, user_name: str = "eng"
) -> ArticleFile:
    """``files.attach`` within the test limit."""
    return files.attach(session, article_id=article_id, name=name, data=data,
                        user_name=user_name, limit=LIMIT)  # fmt: skip


# --- what is taken ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_real_images_are_recognised_by_their_bytes(kind: str, expected: str) -> None:
    data = image(kind)
    assert Image.open(io.BytesIO(data)).format == kind  # Pillow agrees it is one
    assert files.detected_type(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04 a zip or a docx",
        b"MZ an exe",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"GIF88a",
        b"\x89PNG",
        b"plain text",
    ],
)
def test_anything_else_is_refused_whatever_its_name(session: Session, data: bytes) -> None:
    assert files.detected_type(data) is None
    article = an_article(session)
    with pytest.raises(InputError) as refused:
        put(session, article.id, "photo.png", data)
    assert refused.value.file == "photo.png" and "not an image or PDF" in refused.value.reason
    assert session.scalars(select(ArticleFile)).all() == []


@given(st.binary(max_size=64))
def test_detection_never_raises_and_only_names_allowed_types(data: bytes) -> None:
    found = files.detected_type(data)
    assert found in {None, "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
    if found == "application/pdf":
        assert data.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("given_name", "kept"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\photos\\电池 鼓包.jpg", "电池 鼓包.jpg"),
        ("a\tb\x07.png", "ab.png"),
        ("x" * 300 + ".png", "x" * 251 + ".png"),
    ],
)
def test_a_name_is_the_files_own_name(given_name: str, kept: str) -> None:
    assert files.clean_name(given_name) == kept


@pytest.mark.parametrize("bad", ["", "   ", "..", "folder/", "\x07\x00"])
def test_a_file_without_a_usable_name_is_refused(bad: str) -> None:
    with pytest.raises(InputError):
        files.clean_name(bad)


def test_empty_and_oversized_files_are_refused(session: Session) -> None:
    article = an_article(session)
    with pytest.raises(InputError, match="empty"):
        put(session, article.id, "a.png", b"")
    data = image("PNG")
    with pytest.raises(InputError, match=f"{len(data):,} bytes; at most {len(data) - 1:,}"):
        files.attach(
            session,
            article_id=article.id,
            name="a.png",
            data=data,
            user_name="eng",
            limit=len(data) - 1,
        )
    kept = files.attach(
        session, article_id=article.id, name="a.png", data=data, user_name="eng", limit=len(data)
    )
    assert kept.size == len(data) and kept.sha256 == hashlib.sha256(data).hexdigest()


# --- versions -----------------------------------------------------------------------------


def test_attach_replace_and_remove_are_versions_and_nothing_is_lost(session: Session) -> None:
    article = an_article(session)
    red, blue = image("PNG", "red"), image("PNG", "blue")
    first = put(session, article.id, "cell.png", red)
    put(session, article.id, "sop.pdf", PDF)
    assert article.version == 3 and article.attachments == ["cell.png", "sop.pdf"]
    again = put(session, article.id, "cell.png", red)
    assert again.id == first.id and article.version == 3  # the same file: no edit
    second = put(session, article.id, "cell.png", blue, user_name="ann")
    assert article.version == 4 and article.attachments == ["sop.pdf", "cell.png"]
    assert first.removed_by == "ann" and first.removed_at is not None
    pdf = files.files_of(session, article)[0]
    files.remove(session, article_id=article.id, file_id=pdf.id, user_name="eng")
    assert article.version == 5 and article.attachments == ["cell.png"]
    assert [f.id for f in files.files_of(session, article)] == [second.id]
    assert len(files.files_of(session, article, removed=True)) == 3  # nothing deleted
    snapshots = {v.number: v.snapshot for v in service.versions(session, article.id)}
    assert snapshots[1]["attachments"] == [] and snapshots[3]["attachments"] == [
        "cell.png",
        "sop.pdf",
    ]
    diff = service.version_diff(session, article_id=article.id, old=4, new=5)
    assert "-attachments: ['sop.pdf', 'cell.png']" in diff
    assert "+attachments: ['cell.png']" in diff
    # an engineer still reads what version 3 showed; a viewer only the current files
    assert (
        files.file_by_id(session, article_id=article.id, file_id=first.id, reader=ENGINEER)[1]
        == red
    )
    with pytest.raises(NotFound):
        files.file_by_id(session, article_id=article.id, file_id=first.id, reader=VIEWER)
    assert (
        files.file_by_name(session, article_id=article.id, name="cell.png", reader=VIEWER)[1]
        == blue
    )
    with pytest.raises(NotFound):
        files.remove(session, article_id=article.id, file_id=pdf.id, user_name="eng")


def test_an_edit_of_the_text_keeps_the_files(session: Session) -> None:
    article = an_article(session)
    put(session, article.id, "cell.png", image("PNG"))
    values = ArticleInput.parse(
        {
            "title": "Battery swelling (PX9)",
            "products": ["PX9"],
            "status": "published",
            "body": article.body,
        }
    )
    service.update_article(session, article_id=article.id, values=values, user_name="eng")
    assert article.version == 3 and article.attachments == ["cell.png"]
    assert service.versions(session, article.id)[0].snapshot["attachments"] == ["cell.png"]


def test_viewers_reach_the_files_of_published_articles_only(session: Session) -> None:
    draft = an_article(session, status="draft")
    put(session, draft.id, "cell.png", image("PNG"))
    with pytest.raises(NotFound):
        files.file_by_name(session, article_id=draft.id, name="cell.png", reader=VIEWER)
    assert (
        files.file_by_name(session, article_id=draft.id, name="cell.png", reader=ENGINEER)[
            0
        ].content_type
        == "image/png"
    )
    service.set_status(
        session, article_id=draft.id, status=ArticleStatus.PUBLISHED.value, user_name="eng"
    )
    assert files.file_by_name(session, article_id=draft.id, name="cell.png", reader=VIEWER)


# --- the body names its files -------------------------------------------------------------


def test_the_body_shows_a_file_where_it_names_it() -> None:
    addresses = {"cell.png": "/kb/7/files/cell.png", "sop v2.pdf": "/kb/7/files/sop%20v2.pdf"}
    html = markdown_html(
        "![Swollen](cell.png) ![Saved by Typora](assets/cell.png) [SOP](sop%20v2.pdf) "
        "![web](https://example.com/cell.png) ![absolute](/static/cell.png) ![other](x.png)",
        addresses,
    )
    assert html.count('src="/kb/7/files/cell.png"') == 2
    assert 'href="/kb/7/files/sop%20v2.pdf"' in html
    assert 'src="https://example.com/cell.png"' in html and 'src="/static/cell.png"' in html
    assert 'src="x.png"' in html


# --- API ------------------------------------------------------------------------------------


def upload(api: Api, article: int, name: str, data: bytes, role: str = "engineer") -> Any:
    headers = {"Authorization": f"Bearer {api.tokens[role]}"}
    return api.client.post(
        f"/api/v1/kb/{article}/files", files={"file": (name, data)}, headers=headers
    )


@pytest.fixture
def api(engine: Engine, client: TestClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens, engine)


def test_files_through_the_api(api: Api) -> None:
    article = api.article(status="published")["id"]
    jpeg = image("JPEG")
    assert upload(api, article, "cell.jpg", jpeg, role="viewer").status_code == 403
    assert (
        api.client.post(f"/api/v1/kb/{article}/files", files={"file": ("a.jpg", jpeg)}).status_code
        == 401
    )
    refused = upload(api, article, "notes.png", b"<svg onload=alert(1)>")
    assert refused.status_code == 422 and "notes.png" in refused.json()["detail"]
    made = upload(api, article, "电池 鼓包.jpg", jpeg)
    assert made.status_code == 201, made.text
    found = made.json()
    assert (found["name"], found["content_type"], found["size"]) == (
        "电池 鼓包.jpg",
        "image/jpeg",
        len(jpeg),
    )
    assert found["page_url"] == f"/kb/{article}/files/%E7%94%B5%E6%B1%A0%20%E9%BC%93%E5%8C%85.jpg"
    assert api.call("GET", f"/api/v1/kb/{article}", role="viewer")["attachments"] == [
        "电池 鼓包.jpg"
    ]
    listed = api.call("GET", f"/api/v1/kb/{article}/files", role="viewer")
    assert [f["id"] for f in listed] == [found["id"]]
    got = api.send("GET", found["url"], role="viewer")
    assert got.status_code == 200 and got.content == jpeg
    assert got.headers["content-disposition"].startswith("attachment;")
    assert api.send("DELETE", found["url"], role="viewer").status_code == 403
    assert api.send("DELETE", found["url"]).status_code == 204
    assert api.call("GET", f"/api/v1/kb/{article}/files") == []
    assert len(api.call("GET", f"/api/v1/kb/{article}/files?removed=true")) == 1
    assert api.call("GET", f"/api/v1/kb/{article}/files?removed=true", role="viewer") == []
    assert api.send("GET", found["url"], role="viewer").status_code == 404
    assert api.send("GET", found["url"]).content == jpeg  # the versions still show it
    assert api.call("GET", f"/api/v1/kb/{article}")["version"] == 3


def test_the_preview_shows_the_articles_files(api: Api) -> None:
    article = api.article()["id"]
    assert upload(api, article, "cell.png", image("PNG")).status_code == 201
    html = api.call(
        "POST", "/api/v1/kb/preview", {"body": "![x](cell.png)", "article_id": article}
    )["html"]
    assert f'src="/kb/{article}/files/cell.png"' in html
    assert (
        'src="cell.png"'
        in api.call("POST", "/api/v1/kb/preview", {"body": "![x](cell.png)"})["html"]
    )


# --- pages ----------------------------------------------------------------------------------


def test_an_engineer_attaches_in_the_page_and_readers_see_the_picture(
    client: TestClient, engine: Engine
) -> None:
    with session_scope(engine) as session:
        article = an_article(session, body="## Symptoms\n\n![Swollen cell](cell.png)\n").id
    csrf = logged_in(client, engine, Role.ENGINEER)
    png = image("PNG")
    bad = client.post(
        f"/kb/{article}/files",
        data={"csrf": csrf},
        files={"file": ("cell.png", b"GIF88a not really")},
        follow_redirects=False,
    )
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    no_csrf = client.post(f"/kb/{article}/files", files={"file": ("cell.png", png)})
    assert no_csrf.status_code == 403
    with session_scope(engine) as session:
        assert session.scalars(select(ArticleFile)).all() == []
    sent = client.post(
        f"/kb/{article}/files",
        data={"csrf": csrf},
        files={"file": ("cell.png", png)},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/kb/{article}#files"
    page = client.get(f"/kb/{article}").text
    assert f'<img src="/kb/{article}/files/cell.png" alt="Swollen cell"' in page
    assert f'action="/kb/{article}/files/' in page  # the remove button
    shown = client.get(f"/kb/{article}/files/cell.png")
    assert shown.status_code == 200 and shown.content == png
    assert shown.headers["content-type"] == "image/png"
    assert "sandbox" in shown.headers["content-security-policy"]
    assert shown.headers["x-content-type-options"] == "nosniff"
    client.post("/logout", data={"csrf": csrf})
    csrf = logged_in(client, engine, Role.VIEWER)
    page = client.get(f"/kb/{article}").text
    assert f'src="/kb/{article}/files/cell.png"' in page and "/remove" not in page
    refused = client.post(
        f"/kb/{article}/files", data={"csrf": csrf}, files={"file": ("b.png", png)}
    )
    assert refused.status_code == 403


def test_a_pdf_is_offered_as_a_download(client: TestClient, engine: Engine) -> None:
    with session_scope(engine) as session:
        article = an_article(session).id
        put(session, article, "SOP 换封圈.pdf", PDF)
    logged_in(client, engine, Role.VIEWER)
    got = client.get(f"/kb/{article}/files/SOP%20%E6%8D%A2%E5%B0%81%E5%9C%88.pdf")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment;")
    assert client.get(f"/kb/{article}/files/other.pdf").status_code == 404


# --- Markdown folders -----------------------------------------------------------------------


def test_files_go_out_with_the_markdown_and_come_back(engine: Engine, tmp_path: Path) -> None:
    png, jpeg = image("PNG"), image("JPEG")
    with session_scope(engine) as session:
        article = an_article(session, body="## Symptoms\n\n![Swollen](cell.png)\n")
        article.slug = "battery/swelling"
        for name, data in (("cell.png", png), ("拆解.jpg", jpeg), ("sop.pdf", PDF)):
            put(session, article.id, name, data)
        export_directory(session, tmp_path / "out")
    written = (tmp_path / "out" / "battery-swelling.md").read_text(encoding="utf-8")
    assert "attachments: [battery-swelling/cell.png, battery-swelling/拆解.jpg," in written
    assert (tmp_path / "out" / "battery-swelling" / "拆解.jpg").read_bytes() == jpeg
    with session_scope(engine) as session:
        session.execute(ArticleFile.__table__.delete())
        session.execute(Article.__table__.delete())
    with session_scope(engine) as session:
        result = import_directory(session, tmp_path / "out", user_name="imp")
        assert (result.created, result.rejected) == (1, [])
        back = session.scalars(select(Article)).one()
        assert back.attachments == ["cell.png", "拆解.jpg", "sop.pdf"]
        kept = {f.name: f.sha256 for f in files.files_of(session, back)}
        assert kept == {
            n: hashlib.sha256(d).hexdigest()
            for n, d in (("cell.png", png), ("拆解.jpg", jpeg), ("sop.pdf", PDF))
        }
    with session_scope(engine) as session:  # the same folder again: nothing changes
        assert import_directory(session, tmp_path / "out", user_name="imp").unchanged == 1
    text = written.replace(", battery-swelling/sop.pdf", "")
    (tmp_path / "out" / "battery-swelling.md").write_text(text, encoding="utf-8")
    with session_scope(engine) as session:  # one file fewer: removed, kept for the versions
        assert import_directory(session, tmp_path / "out", user_name="imp").updated == 1
        back = session.scalars(select(Article)).one()
        assert back.attachments == ["cell.png", "拆解.jpg"]
        assert len(files.files_of(session, back, removed=True)) == 3


ARTICLE = """---
id: seal
title: Door seal leak
kind: repair_sop
lang: en
{extra}
---
## Steps

1. Photo: ![torn seal](images/seal%20torn.png)
2. See [the supplier's report](report.pdf) and [the form](form.docx) and [web](https://x.org/a.png).
"""


def test_an_editors_folder_of_pictures_comes_along(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    (folder / "images").mkdir(parents=True)
    png = image("PNG")
    (folder / "images" / "seal torn.png").write_bytes(png)
    (folder / "report.pdf").write_bytes(PDF)
    (folder / "form.docx").write_bytes(b"PK\x03\x04 a document")
    (folder / "seal.md").write_text(ARTICLE.format(extra=""), encoding="utf-8")
    with session_scope(engine) as session:
        result = import_directory(session, folder, user_name="imp")
        assert (result.created, result.rejected) == (1, [])
        article = session.scalars(select(Article)).one()
        assert article.attachments == ["seal torn.png", "report.pdf"]
        assert article.version == 1  # one import, one version: its files are part of it
        (first,) = service.versions(session, article.id)
        assert first.number == 1 and first.snapshot["attachments"] == article.attachments
        html = markdown_html(article.body, {n: f"/f/{n}" for n in article.attachments})
        assert 'src="/f/seal torn.png"' in html and 'href="/f/report.pdf"' in html


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("attachments: [missing.png]", "no file 'missing.png'"),
        ("attachments: [../outside.png]", "no file '../outside.png'"),
        ("attachments: [form.docx]", "not an image or PDF"),
        ("attachments: {a: b}", "a list of file paths"),
        ("attachments: [other/seal torn.png]", "have the same name"),
    ],
)
def test_an_article_whose_files_cannot_come_is_rejected_whole(
    engine: Engine, tmp_path: Path, extra: str, reason: str
) -> None:
    folder = tmp_path / "kb"
    (folder / "images").mkdir(parents=True)
    (folder / "other").mkdir()
    (folder / "images" / "seal torn.png").write_bytes(image("PNG", "red"))
    (folder / "other" / "seal torn.png").write_bytes(image("PNG", "blue"))
    (folder / "report.pdf").write_bytes(PDF)
    (folder / "form.docx").write_bytes(b"PK\x03\x04 a document")
    (tmp_path / "outside.png").write_bytes(image("PNG"))
    (folder / "seal.md").write_text(ARTICLE.format(extra=extra), encoding="utf-8")
    with session_scope(engine) as session:
        result = import_directory(session, folder, user_name="imp")
        assert result.created == 0 and len(result.rejected) == 1
        assert result.rejected[0][0] == "seal.md" and reason in result.rejected[0][1]
        assert session.scalars(select(Article)).all() == []
        assert session.scalars(select(ArticleFile)).all() == []
