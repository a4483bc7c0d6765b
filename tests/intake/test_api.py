"""/api/v1 for cases: filters, paging, search in both languages, changes with history."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.intake.service import import_file
from tests.files import write_csv

HEADER = [
    "case_id",
    "received_at",
    "channel",
    "serial",
    "product",
    "title",
    "description",
    "category",
    "failure_mode",
    "severity",
    "status",
]
CASES = [
    [
        "C1",
        "2026-05-01 09:00",
        "hotline",
        "SN1",
        "PX9",
        "电池鼓包",
        "手机电池鼓包，后盖顶起",
        "electrical",
        "battery_swelling",
        "urgent",
        "new",
    ],
    [
        "C2",
        "2026-05-02 10:00",
        "ecommerce",
        "",
        "PX9",
        "Screen cracked",
        "Dropped from the table, the SCREEN cracked",
        "mechanical",
        "screen_crack",
        "important",
        "new",
    ],
    [
        "C3",
        "2026-05-03 11:00",
        "hotline",
        "SN3",
        "WM7",
        "门封漏水",
        "洗衣机门封漏水，地上都是水",
        "mechanical",
        "door_seal_leak",
        "general",
        "closed",
    ],
    [
        "C4",
        "2026-05-04 12:00",
        "app",
        "SN1",
        "PX9",
        "Battery swelling again",
        "The battery is swelling again after the repair",
        "electrical",
        "battery_swelling",
        "urgent",
        "in_progress",
    ],
]


def load(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, table="cases", path=write_csv(tmp_path / "c.csv", HEADER, CASES))
    import_file(
        engine,
        table="units",
        path=write_csv(
            tmp_path / "u.csv",
            ["serial", "product", "batch", "battery_lot"],
            [["SN1", "PX9", "B1", "BL-2508"], ["SN3", "WM7", "W1", ""]],
        ),
    )
    import_file(
        engine,
        table="repairs",
        path=write_csv(
            tmp_path / "r.csv",
            ["repair_id", "case_id", "serial", "opened_at", "closed_at"],
            [["R1", "C1", "SN1", "2026-05-01 12:00", "2026-05-01 15:00"]],
        ),
    )
    import_file(
        engine,
        table="surveys",
        path=write_csv(
            tmp_path / "s.csv", ["case_id", "score", "answered_at"], [["C1", "4", "2026-05-05"]]
        ),
    )


def ids(client: TestClient, token: str, **params: object) -> list[str]:
    response = client.get(
        "/api/v1/cases", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return [item["case_id"] for item in response.json()["items"]]


def test_filters_sorting_and_paging(
    client: TestClient, engine: Engine, tokens: dict[str, str], tmp_path: Path
) -> None:
    load(engine, tmp_path)
    viewer = tokens["viewer"]
    assert ids(client, viewer) == ["C4", "C3", "C2", "C1"]
    assert ids(client, viewer, channel="hotline") == ["C3", "C1"]
    assert ids(client, viewer, severity="urgent", product="PX9") == ["C4", "C1"]
    assert ids(client, viewer, status="closed") == ["C3"]
    assert ids(client, viewer, serial="SN1", sort="received_at") == ["C1", "C4"]
    assert ids(
        client, viewer, received_from="2026-05-02T00:00:00", received_to="2026-05-03T23:59:59"
    ) == ["C3", "C2"]
    assert ids(client, viewer, sort="severity") == ["C4", "C1", "C2", "C3"]
    page = client.get(
        "/api/v1/cases",
        params={"limit": 2, "offset": 2},
        headers={"Authorization": f"Bearer {viewer}"},
    ).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 2)
    assert [i["case_id"] for i in page["items"]] == ["C2", "C1"]
    assert set(page["items"][0]) == {
        "case_id",
        "received_at",
        "channel",
        "serial",
        "product",
        "region",
        "title",
        "description",
        "category",
        "failure_mode",
        "severity",
        "status",
        "customer",
        "category_set_by",
        "category_confidence",
        "severity_set_by",
        "severity_reasons",
        "duplicate_of",
    }


def test_search_in_chinese_and_english(
    client: TestClient, engine: Engine, tokens: dict[str, str], tmp_path: Path
) -> None:
    load(engine, tmp_path)
    viewer = tokens["viewer"]
    assert ids(client, viewer, q="鼓包") == ["C1"]
    assert ids(client, viewer, q="漏水") == ["C3"]
    assert ids(client, viewer, q="screen") == ["C2"]  # case-insensitive
    assert ids(client, viewer, q="battery again") == ["C4"]  # every word
    assert ids(client, viewer, q="100%") == []  # LIKE wildcards are plain text


def test_limits_and_bad_parameters_are_problems(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    response = client.get("/api/v1/cases", params={"limit": 501}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "query.limit"
    response = client.get("/api/v1/cases", params={"sort": "colour"}, headers=headers)
    assert response.status_code == 422 and "sort by one of" in response.json()["detail"]
    response = client.get("/api/v1/cases/NOPE", headers=headers)
    assert response.status_code == 404 and response.json()["detail"] == 'no case "NOPE"'


def test_case_detail_with_unit_repairs_surveys(
    client: TestClient, engine: Engine, tokens: dict[str, str], tmp_path: Path
) -> None:
    load(engine, tmp_path)
    detail = client.get(
        "/api/v1/cases/C1", headers={"Authorization": f"Bearer {tokens['viewer']}"}
    ).json()
    assert detail["unit"]["attributes"] == {"battery_lot": "BL-2508"}
    assert [r["repair_id"] for r in detail["repairs"]] == ["R1"]
    assert [s["score"] for s in detail["surveys"]] == [4]
    assert detail["history"] == [] and detail["category_set_by"] == "imported"
    unit = client.get(
        "/api/v1/units/SN1", headers={"Authorization": f"Bearer {tokens['viewer']}"}
    ).json()
    assert [c["case_id"] for c in unit["cases"]] == ["C1", "C4"]
    assert [r["repair_id"] for r in unit["repairs"]] == ["R1"]


def test_changes_are_recorded_in_the_history(
    client: TestClient, engine: Engine, tokens: dict[str, str], tmp_path: Path
) -> None:
    load(engine, tmp_path)
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    response = client.patch(
        "/api/v1/cases/C2",
        headers=headers,
        json={
            "severity": "紧急",
            "status": "in_progress",
            "assignee": "owner-user",
            "category": "机械故障/磨损",
        },
    )
    assert response.status_code == 200, response.text
    detail = response.json()
    assert (detail["severity"], detail["status"], detail["assignee"]) == (
        "urgent",
        "in_progress",
        "owner-user",
    )
    assert detail["severity_set_by"] == "user"
    changes = [
        (h["field"], h["old_value"], h["new_value"], h["user_name"]) for h in detail["history"]
    ]
    assert changes == [
        ("severity", "important", "urgent", "engineer-user"),
        ("status", "new", "in_progress", "engineer-user"),
        ("assignee", None, "owner-user", "engineer-user"),
    ]  # the category was already "mechanical": no change, no record
    bad = client.patch("/api/v1/cases/C2", headers=headers, json={"severity": "high"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "severity"
    nobody = client.patch("/api/v1/cases/C2", headers=headers, json={"assignee": "ghost"})
    assert nobody.status_code == 422 and "ghost" in nobody.json()["detail"]
    extra = client.patch("/api/v1/cases/C2", headers=headers, json={"description": "x"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "description"


def test_new_case_is_validated_like_an_import(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    body = {
        "case_id": "H1",
        "received_at": "2026/5/6 14:30",
        "channel": "客服热线",
        "description": "空调不制冷",
        "product": "AC3",
        "severity": "重要",
        "attributes": {"caller_city": "杭州"},
    }
    response = client.post("/api/v1/cases", headers=headers, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["channel"], created["severity"], created["received_at"]) == (
        "hotline",
        "important",
        "2026-05-06T14:30:00",
    )
    again = client.post("/api/v1/cases", headers=headers, json=body)
    assert again.status_code == 422 and "exists already" in again.json()["detail"]
    wrong = client.post(
        "/api/v1/cases", headers=headers, json={**body, "case_id": "H2", "received_at": "5/6/2026"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0] == {
        "field": "received_at",
        "reason": '"5/6/2026" is not a date and time',
    }
