"""Pages: login with a session cookie, CSRF on every form, lockout, logout."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core.db import session_scope


def add_user(engine: Engine, name: str = "li.wei", role: Role = Role.ENGINEER) -> None:
    with session_scope(engine) as session:
        accounts.create_user(session, name=name, password="correct horse", role=role)


def form_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def log_in(client: TestClient, password: str = "correct horse", next_path: str = "/") -> object:
    return client.post(
        "/login",
        data={
            "name": "li.wei",
            "password": password,
            "csrf": form_token(client),
            "next": next_path,
        },
        follow_redirects=False,
    )


def test_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    response = client.get("/cases?severity=urgent&q=鼓包", follow_redirects=False)
    assert response.headers["location"] == (
        "/login?next=/cases%3Fseverity%3Durgent%26q%3D%E9%BC%93%E5%8C%85"
    )


def test_login_sets_a_safe_session_cookie_and_shows_the_dashboard(
    client: TestClient, engine: Engine
) -> None:
    add_user(engine)
    response = log_in(client, next_path="/")
    assert response.status_code == 303 and response.headers["location"] == "/"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "qloop_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    page = client.get("/")
    assert page.status_code == 200 and "li.wei (Engineer)" in page.text
    assert "Open cases" in page.text
    assert client.get("/api/v1/cases").status_code == 200  # the cookie works for the API too


def test_open_redirects_are_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine)
    for target in (
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "evil.example",
    ):
        response = log_in(client, next_path=target)
        assert response.headers["location"] == "/", target  # type: ignore[attr-defined]
        client.cookies.clear()
    response = log_in(client, next_path="/cases?q=a")
    assert response.headers["location"] == "/cases?q=a"  # type: ignore[attr-defined]
    switched = client.get(
        "/language/zh_CN", params={"next": "/\\evil.example"}, follow_redirects=False
    )
    assert switched.headers["location"] == "/"


def test_https_cookies_are_secure(db_url: str, engine: Engine) -> None:
    from qloop.core.settings import Settings
    from qloop.web.app import create_app

    add_user(engine)
    with TestClient(
        create_app(Settings(database_url=db_url)), base_url="https://testserver"
    ) as client:
        response = log_in(client)
        assert "Secure" in response.headers["set-cookie"]  # type: ignore[attr-defined]


def test_forms_without_a_valid_csrf_token_are_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine)
    form_token(client)  # sets the CSRF cookie
    refused = client.post(
        "/login", data={"name": "li.wei", "password": "correct horse", "csrf": "forged"}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    no_field = client.post("/login", data={"name": "li.wei", "password": "correct horse"})
    assert no_field.status_code == 403
    log_in(client)
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    # a change through the API with the cookie needs the session's token in a header
    created = client.post(
        "/api/v1/cases",
        json={"case_id": "C1", "received_at": "2026-05-01", "channel": "app", "description": "x"},
    )
    assert created.status_code == 403
    token = form_token(client, "/")
    created = client.post(
        "/api/v1/cases",
        headers={"X-CSRF-Token": token},
        json={"case_id": "C1", "received_at": "2026-05-01", "channel": "app", "description": "x"},
    )
    assert created.status_code == 201


def test_ten_failed_logins_lock_the_account(client: TestClient, engine: Engine) -> None:
    add_user(engine)
    for _ in range(10):
        response = log_in(client, password="wrong password")
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert "wrong user name or password" in response.text  # type: ignore[attr-defined]
    locked = log_in(client)
    assert locked.status_code == 401  # type: ignore[attr-defined]
    assert "locked" in locked.text  # type: ignore[attr-defined]


def test_logout_ends_the_session(client: TestClient, engine: Engine) -> None:
    add_user(engine)
    log_in(client)
    cookie = client.cookies.get("qloop_session")
    response = client.post(
        "/logout", data={"csrf": form_token(client, "/")}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    client.cookies.set("qloop_session", cookie or "")
    assert client.get("/", follow_redirects=False).status_code == 303  # the old cookie is dead
