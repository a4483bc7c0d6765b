"""The inbox and case pages, through the TestClient (the browser test drives them for real)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core.db import session_scope
from qloop.intake.service import import_file
from tests.files import write_csv


def logged_in(client: TestClient, engine: Engine, role: Role) -> str:
    """Log in a user of ``role``; returns the session's CSRF token for page forms."""
    with session_scope(engine) as session:
        accounts.create_user(session, name=f"{role}-person", password="correct horse", role=role)
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"name": f"{role}-person", "password": "correct horse", "csrf": token}
    )
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]


def load(engine: Engine, tmp_path: Path, count: int = 60) -> None:
    header = ["case_id", "received_at", "channel", "product", "title", "description", "severity"]
    rows = [
        [
            f"C{i:03d}",
            f"2026-05-{1 + i % 28:02d} {i % 24:02d}:00",
            "hotline" if i % 3 else "app",
            "PX9",
            f"电池鼓包 {i}" if i % 10 == 0 else f"Noise {i}",
            "描述",
            "general",
        ]
        for i in range(count)
    ]
    import_file(engine, table="cases", path=write_csv(tmp_path / "c.csv", header, rows))


def case_ids(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/(C\d+)">', html)


def test_inbox_filters_sorts_and_pages(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    load(engine, tmp_path)
    logged_in(client, engine, Role.VIEWER)
    first = client.get("/cases")
    assert first.status_code == 200 and "60 cases, 1–50 shown" in first.text
    assert len(case_ids(first.text)) == 50
    assert 'href="/cases?sort=-received_at&amp;offset=50">Older' in first.text
    second = client.get("/cases", params={"offset": 50})
    assert len(case_ids(second.text)) == 10
    assert not set(case_ids(first.text)) & set(case_ids(second.text))
    found = client.get("/cases", params={"q": "鼓包"})
    assert sorted(case_ids(found.text)) == [f"C{i:03d}" for i in range(0, 60, 10)]
    apps = client.get("/cases", params={"channel": "app", "sort": "case_id"})
    assert case_ids(apps.text) == [f"C{i:03d}" for i in range(0, 60, 3)]


def test_engineers_change_a_case_and_the_history_shows_it(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    load(engine, tmp_path, 3)
    csrf = logged_in(client, engine, Role.ENGINEER)
    form = {
        "csrf": csrf,
        "category": "electrical",
        "failure_mode": "battery swelling",
        "severity": "urgent",
        "status": "in_progress",
        "assignee": "engineer-person",
    }
    response = client.post("/cases/C001", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/cases/C001"
    page = client.get("/cases/C001").text
    history = page.split("<h2>History</h2>")[1]
    for field, new in (
        ("severity", "urgent"),
        ("status", "in_progress"),
        ("failure_mode", "battery_swelling"),
        ("assignee", "engineer-person"),
    ):
        assert re.search(rf"<td>{field}</td><td>[^<]*</td><td>{new}</td>", history), field
    refused = client.post("/cases/C001", data={**form, "csrf": "forged"})
    assert refused.status_code == 403
    bad = client.post("/cases/C001", data={**form, "assignee": "ghost"})
    assert bad.status_code == 422 and "ghost" in bad.text


def test_viewers_read_but_cannot_change(client: TestClient, engine: Engine, tmp_path: Path) -> None:
    load(engine, tmp_path, 3)
    csrf = logged_in(client, engine, Role.VIEWER)
    page = client.get("/cases/C001")
    assert page.status_code == 200 and "<h2>Handle</h2>" not in page.text
    refused = client.post("/cases/C001", data={"csrf": csrf, "severity": "urgent", "status": "new"})
    assert refused.status_code == 403
    assert client.get("/cases/NOPE").status_code == 404


def test_a_hotline_agent_types_in_a_new_case(client: TestClient, engine: Engine) -> None:
    csrf = logged_in(client, engine, Role.ENGINEER)
    form = client.get("/new-case")
    assert form.status_code == 200 and 'name="received_at"' in form.text
    values = {
        "csrf": csrf,
        "case_id": "H-0001",
        "received_at": "2026/5/6 14:30",
        "channel": "hotline",
        "product": "AC3",
        "description": "空调不制冷",
        "severity": "important",
    }
    created = client.post("/new-case", data=values, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/cases/H-0001"
    page = client.get("/cases/H-0001").text
    assert "空调不制冷" in page and "2026-05-06 14:30" in page
    again = client.post("/new-case", data=values)
    assert again.status_code == 422 and "exists already" in again.text
    assert 'value="空调不制冷"' not in again.text and "空调不制冷</textarea>" in again.text
    bad_date = client.post(
        "/new-case", data={**values, "case_id": "H-0002", "received_at": "tomorrow"}
    )
    assert bad_date.status_code == 422 and "is not a date and time" in bad_date.text


def test_admins_add_and_disable_users(client: TestClient, engine: Engine) -> None:
    csrf = logged_in(client, engine, Role.ADMIN)
    page = client.get("/users")
    assert page.status_code == 200 and "admin-person" in page.text
    added = client.post(
        "/users",
        data={"csrf": csrf, "name": "zhang", "password": "long enough", "role": "owner"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    short = client.post(
        "/users", data={"csrf": csrf, "name": "li", "password": "short", "role": "viewer"}
    )
    assert short.status_code == 422 and "at least 8 characters" in short.text
    assert client.post("/users/zhang/disable", data={"csrf": csrf}).status_code == 200
    with session_scope(engine) as session:
        assert accounts.require_user(session, "zhang").active is False
    myself = client.post("/users/admin-person/disable", data={"csrf": csrf})
    assert myself.status_code == 422
    assert (
        client.post(
            "/users",
            data={"csrf": "forged", "name": "x", "password": "long enough", "role": "viewer"},
        ).status_code
        == 403
    )


def test_only_admins_see_the_users_page(client: TestClient, engine: Engine) -> None:
    logged_in(client, engine, Role.ENGINEER)
    assert client.get("/users").status_code == 403
    assert 'href="/users"' not in client.get("/").text


def test_dashboard_chart_of_cases_per_day(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    import datetime as dt

    from qloop.intake import case_service

    today = dt.date.today()
    header = ["case_id", "received_at", "channel", "description"]
    rows = [
        ["D1", f"{today} 08:00", "app", "x"],
        ["D2", f"{today} 09:00", "app", "x"],
        ["D3", f"{today - dt.timedelta(days=2)} 10:00", "app", "x"],
        ["D4", f"{today - dt.timedelta(days=40)} 10:00", "app", "x"],
    ]
    import_file(engine, table="cases", path=write_csv(tmp_path / "d.csv", header, rows))
    with session_scope(engine) as session:
        series = case_service.cases_per_day(session, days=30, until=today)
    assert (
        len(series) == 30
        and series[-1] == (today, 2)
        and series[-3] == (today - dt.timedelta(days=2), 1)
    )
    assert sum(n for _, n in series) == 3  # the case 40 days ago is outside
    logged_in(client, engine, Role.VIEWER)
    page = client.get("/").text
    assert '<script src="/static/plotly.min.js"></script>' in page
    assert (
        f'{{"cases": 2, "day": "{today}"}}' in page or f'{{"day": "{today}", "cases": 2}}' in page
    )
    script = client.get("/static/plotly.min.js")
    assert script.status_code == 200 and len(script.content) > 1_000_000


def test_case_ids_with_slashes_and_marks_link_to_their_own_page(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    header = ["case_id", "received_at", "channel", "description"]
    # ("%41" too works over a real server; Starlette's TestClient decodes paths twice)
    odd = ["RMA/2026/001", "T#7", "Q?1", "new"]
    import_file(
        engine,
        table="cases",
        path=write_csv(
            tmp_path / "c.csv", header, [[case_id, "2026-05-01", "app", "x"] for case_id in odd]
        ),
    )
    csrf = logged_in(client, engine, Role.ENGINEER)
    inbox = client.get("/cases").text
    links = re.findall(r'<td><a href="(/cases/[^"]+)">', inbox)
    assert len(links) == len(odd)
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
    opened = {
        re.search(r"<h1>([^<]+?) <span", client.get(link).text).group(1)  # type: ignore[union-attr]
        for link in links
    }
    assert opened == set(odd)
    saved = client.post(
        "/cases/RMA%2F2026%2F001", data={"csrf": csrf, "status": "closed"}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/cases/RMA%2F2026%2F001"


def test_user_names_cannot_hold_path_characters(client: TestClient, engine: Engine) -> None:
    csrf = logged_in(client, engine, Role.ADMIN)
    for name in ("z/../tgt", "qa?1", "a b", "x%2F"):
        response = client.post(
            "/users", data={"csrf": csrf, "name": name, "password": "long enough", "role": "viewer"}
        )
        assert response.status_code == 422, name
