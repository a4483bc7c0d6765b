"""Investigations: gathered by a filter or by hand, a guarded workflow, a full history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core.db import session_scope
from qloop.core.errors import InputError, InvalidTransition
from qloop.rca import investigations as service
from qloop.rca.investigations import CaseFilter


def test_a_filter_gathers_cases_and_the_workflow_is_guarded(field: Engine) -> None:
    with session_scope(field) as session:
        found = service.create_investigation(
            session, title="Swelling P1", user_name="li", owner="wang",
            case_filter=CaseFilter(product="P1", failure_mode="swelling",
                                   last=dt.date(2026, 5, 3)),
            case_ids=["D1", "C0"],  # by hand too; C0 is already in, once
        )  # fmt: skip
        number = found.id
        assert service.case_ids_of(session, number) == ["C0", "C1", "C2", "D1"]
        assert found.case_filter["to"] == "2026-05-03" and found.status == "open"
        with pytest.raises(InvalidTransition, match="open can go to analysing"):
            service.update_investigation(
                session, investigation_id=number, changes={"status": "closed"}, user_name="li"
            )
        for step in ("analysing", "cause_confirmed", "closed", "analysing"):
            service.update_investigation(
                session, investigation_id=number, changes={"status": step}, user_name="li"
            )
        service.update_investigation(
            session, investigation_id=number, changes={"owner": "zhao"}, user_name="li"
        )
        with pytest.raises(InputError, match="no such case"):
            service.add_cases(session, investigation_id=number, case_ids=["NOPE"], user_name="li")
        service.remove_case(session, investigation_id=number, case_id="D1", user_name="li")
        history = [(c.field, c.old_value, c.new_value)
                   for c in service.history_of(session, number)]  # fmt: skip
    assert history == [
        ("created", None, "Swelling P1"),
        ("status", "open", "analysing"),
        ("status", "analysing", "cause_confirmed"),
        ("status", "cause_confirmed", "closed"),
        ("status", "closed", "analysing"),
        ("owner", "wang", "zhao"),
        ("cases", "D1", None),
    ]


def test_api_and_permissions(
    field: Engine,
    client: TestClient,
    tokens: dict[str, str],
) -> None:
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    engineer = {"Authorization": f"Bearer {tokens['engineer']}"}
    body = {"title": "Leaks", "filter": {"failure_mode": "swelling", "from": "2026-05-03"}}
    assert client.post("/api/v1/investigations", headers=viewer, json=body).status_code == 403
    created = client.post("/api/v1/investigations", headers=engineer, json=body)
    assert created.status_code == 201, created.text
    detail = created.json()
    assert detail["case_ids"] == ["C2", "C3", "C4", "C9"] and detail["cases"] == 4
    number = detail["id"]
    wrong = client.patch(f"/api/v1/investigations/{number}", headers=engineer,
                         json={"status": "closed"})  # fmt: skip
    assert wrong.status_code == 409
    moved = client.patch(f"/api/v1/investigations/{number}", headers=engineer,
                         json={"status": "analysing", "owner": "li"})  # fmt: skip
    assert moved.json()["status"] == "analysing" and moved.json()["owner"] == "li"
    added = client.post(f"/api/v1/investigations/{number}/cases", headers=engineer,
                        json={"case_ids": ["D1"]})  # fmt: skip
    assert "D1" in added.json()["case_ids"]
    removed = client.delete(f"/api/v1/investigations/{number}/cases/C9", headers=engineer)
    assert "C9" not in removed.json()["case_ids"]
    listed = client.get("/api/v1/investigations?status=analysing", headers=viewer).json()
    assert [(i["id"], i["cases"]) for i in listed] == [(number, 4)]
    fields = [h["field"] for h in client.get(f"/api/v1/investigations/{number}",
                                             headers=viewer).json()["history"]]  # fmt: skip
    assert fields == ["created", "owner", "status", "cases", "cases"]
    assert client.get("/api/v1/investigations/999", headers=viewer).status_code == 404


def test_cli(field: Engine, db_url: str) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["--db", db_url, "investigation", "create", "--title", "Swelling",
                               "--failure-mode", "swelling", "--owner", "wang"])  # fmt: skip
    assert made.exit_code == 0 and "opened with 6 cases" in made.output
    number = made.output.split()[1]  # "investigation N opened ..."
    moved = runner.invoke(app, ["--db", db_url, "investigation", "update", number, "--status",
                                "analysing"])  # fmt: skip
    assert moved.exit_code == 0 and "[analysing]" in moved.output
    refused = runner.invoke(app, ["--db", db_url, "investigation", "update", number, "--status",
                                  "closed"])  # fmt: skip
    assert refused.exit_code == 2
    shown = runner.invoke(app, ["--db", db_url, "investigation", "show", number, "--format",
                                "json"])  # fmt: skip
    detail = json.loads(shown.output)
    assert detail["status"] == "analysing" and len(detail["case_ids"]) == 6
    listed = runner.invoke(app, ["--db", db_url, "investigation", "list"])
    assert f"#{number} [analysing] Swelling — 6 cases, owner wang" in listed.output
