"""The investigation pages through the TestClient: forms change one thing each, a refused
change comes back as a message with nothing stored, viewers read but cannot write."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from qloop.accounts.models import Role
from qloop.core.db import session_scope
from qloop.rca import fishbone, five_why, fmea
from qloop.rca.investigations import history_of, list_investigations
from tests.web.test_pages import logged_in


def _open(client: TestClient, csrf: str) -> int:
    form = {"title": "Swelling P1", "failure_mode": "swelling", "product": "P1", "csrf": csrf}
    answer = client.post("/investigations", data=form, follow_redirects=False)
    assert answer.status_code == 303
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_an_engineer_works_through_the_page(client: TestClient, field: Engine) -> None:
    csrf = logged_in(client, field, Role.ENGINEER)
    number = _open(client, csrf)
    page = client.get(f"/investigations/{number}").text
    # lot A: 4 of 5 units failed against 1 of 15 — the top suspect row, with its button
    first_row = re.search(r'<table class="suspects">.*?</tr>\s*<tr[^>]*>(.*?)</tr>', page, re.S)
    assert first_row is not None and ">lot</a>" in first_row.group(1)
    assert ">A</td>" in first_row.group(1) and "Add to fishbone" in first_row.group(1)
    assert 'id="tis-chart"' in page and "Failures by time in service" in page

    base = f"/investigations/{number}"
    steps = [
        (base + "/fishbone/from-suspect", {"attribute": "lot", "value": "A", "figures": "4/5"}),
        (base + "/five-why", {"why": "Why swell?", "because": "Lot A cells", "case_id": "C0"}),
        (base + "/fmea", {"item": "Pack", "failure_mode": "swelling", "severity": "9",
                          "occurrence": "7", "detection": "6", "due_date": "2026-12-01"}),
    ]  # fmt: skip
    for url, form in steps:
        answer = client.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 303 and "error" not in answer.headers["location"]
    with session_scope(field) as session:
        cause = fishbone.list_causes(session, number)[0]
        assert (cause.category.value, cause.text, cause.note) == ("material", "lot = A", "4/5")
        assert [s.because for s in five_why.list_steps(session, number)] == ["Lot A cells"]
        line = fmea.worksheet(session, number)[0]
        assert (line.rpn, line.priority.value) == (378, "H")  # S9 O6-7 D5-6: H in the table
        fields = [change.field for change in history_of(session, number)]
        assert fields == ["created", "fishbone", "5-why 1", "fmea"]
    page = client.get(base).text
    assert "lot = A" in page and "Lot A cells" in page and 'class="ap ap-H">H<' in page


def test_a_refused_change_is_said_and_stores_nothing(client: TestClient, field: Engine) -> None:
    csrf = logged_in(client, field, Role.ENGINEER)
    number = _open(client, csrf)
    bad = {"item": "Pack", "failure_mode": "swelling", "severity": "11", "occurrence": "2",
           "detection": "2", "csrf": csrf}  # fmt: skip
    answer = client.post(f"/investigations/{number}/fmea", data=bad, follow_redirects=False)
    assert answer.status_code == 303 and "error=" in answer.headers["location"]
    shown = client.get(answer.headers["location"]).text
    assert 'role="alert"' in shown and "severity" in shown and "1..10" in shown
    unknown_case = {"why": "w", "because": "b", "case_id": "NOPE", "csrf": csrf}
    client.post(f"/investigations/{number}/five-why", data=unknown_case)
    with session_scope(field) as session:
        assert fmea.worksheet(session, number) == [] and fmea.revisions(session, number) == []
        assert five_why.list_steps(session, number) == []


def test_viewers_read_but_cannot_write(client: TestClient, field: Engine) -> None:
    csrf = logged_in(client, field, Role.ENGINEER)
    number = _open(client, csrf)
    client.post("/logout", data={"csrf": csrf})
    csrf = logged_in(client, field, Role.VIEWER)
    page = client.get(f"/investigations/{number}")
    assert page.status_code == 200 and "Add to fishbone" not in page.text
    assert f'action="/investigations/{number}/fmea"' not in page.text
    for url in ("", "/five-why", "/fishbone", "/fishbone/from-suspect", "/fmea"):
        answer = client.post(f"/investigations/{number}{url}", data={"csrf": csrf, "title": "x"})
        assert answer.status_code == 403, url
    assert client.post("/investigations", data={"title": "x", "csrf": csrf}).status_code == 403
    with session_scope(field) as session:
        assert len(list_investigations(session)) == 1


def test_exports_in_both_languages(client: TestClient, field: Engine) -> None:
    csrf = logged_in(client, field, Role.ENGINEER)
    number = _open(client, csrf)
    client.post(f"/investigations/{number}/fishbone",
                data={"category": "machine", "text": "注塑机 <温度>", "csrf": csrf})  # fmt: skip
    html = client.get(f"/investigations/{number}/export.html?lang=zh")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert (
        "鱼骨图" in html.text and "注塑机 &lt;温度&gt;" in html.text and "<script" not in html.text
    )
    pdf = client.get(f"/investigations/{number}/export.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(client.get(f"/investigations/{number}/export.xlsx").content))
    assert book.sheetnames[:3] == ["Summary", "Suspects", "Time in service"]
    suspects = list(book["Suspects"].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert suspects[:4] == ("lot", "A", 5, 4)
    fishbone_rows = list(book["Fishbone"].iter_rows(min_row=2, values_only=True))
    assert fishbone_rows == [("Machine", "注塑机 <温度>", "Suspected", None)]
    assert client.get(f"/investigations/{number}/export.pdf?lang=fr").status_code == 422
