"""Suggestions for a case, on both back ends: ``GET /api/v1/cases/{case_id}/similar`` (the 5
most similar earlier cases and the 3 best articles, with scores; case ids with ``/``),
who sees which articles, and helpful marks: ``POST .../similar/feedback`` (204) and the
case page's buttons, whose net count on cases of the failure mode reorders suggestions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from qloop.accounts.models import Role
from qloop.core.db import session_scope
from qloop.intake.models import Case, Channel, Product, Unit
from qloop.kb import service
from qloop.kb.fields import ArticleInput
from qloop.kb.models import Feedback
from qloop.kb.similar import (
    FEEDBACK_STEP,
    MODE_BOOST,
    PRODUCT_BOOST,
    record_feedback,
    suggestions_for_case,
)
from tests.web.test_pages import logged_in

TARGET = "PX9/2026/100"
URL = f"/api/v1/cases/{TARGET}/similar"
CASE_KEYS = {"case_id", "title", "score", "received_at", "failure_mode", "product"}
HIT_KEYS = {"id", "title", "lang", "score", "snippet"}
#: (case id, day of May, product, serial, failure mode, title, description)
CASES = [
    (TARGET, 20, "PX9", None, "battery_swelling", "Battery swelling",
     "Back cover lifts; the battery bulges after charging overnight."),
    ("C-1", 1, "PX9", None, "battery_swelling", "Battery bulges",
     "The back cover lifts after charging overnight."),
    ("C-2", 2, "PX9", None, "battery_swelling", "Back cover lifts", "Cover lifts on my phone."),
    ("C-3", 3, "PX9", None, "battery_swelling", "Battery swelling", "Swelling after a year."),
    ("C-4", 4, None, "U1", "battery_swelling", "Bulging battery", "The battery bulges."),
    ("C-5", 5, "PX9", None, "battery_swelling", "Hot phone", "Gets hot charging overnight."),
    ("C-6", 6, "PX9", None, "battery_swelling", "Swollen pack", "Battery pushes the screen."),
    ("C-7", 7, "PX9", None, "battery_swelling", "Scratches", "Screen scratched."),
    ("W-2", 8, "WM7", None, "battery_swelling", "Controller battery bulges",
     "Battery bulges after charging."),
    ("W-1", 9, "WM7", None, "water_leak", "Door seal leaks", "Battery bulges, back cover lifts."),
    ("LATE", 25, "PX9", None, "battery_swelling", "Battery swelling",
     "Back cover lifts; the battery bulges after charging overnight."),
]  # fmt: skip
#: (title, products, failure modes, status, body)
ARTICLES = [
    ("Phone battery swelling", ["PX9"], ["battery_swelling"], "published",
     "## Symptoms\n\nThe back cover lifts; the battery bulges.\n"),
    ("Charging overnight", ["PX9"], ["charging_failure"], "published",
     "## Symptoms\n\nThe phone is hot after charging overnight; the battery bulges.\n"),
    ("Laptop battery swelling", ["LB14"], ["battery_swelling"], "published",
     "## Symptoms\n\nThe battery bulges and lifts the touchpad.\n"),
    ("Back cover adhesive", ["PX9"], ["cosmetic"], "published",
     "## Symptoms\n\nThe back cover lifts at one corner.\n"),
    ("Battery bulges after charging overnight", ["PX9"], ["battery_swelling"], "draft",
     "## Symptoms\n\nBack cover lifts; the battery bulges after charging overnight.\n"),
    ("Door seal leak", ["WM7"], ["water_leak"], "published", "## Symptoms\n\nWater drips.\n"),
]  # fmt: skip


@dataclass
class Field:
    client: TestClient
    tokens: dict[str, str]
    engine: Engine
    articles: dict[str, int]

    def get(self, url: str, role: str = "viewer", status: int = 200) -> Any:
        response = self.client.get(url, headers={"Authorization": f"Bearer {self.tokens[role]}"})
        assert response.status_code == status, (url, response.text)
        return response.json()

    def mark(self, target_kind: str, target_id: str | int, *, role: str = "viewer",
             helpful: bool = True, case: str = TARGET, status: int = 204) -> None:  # fmt: skip
        body = {"target_kind": target_kind, "target_id": str(target_id), "helpful": helpful}
        response = self.client.post(
            f"/api/v1/cases/{case}/similar/feedback",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
        )
        assert response.status_code == status, response.text
        if status == 204:
            assert response.content == b""


def build(engine: Engine) -> dict[str, int]:
    """The cases and articles above; article ids by title."""
    with session_scope(engine) as session:
        session.add_all([Product(code="PX9"), Product(code="WM7")])
        session.flush()
        session.add(Unit(serial="U1", product="PX9", attributes={}))
        for case_id, day, product, serial, mode, title, description in CASES:
            session.add(Case(case_id=case_id, received_at=dt.datetime(2026, 5, day, 9),
                             channel=Channel.HOTLINE, product=product, serial=serial,
                             failure_mode=mode, title=title, description=description,
                             attributes={}))  # fmt: skip
        made = {}
        for title, products, modes, status, body in ARTICLES:
            values = ArticleInput.parse({"title": title, "products": products, "body": body,
                                         "failure_modes": modes, "status": status})  # fmt: skip
            made[title] = service.create_article(session, values=values, user_name="eng").id
    return made


@pytest.fixture
def field(engine: Engine, client: TestClient, tokens: dict[str, str]) -> Field:
    return Field(client, tokens, engine, build(engine))


def test_the_suggestions_for_a_case(field: Field) -> None:
    found = field.get(URL)
    assert set(found) == {"case_id", "cases", "articles"} and found["case_id"] == TARGET
    cases, articles = found["cases"], found["articles"]
    assert len(cases) == 5 and len(articles) == 3
    assert all(set(c) == CASE_KEYS for c in cases) and all(set(a) == HIT_KEYS for a in articles)
    scores = [c["score"] for c in cases]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert cases[0]["case_id"] == "C-1"  # the same words, the same mode and product
    assert cases[0]["received_at"] == "2026-05-01T09:00:00"
    assert (cases[0]["failure_mode"], cases[0]["product"]) == ("battery_swelling", "PX9")
    shown = {c["case_id"] for c in cases}
    # never itself, never a later case, nothing outside its failure mode and product
    assert not shown & {TARGET, "LATE", "W-1", "C-7"}
    product_of = {c["case_id"]: c["product"] for c in cases}
    assert product_of["C-4"] == "PX9"  # no product of its own: its unit's
    assert product_of["W-2"] == "WM7"  # the same failure mode, another product
    assert articles[0]["title"] == "Phone battery swelling"
    assert [a["score"] for a in articles] == sorted((a["score"] for a in articles), reverse=True)
    assert "Battery bulges after charging overnight" not in {a["title"] for a in articles}
    assert "Door seal leak" not in {a["title"] for a in articles}
    # suggestions are for technicians: published articles only, whoever asks
    seen = field.get(URL, role="engineer")["articles"]
    assert "Battery bulges after charging overnight" not in {a["title"] for a in seen}
    # the page shows the same suggestions
    assert field.get(f"/api/v1/cases/{quote(TARGET, safe='')}/similar") == found


def test_the_boosts_are_as_documented(engine: Engine) -> None:
    """Cases with the target's text: of its mode and product, of its mode, of its product."""
    build(engine)
    title, text = CASES[0][5], CASES[0][6]
    with session_scope(engine) as session:
        for case_id, product, mode in (("S-PX9", "PX9", "battery_swelling"),
                                       ("S-WM7", "WM7", "battery_swelling"),
                                       ("S-NONE", "PX9", None)):  # fmt: skip
            session.add(Case(case_id=case_id, received_at=dt.datetime(2026, 5, 10), title=title,
                             channel=Channel.HOTLINE, product=product, attributes={},
                             failure_mode=mode, description=text))  # fmt: skip
    with session_scope(engine) as session:
        found = {c.case_id: c.score for c in suggestions_for_case(session, TARGET).cases}
    # the same text: cosine 1, times 1.5 for the failure mode and 1.2 for the product
    assert list(found)[0] == "S-PX9"
    assert found["S-PX9"] == pytest.approx((1 + MODE_BOOST) * (1 + PRODUCT_BOOST), rel=1e-9)
    assert found["S-WM7"] == pytest.approx(1 + MODE_BOOST, rel=1e-9)
    assert found["S-PX9"] == pytest.approx(found["S-WM7"] * (1 + PRODUCT_BOOST), rel=1e-9)
    assert found["S-PX9"] == pytest.approx(found["S-NONE"] * (1 + MODE_BOOST), rel=1e-9)


