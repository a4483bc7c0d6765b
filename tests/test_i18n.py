"""Every string a person reads exists in English and Simplified Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core import i18n
from qloop.core.db import session_scope

SOURCE = Path(__file__).parent.parent / "src" / "qloop"
PAGE_MESSAGES = (
    "wrong user name or password",
    "this account is locked for a while after too many failures",
)


def template_messages() -> set[str]:
    found: set[str] = set()
    for template in SOURCE.glob("*/templates/**/*.html"):
        found |= set(re.findall(r"""_\(["']([^"']+)["']\)""", template.read_text("utf-8")))
    return found


def test_every_page_string_and_label_has_a_chinese_translation() -> None:
    messages = template_messages() | set(i18n.LABELS.values()) | set(PAGE_MESSAGES)
    assert len(messages) > 60
    chinese = i18n.translations("zh_CN")
    missing = sorted(m for m in messages if m != "API" and chinese.gettext(m) == m)
    assert missing == []
    assert i18n.label_for("zh_CN")("in_progress") == "处理中"
    assert i18n.label_for("en")("in_progress") == "In progress"
    assert i18n.label_for("zh_CN")("some_new_code") == "some_new_code"


def test_language_negotiation() -> None:
    assert i18n.negotiate(None, "zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.negotiate(None, "en-GB,en;q=0.9") == "en"
    assert i18n.negotiate(None, "fr-FR,de;q=0.5") == "en"
    assert i18n.negotiate("zh_CN", "en-US") == "zh_CN"  # the user's choice wins
    assert i18n.negotiate(None, None) == "en"


def test_pages_follow_the_browser_and_the_switch(client: TestClient, engine: Engine) -> None:
    assert "<h1>登录</h1>" in client.get("/login", headers={"Accept-Language": "zh-CN"}).text
    assert "<h1>Log in</h1>" in client.get("/login").text
    with session_scope(engine) as session:
        accounts.create_user(session, name="wang", password="correct horse", role=Role.VIEWER)
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "wang", "password": "correct horse", "csrf": token})
    home = client.get("/").text
    assert "未结案例" not in home
    csrf = re.search(r'name="csrf" value="([^"]+)"', home).group(1)  # type: ignore[union-attr]
    assert client.get("/language/zh_CN", follow_redirects=False).status_code == 303
    client.cookies.delete("qloop_lang")  # a GET sets this browser's cookie only
    assert "未结案例" not in client.get("/").text
    saved = client.post(
        "/language",
        data={"csrf": csrf, "locale": "zh_CN", "next": "/cases"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/cases"
    assert client.post("/language", data={"csrf": "forged", "locale": "en"}).status_code == 403
    client.cookies.clear()  # the choice is kept in the account, not only in the cookie
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "wang", "password": "correct horse", "csrf": token})
    page = client.get("/").text
    assert "未结案例" in page and "只读用户" in page
    assert client.get("/language/fr").status_code == 404
