"""/api/v1/classify, the review queue's API, /api/v1/taxonomy, and grading of new cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from tests.classify.expected import DEFAULT_CATEGORIES, KEYS, LEAK_EN, SAFETY_ZH


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_case(
    client: TestClient, token: str, case_id: str, description: str, **extra: str
) -> dict[str, Any]:
    body = {
        "case_id": case_id,
        "received_at": "2026-05-06 14:30",
        "channel": "hotline",
        "description": description,
        **extra,
    }
    response = client.post("/api/v1/cases", headers=auth(token), json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert isinstance(created, dict)
    return created


def queue(client: TestClient, token: str) -> dict[str, Any]:
    response = client.get("/api/v1/classify/review", headers=auth(token))
    assert response.status_code == 200, response.text
    page = response.json()
    assert isinstance(page, dict)
    return page


def test_classify_one_text(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get(
        "/api/v1/classify", params={"text": SAFETY_ZH}, headers=auth(tokens["viewer"])
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == KEYS
    assert (answer["category"], answer["failure_mode"], answer["severity"], answer["model"]) == (
        "electrical",
        "battery_swelling",
        "urgent",
        "rules",
    )
    assert answer["severity_reasons"][0].startswith("safety_hazard (urgent): ")
    assert "冒烟" in answer["severity_reasons"][0] and "鼓包" in answer["severity_reasons"][0]
    english = client.get(
        "/api/v1/classify", params={"text": LEAK_EN}, headers=auth(tokens["viewer"])
    ).json()
    assert (english["category"], english["severity"]) == ("mechanical", "general")


def test_classify_needs_a_login_and_limits_its_input(
    client: TestClient, tokens: dict[str, str]
) -> None:
    response = client.get("/api/v1/classify", params={"text": "noise"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    response = client.post("/api/v1/classify", json={"items": [{"text": "noise"}]})
    assert response.status_code == 401
    bad = client.get("/api/v1/classify", params={"text": "x"}, headers=auth("qlp_not-a-token"))
    assert bad.status_code == 401

    viewer = auth(tokens["viewer"])
    too_many = {"items": [{"text": "noise"}] * 10_001}
    response = client.post("/api/v1/classify", headers=viewer, json=too_many)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items"
    just_enough = {"items": [{"text": "x"}] * 10_000}
    response = client.post("/api/v1/classify", headers=viewer, json=just_enough)
    assert response.status_code == 200 and len(response.json()["items"]) == 10_000
    response = client.get("/api/v1/classify", params={"text": "a" * 20_001}, headers=viewer)
    assert response.status_code == 422
    response = client.get("/api/v1/classify", headers=viewer)
    assert response.status_code == 422


def test_classify_a_batch_keeps_order_and_ids(client: TestClient, tokens: dict[str, str]) -> None:
    headers = auth(tokens["viewer"])
    texts = [LEAK_EN, SAFETY_ZH, "App crashes when I open the settings", "hello"]
    items = [{"id": "B2", "text": texts[0]}, {"id": "A1", "text": texts[1]}]
    items += [{"text": texts[2]}, {"id": "C3", "text": texts[3]}]
    response = client.post("/api/v1/classify", headers=headers, json={"items": items})
    assert response.status_code == 200, response.text
    answers = response.json()["items"]
    assert [a["id"] for a in answers] == ["B2", "A1", None, "C3"]
    assert all(set(a) == KEYS | {"id"} for a in answers)
    singles = [
        client.get("/api/v1/classify", params={"text": t}, headers=headers).json() for t in texts
    ]
    assert [{k: v for k, v in a.items() if k != "id"} for a in answers] == singles
    assert [a["category"] for a in answers] == ["mechanical", "electrical", "software", "other"]
    empty = client.post("/api/v1/classify", headers=headers, json={"items": []})
    assert empty.status_code == 200 and empty.json() == {"items": []}


def test_new_cases_are_graded_unless_labelled(client: TestClient, tokens: dict[str, str]) -> None:
    engineer = tokens["engineer"]
    auto = new_case(client, engineer, "N1", SAFETY_ZH)
    assert (auto["category"], auto["category_set_by"]) == ("electrical", "auto")
    assert auto["failure_mode"] == "battery_swelling"
    assert auto["category_confidence"] is not None and 0.6 <= auto["category_confidence"] <= 1
    assert (auto["severity"], auto["severity_set_by"]) == ("urgent", "auto")
    assert auto["severity_reasons"] and all(
        isinstance(r, str) and r.strip() for r in auto["severity_reasons"]
    )
    assert auto["severity_reasons"][0].startswith("safety_hazard (urgent): ")

    plain = new_case(client, engineer, "N2", "hello")
    assert (plain["category_set_by"], plain["severity"], plain["severity_set_by"]) == (
        "auto",
        "general",
        "auto",
    )
    assert plain["severity_reasons"] == ["default (general): no rule matched"]

    labelled = new_case(client, engineer, "N3", SAFETY_ZH, category="service", severity="general")
    assert (labelled["category"], labelled["category_set_by"]) == ("service", "user")
    assert (labelled["severity"], labelled["severity_set_by"]) == ("general", "user")
    assert labelled["category_confidence"] is None
    detail = client.get("/api/v1/cases/N3", headers=auth(tokens["viewer"])).json()
    assert (detail["category"], detail["severity"]) == ("service", "general")
    assert (detail["category_set_by"], detail["severity_set_by"]) == ("user", "user")

    only_category = new_case(client, engineer, "N4", SAFETY_ZH, category="mechanical")
    assert (only_category["category"], only_category["category_set_by"]) == ("mechanical", "user")
    assert (only_category["severity"], only_category["severity_set_by"]) == ("urgent", "auto")
    assert only_category["failure_mode"] is None  # battery_swelling is not a mechanical mode


def test_review_queue_confirm_and_correct(client: TestClient, tokens: dict[str, str]) -> None:
    engineer = tokens["engineer"]
    vague = new_case(client, engineer, "V1", "hello")
    new_case(client, engineer, "V2", "请联系我")
    confident = new_case(client, engineer, "S1", SAFETY_ZH)
    assert vague["category_confidence"] == 0.0 and confident["category_confidence"] >= 0.6

    page = queue(client, engineer)
    assert page["threshold"] == 0.6 and page["total"] == 2
    assert sorted(i["case_id"] for i in page["items"]) == ["V1", "V2"]
    assert all(i["category_set_by"] == "auto" for i in page["items"])
    assert client.get("/api/v1/classify/review", headers=auth(tokens["viewer"])).status_code == 403
    assert client.get("/api/v1/classify/review").status_code == 401
    assert queue(client, tokens["admin"])["total"] == 2

    viewer_try = client.post(
        "/api/v1/classify/review/V1", headers=auth(tokens["viewer"]), json={"category": "other"}
    )
    assert viewer_try.status_code == 403

    # confirm: the same category
    response = client.post(
        "/api/v1/classify/review/V1", headers=auth(engineer), json={"category": "other"}
    )
    assert response.status_code == 200, response.text
    confirmed = response.json()
    assert (confirmed["category"], confirmed["category_set_by"]) == ("other", "user")
    assert confirmed["category_confidence"] is None
    assert [i["case_id"] for i in queue(client, engineer)["items"]] == ["V2"]
    detail = client.get("/api/v1/cases/V1", headers=auth(engineer)).json()
    assert [
        (h["field"], h["old_value"], h["new_value"], h["user_name"]) for h in detail["history"]
    ] == [("category", "other (auto)", "other", "engineer-user")]

    # correct: another category and a grade
    response = client.post(
        "/api/v1/classify/review/V2",
        headers=auth(engineer),
        json={"category": "service", "severity": "important"},
    )
    assert response.status_code == 200, response.text
    corrected = response.json()
    assert (corrected["category"], corrected["category_set_by"]) == ("service", "user")
    assert (corrected["severity"], corrected["severity_set_by"]) == ("important", "user")
    assert queue(client, engineer) == {"items": [], "total": 0, "threshold": 0.6}
    detail = client.get("/api/v1/cases/V2", headers=auth(engineer)).json()
    assert [(h["field"], h["old_value"], h["new_value"]) for h in detail["history"]] == [
        ("category", "other", "service"),
        ("severity", "general", "important"),
    ]


def test_review_refuses_unknown_categories_and_cases(
    client: TestClient, tokens: dict[str, str]
) -> None:
    engineer = auth(tokens["engineer"])
    new_case(client, tokens["engineer"], "V1", "hello")
    response = client.post(
        "/api/v1/classify/review/V1", headers=engineer, json={"category": "hydraulics"}
    )
    assert response.status_code == 422
    assert '"hydraulics" is not a category of the taxonomy' in response.json()["detail"]
    response = client.post("/api/v1/classify/review/V1", headers=engineer, json={})
    assert response.status_code == 422
    response = client.post(
        "/api/v1/classify/review/V1",
        headers=engineer,
        json={"category": "service", "severity": "bogus"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "severity",
            "reason": '"bogus" is not a known severity (one of general, important, urgent)',
        }
    ]
    response = client.post(
        "/api/v1/classify/review/NOPE", headers=engineer, json={"category": "other"}
    )
    assert response.status_code == 404
    unchanged = client.get("/api/v1/cases/V1", headers=engineer).json()
    assert (unchanged["category"], unchanged["category_set_by"]) == ("other", "auto")
    assert unchanged["history"] == []
    assert [i["case_id"] for i in queue(client, tokens["engineer"])["items"]] == ["V1"]


def test_taxonomy_read_and_replace(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.get("/api/v1/taxonomy", headers=auth(tokens["viewer"]))
    assert response.status_code == 200, response.text
    taxonomy = response.json()
    assert (taxonomy["format"], taxonomy["version"]) == ("qloop-taxonomy", 1)
    assert [c["code"] for c in taxonomy["categories"]] == DEFAULT_CATEGORIES
    assert taxonomy["categories"][0]["name_zh"] == "电气故障"
    modes = [m["code"] for c in taxonomy["categories"] for m in c["failure_modes"]]
    assert len(modes) == 39 and len(set(modes)) == 39
    assert client.get("/api/v1/taxonomy").status_code == 401

    new_case(client, tokens["engineer"], "K1", "scratch on the lid", category="cosmetic")
    smaller = {
        **taxonomy,
        "categories": [
            *[c for c in taxonomy["categories"] if c["code"] not in ("usability", "cosmetic")],
            {"code": "Hydraulics", "name_en": "Hydraulics", "keywords": ["hydraulic hose"]},
        ],
    }
    for role in ("viewer", "engineer", "owner"):
        refused = client.put("/api/v1/taxonomy", headers=auth(tokens[role]), json=smaller)
        assert refused.status_code == 403, role
    assert client.get("/api/v1/taxonomy", headers=auth(tokens["viewer"])).json() == taxonomy

    response = client.put("/api/v1/taxonomy", headers=auth(tokens["admin"]), json=smaller)
    assert response.status_code == 200, response.text
    dropped = sum(
        len(c["failure_modes"])
        for c in taxonomy["categories"]
        if c["code"] in ("usability", "cosmetic")
    )
    assert response.json() == {
        "categories": 7,
        "failure_modes": 39 - dropped,
        "removed_categories": ["usability"],
        "kept_categories": ["cosmetic"],
    }
    now = client.get("/api/v1/taxonomy", headers=auth(tokens["viewer"])).json()
    assert [c["code"] for c in now["categories"]] == [
        *[c for c in DEFAULT_CATEGORIES if c not in ("usability", "cosmetic")],
        "hydraulics",
        "cosmetic",
    ]
    kept = now["categories"][-1]
    assert (kept["name_en"], kept["keywords"], kept["failure_modes"]) == (
        "Cosmetic defect",
        [],
        [],
    )
    answer = client.get(
        "/api/v1/classify",
        params={"text": "hydraulic hose burst"},
        headers=auth(tokens["viewer"]),
    ).json()
    assert answer["category"] == "hydraulics"

    doubled = {**taxonomy, "categories": [*taxonomy["categories"], taxonomy["categories"][0]]}
    response = client.put("/api/v1/taxonomy", headers=auth(tokens["admin"]), json=doubled)
    assert response.status_code == 422
    assert 'category "electrical" is listed twice' in response.json()["detail"]
    assert client.get("/api/v1/taxonomy", headers=auth(tokens["viewer"])).json() == now


def test_new_cases_are_graded_with_the_apps_own_settings(
    db_url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    """An app made with its own settings grades typed-in cases as its classify endpoint does."""
    from qloop.classify.severity_rules import default_rules_text
    from qloop.core.settings import Settings
    from qloop.web.app import create_app

    rules = yaml.safe_load(default_rules_text())
    rules["rules"].append(
        {
            "id": "wobbly_furniture",
            "grade": "urgent",
            "name_en": "Wobbly",
            "name_zh": "摇晃",
            "keywords": ["wobbly"],
        }
    )
    path = tmp_path / "my-rules.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    app = create_app(Settings(database_url=db_url, severity_rules=path))
    try:
        with TestClient(app) as client:
            text = "the table is wobbly"
            answer = client.get(
                "/api/v1/classify", params={"text": text}, headers=auth(tokens["viewer"])
            ).json()
            assert (answer["severity"], answer["severity_reasons"]) == (
                "urgent",
                ["wobbly_furniture (urgent): wobbly"],
            )
            created = new_case(client, tokens["engineer"], "W1", text)
            assert (created["severity"], created["severity_reasons"]) == (
                answer["severity"],
                answer["severity_reasons"],
            )
    finally:
        app.state.engine.dispose()


def test_correcting_the_category_drops_a_failure_mode_of_the_old_one(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """The automatic failure mode belongs to the automatic category; a correction replaces both."""
    engineer = tokens["engineer"]
    mixed = new_case(client, engineer, "M1", "battery swollen and screen cracked")
    assert (mixed["category"], mixed["failure_mode"]) == ("electrical", "battery_swelling")
    assert mixed["category_confidence"] < 0.6  # in the queue
    taxonomy = client.get("/api/v1/taxonomy", headers=auth(engineer)).json()
    mechanical = next(c for c in taxonomy["categories"] if c["code"] == "mechanical")
    mechanical_modes = {m["code"] for m in mechanical["failure_modes"]}
    response = client.post(
        "/api/v1/classify/review/M1", headers=auth(engineer), json={"category": "mechanical"}
    )
    assert response.status_code == 200, response.text
    corrected = response.json()
    assert corrected["category"] == "mechanical"
    assert corrected["failure_mode"] in {None, *mechanical_modes}, corrected["failure_mode"]