def test_refusals(field: Field) -> None:
    assert field.client.get(URL).status_code == 401
    missing = field.get("/api/v1/cases/NOPE/similar", status=404)
    assert missing["detail"] == "no case NOPE"
    field.get("/api/v1/cases/a/b/c/similar", status=404)
    field.mark("article", 1, case="NOPE", status=404)
    for body in ({"target_kind": "unit", "target_id": "1"}, {"target_kind": "case"},
                 {"target_kind": "case", "target_id": ""},
                 {"target_kind": "case", "target_id": "x" * 101},
                 {"target_kind": "case", "target_id": "C-1", "extra": 1}):  # fmt: skip
        response = field.client.post(f"{URL}/feedback", json=body, headers={
            "Authorization": f"Bearer {field.tokens['viewer']}"})  # fmt: skip
        assert response.status_code == 422, body
    anonymous = field.client.post(f"{URL}/feedback", json={"target_kind": "case",
                                                            "target_id": "C-1"})  # fmt: skip
    assert anonymous.status_code == 401
    with session_scope(field.engine) as session:
        assert session.scalars(select(Feedback)).all() == []


def test_marking_a_weaker_suggestion_helpful_twice_raises_it(field: Field) -> None:
    before = field.get(URL)
    leak_before = field.get("/api/v1/cases/W-1/similar")
    first, second, third = before["articles"]
    assert second["score"] < third["score"] * (1 + 2 * FEEDBACK_STEP) < first["score"]
    # one user marking twice counts once (their latest mark)
    field.mark("article", third["id"])
    field.mark("article", third["id"])
    once = field.get(URL)["articles"]
    assert [a["id"] for a in once] == [first["id"], second["id"], third["id"]]
    assert once[2]["score"] == pytest.approx(third["score"] * (1 + FEEDBACK_STEP), rel=1e-6)
    field.mark("article", third["id"], role="engineer")
    after = field.get(URL)["articles"]
    assert [a["id"] for a in after] == [first["id"], third["id"], second["id"]]
    assert after[1]["score"] == pytest.approx(third["score"] * 1.5, rel=1e-6)
    assert after[2]["score"] == pytest.approx(second["score"], rel=1e-6)

    cases = before["cases"]
    assert cases[1]["score"] < cases[2]["score"] * (1 + 2 * FEEDBACK_STEP) < cases[0]["score"]
    for role in ("viewer", "owner"):
        field.mark("case", cases[2]["case_id"], role=role)
    raised = field.get(URL)["cases"]
    assert [c["case_id"] for c in raised[:3]] == [cases[0]["case_id"], cases[2]["case_id"],
                                                  cases[1]["case_id"]]  # fmt: skip
    assert raised[1]["score"] == pytest.approx(cases[2]["score"] * 1.5, rel=1e-6)

    # the marks count on every case of the failure mode, not on the others
    assert field.get("/api/v1/cases/C-3/similar")["articles"][0]["id"] == third["id"]
    assert field.get("/api/v1/cases/W-1/similar") == leak_before

    # changing one's mind: the latest mark counts; not helpful pulls a suggestion down
    for role in ("viewer", "engineer"):
        field.mark("article", third["id"], role=role, helpful=False)
    down = field.get(URL)["articles"]
    assert [a["id"] for a in down[:2]] == [first["id"], second["id"]]
    # at half its score (2.49) it falls below the next article, "Back cover adhesive" (3.83)
    assert down[2]["id"] == field.articles["Back cover adhesive"]
    assert down[2]["score"] > third["score"] * 0.5
    with session_scope(field.engine) as session:
        marks = session.scalars(select(Feedback).where(Feedback.target_kind == "article")).all()
        assert sorted((m.user_name, m.helpful) for m in marks) == [
            ("engineer-user", False), ("viewer-user", False)]  # fmt: skip


