"""Edge inputs the API must answer the same way on SQLite and PostgreSQL, never with a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import false, select
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.core.db import session_scope
from qloop.intake import case_service
from qloop.intake.models import Case


def make(client: TestClient, headers: dict[str, str], case_id: str, **fields: str) -> None:
    body = {
        "case_id": case_id,
        "received_at": "2026-05-01 10:00",
        "channel": "app",
        "description": "x",
        **fields,
    }
    response = client.post("/api/v1/cases", headers=headers, json=body)
    assert response.status_code == 201, response.text


def test_broken_text_is_a_422(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}", "Content-Type": "application/json"}
    make(client, headers, "H-1")
    for body in (
        '{"case_id":"S1","received_at":"2026-05-01","channel":"app",'
        '"description":"x","title":"\\ud800"}',
        '{"case_id":"S2","received_at":"2026-05-01","channel":"app",'
        '"description":"x","attributes":{"\\udfff":"v"}}',
    ):
        assert client.post("/api/v1/cases", headers=headers, content=body).status_code == 422
    patched = client.patch(
        "/api/v1/cases/H-1", headers=headers, content='{"failure_mode":"\\ud800"}'
    )
    assert patched.status_code == 422


def test_search_words_and_code_lengths_are_bounded(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    make(client, headers, "H-1")
    many = client.get("/api/v1/cases", headers=headers, params={"q": "a " * 1100})
    assert many.status_code == 422 and "at most 20 words" in many.json()["detail"]
    for field in ("category", "failure_mode"):
        response = client.patch("/api/v1/cases/H-1", headers=headers, json={field: "c" * 101})
        assert response.status_code == 422, field
        assert "longer than 100" in response.json()["detail"]


def test_search_folds_every_script_and_offsets_are_dropped(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    make(client, headers, "E1", title="Écran fissuré")
    make(client, headers, "E2", title="Дисплей")

    def found(**params: str) -> list[str]:
        items = client.get("/api/v1/cases", headers=headers, params=params).json()["items"]
        return [item["case_id"] for item in items]

    assert found(q="écran") == found(q="ÉCRAN") == ["E1"]
    assert found(q="дисплей") == ["E2"]
    # 10:00 wall-clock time: an offset in the filter is dropped, as at import
    assert found(received_from="2026-05-01T10:00:00+08:00", q="écran") == ["E1"]
    assert found(received_from="2026-05-01T10:00:01+08:00", q="écran") == []


def test_empty_values_sort_last_both_ways(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    # every new case gets a category from the classifier, so the product is the empty field
    make(client, headers, "N1", product="A1")
    make(client, headers, "N2")
    make(client, headers, "N3", product="B2")
    for sort, expected in (("product", ["N1", "N3", "N2"]), ("-product", ["N3", "N1", "N2"])):
        items = client.get("/api/v1/cases", headers=headers, params={"sort": sort}).json()
        assert [i["case_id"] for i in items["items"]] == expected, sort


def test_a_disabled_assignee_is_kept_when_other_fields_change(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    make(client, headers, "A1")
    assert (
        client.patch(
            "/api/v1/cases/A1", headers=headers, json={"assignee": "owner-user"}
        ).status_code
        == 200
    )
    with session_scope(engine) as session:
        accounts.disable_user(session, name="owner-user")
    response = client.patch(
        "/api/v1/cases/A1", headers=headers, json={"assignee": "owner-user", "severity": "urgent"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["assignee"] == "owner-user"


def test_long_or_odd_upload_names_are_cleaned_before_importing(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    name = "a" * 300 + "\x00\n.csv"
    response = client.post(
        "/api/v1/imports/units",
        headers=headers,
        files={"file": (name, b"serial,product\nU1,PX9\n", "text/csv")},
    )
    assert response.status_code == 201, response.text
    kept = response.json()["file"]
    assert len(kept) <= 200 and kept.endswith(".csv") and "\x00" not in kept


def test_two_creates_of_one_case_at_once_are_a_conflict_not_a_500(
    client: TestClient, tokens: dict[str, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service checks that a case id is new before it writes; when another request
    stores the same id between that check and the commit, the database's unique constraint
    refuses the row. Replayed here by making the check miss what the first request stored."""
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    make(client, headers, "RACE-1")
    real_select = case_service.select

    def unseen(*columns: Any) -> Any:
        query = real_select(*columns)
        return query.where(false()) if columns == (Case.id,) else query

    monkeypatch.setattr(case_service, "select", unseen)
    body = {"case_id": "RACE-1", "received_at": "2026-05-01 10:00", "channel": "app",
            "description": "the same case from a second client"}  # fmt: skip
    second = client.post("/api/v1/cases", headers=headers, json=body)
    assert second.status_code == 409, second.text
    assert second.headers["content-type"] == "application/problem+json"
    assert "reload and try again" in second.json()["detail"]
    with session_scope(engine) as session:
        descriptions = session.scalars(select(Case.description).where(Case.case_id == "RACE-1"))
        assert list(descriptions) == ["x"]