def test_feedback_is_capped(engine: Engine) -> None:
    articles = build(engine)
    target = articles["Laptop battery swelling"]
    with session_scope(engine) as session:
        base = {h.id: h.score for h in suggestions_for_case(session, "C-3").articles}
        for number in range(6):
            record_feedback(session, case_id=TARGET, target_kind="article", target_id=str(target),
                            helpful=True, user_name=f"u{number}")  # fmt: skip
        found = {h.id: h.score for h in suggestions_for_case(session, "C-3").articles}
        for number in range(6):
            record_feedback(session, case_id=TARGET, target_kind="article", target_id=str(target),
                            helpful=False, user_name=f"u{number}")  # fmt: skip
        pushed = suggestions_for_case(session, "C-3").articles
    assert found[target] == pytest.approx(base[target] * 2.0, rel=1e-6)  # net capped at 4
    assert list(found)[0] == target
    # net capped at -2: half the score, still a suggestion when it is among the best
    assert {h.id: h.score for h in pushed}[target] == pytest.approx(base[target] * 0.5, rel=1e-6)


def test_the_case_page_shows_suggestions_and_takes_marks(field: Field) -> None:
    csrf = logged_in(field.client, field.engine, Role.VIEWER)
    page = field.client.get(f"/cases/{quote(TARGET, safe='')}")
    assert page.status_code == 200 and 'id="suggestions"' in page.text
    assert "Phone battery swelling" in page.text and ">C-1</a>" in page.text
    assert "Battery bulges after charging overnight" not in page.text  # a draft
    article = field.articles["Charging overnight"]
    answer = field.client.post("/suggestions/feedback", follow_redirects=False, data={
        "case_id": TARGET, "target_kind": "article", "target_id": str(article),
        "helpful": "true", "csrf": csrf})  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{quote(TARGET, safe='')}#suggestions"
    refused = field.client.post("/suggestions/feedback", follow_redirects=False, data={
        "case_id": "NOPE", "target_kind": "article", "target_id": "1", "csrf": csrf})  # fmt: skip
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    no_token = field.client.post("/suggestions/feedback", data={
        "case_id": TARGET, "target_kind": "case", "target_id": "C-1"})  # fmt: skip
    assert no_token.status_code == 403
    with session_scope(field.engine) as session:
        marks = session.scalars(select(Feedback)).all()
        assert [(m.case_id, m.target_kind, m.target_id, m.helpful, m.user_name) for m in marks] == [
            (TARGET, "article", str(article), True, "viewer-person")]  # fmt: skip
