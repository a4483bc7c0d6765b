"""Corrective action plans at the edges: ``/api/v1/plans`` and ``/api/v1/actions`` round
trips with their 401/403/404/409/422 answers, owners seeing only their own actions,
multipart evidence uploads read back byte for byte, the pages for a viewer (no forms) and
an engineer (forms; a refused form says why and stores nothing), and ``qloop plan ...`` and
``qloop actions`` on the command line."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.capa import actions, plans
from qloop.capa.models import Notification, PlanStatus
from qloop.cli import app
from qloop.core.clock import now
from qloop.core.db import session_scope
from qloop.core.settings import Settings
from qloop.web.app import create_app
from tests.api_client import ApiClient
from tests.capa.test_plans import EFFECTIVE, build_field, open_investigation, person, trail
from tests.web.test_pages import logged_in

runner = CliRunner()
DAY = dt.timedelta(days=1)
PLAN_KEYS = {"id", "investigation_id", "title", "owner", "status", "failure_mode", "product",
             "change_date", "closure", "closure_reason", "closed_at", "created_at",
             "created_by"}  # fmt: skip
DETAIL_KEYS = PLAN_KEYS | {"steps", "verification", "verified_at", "containment", "actions",
                           "claims", "files", "audit"}  # fmt: skip
ACTION_KEYS = {"id", "plan_id", "step", "title", "department", "owner", "due_date", "status",
               "notes", "effective_date", "overdue", "updated_at"}  # fmt: skip


class Api(ApiClient):
    """The API client (:mod:`tests.api_client`, with a token for ``owner2`` too) that opens
    plans."""

    def plan(self, **body: Any) -> dict[str, Any]:
        number = open_investigation(self.engine)
        body = {"investigation_id": number, **body}
        made: dict[str, Any] = self.call("POST", "/api/v1/plans", body, status=201)
        return made


@pytest.fixture
def api(engine: Engine, client: TestClient, tokens: dict[str, str]) -> Api:
    build_field(engine)
    with session_scope(engine) as session:
        accounts.create_user(session, name="owner2", password="correct horse", role=Role.OWNER)
        second = accounts.create_token(session, user_name="owner2")[1]
    return Api(client, {**tokens, "owner2": second}, engine)


# --- plans ------------------------------------------------------------------------------


def test_plan_round_trip(api: Api) -> None:
    made = api.plan(title="Swelling of P1 packs")
    url = f"/api/v1/plans/{made['id']}"
    assert set(made) == DETAIL_KEYS
    assert (made["title"], made["owner"], made["status"], made["created_by"]) == (
        "Swelling of P1 packs", "engineer-user", "open", "engineer-user")  # fmt: skip
    assert (made["failure_mode"], made["product"], made["steps"], made["actions"]) == (
        "swelling", "P1", {}, [])  # fmt: skip
    assert [(e["field"], e["new_value"]) for e in made["audit"]] == [
        ("created", "Swelling of P1 packs")]  # fmt: skip
    listed = api.call("GET", "/api/v1/plans", role="viewer")
    assert [p["id"] for p in listed] == [made["id"]] and set(listed[0]) == PLAN_KEYS
    assert api.call("GET", "/api/v1/plans?status=closed", role="viewer") == []
    assert api.call("GET", f"/api/v1/plans?investigation_id={made['investigation_id']}",
                    role="owner")[0]["id"] == made["id"]  # fmt: skip

    changed = api.call("PATCH", url, {"change_date": "2026-03-01", "owner": "olga"})
    assert (changed["change_date"], changed["owner"]) == ("2026-03-01", "olga")
    stepped = api.call("PUT", url + "/steps/D2/what", {"value": "Packs swell"})
    assert stepped["steps"] == {"D2": {"what": "Packs swell"}}
    assert api.call("GET", url, role="viewer")["steps"] == stepped["steps"]

    refused = api.problem("POST", url + "/close", {"closure": "effective"}, status=409)
    assert "none recorded" in refused["detail"]
    refused = api.problem("POST", url + "/close", {"closure": "override", "reason": "old"},
                          status=409)  # fmt: skip
    assert "only an admin" in refused["detail"]
    refused = api.problem("POST", url + "/close", {"closure": "override"}, role="admin",
                          status=422)  # fmt: skip
    assert refused["errors"] == [
        {"field": "reason", "reason": "an override needs a written reason"}
    ]
    closed = api.call("POST", url + "/close", {"closure": "override", "reason": "discontinued"},
                      role="admin")  # fmt: skip
    assert (closed["status"], closed["closure"], closed["closure_reason"]) == (
        "closed", "override", "discontinued")  # fmt: skip
    assert closed["closed_at"] is not None
    for method, path, body in [("PATCH", "", {"title": "x"}),
                               ("PUT", "/steps/D2/what", {"value": "x"}),
                               ("POST", "/close", {"closure": "override", "reason": "again"}),
                               ("POST", "/actions", {"title": "x"}),
                               ("POST", "/claims", {"supplier": "x"})]:  # fmt: skip
        api.problem(method, url + path, body, role="admin", status=409)
    reopened = api.call("POST", url + "/reopen")
    assert (reopened["status"], reopened["closure"], reopened["closed_at"]) == ("open", None, None)

    with session_scope(api.engine) as session:  # a verification that says effective
        plans.record_verification(session, plan_id=made["id"], result=EFFECTIVE, user_name="x")
    assert api.call("POST", url + "/close", {"closure": "effective"})["closure"] == "effective"
    audit = api.call("GET", url + "/audit", role="viewer")
    assert [(e["user_name"], e["field"], e["old_value"], e["new_value"]) for e in audit] == [
        ("engineer-user", "created", None, "Swelling of P1 packs"),
        ("engineer-user", "owner", "engineer-user", "olga"),
        ("engineer-user", "change_date", None, "2026-03-01"),
        ("engineer-user", "D2.what", None, "Packs swell"),
        ("admin-user", "closed", "open", "override: discontinued"),
        ("engineer-user", "reopened", "override", "open"),
        ("x", "verification", None, "effective RR 0.25 [0.1, 0.6]"),
        ("engineer-user", "closed", "open", "effective"),
    ]
    assert api.call("GET", url)["audit"] == audit


def test_plan_refusals(api: Api) -> None:
    made = api.plan()
    url = f"/api/v1/plans/{made['id']}"
    assert api.send("GET", "/api/v1/plans", role=None).status_code == 401
    assert api.send("POST", url + "/reopen", role=None).status_code == 401
    for role in ("viewer", "owner"):
        for method, path, body in [("POST", "/api/v1/plans", {"investigation_id": 1}),
                                   ("PATCH", url, {"title": "x"}),
                                   ("PUT", url + "/steps/D2/what", {"value": "x"}),
                                   ("POST", url + "/close", {"closure": "not_effective",
                                                             "reason": "x"}),
                                   ("POST", url + "/reopen", None),
                                   ("POST", url + "/claims", {"supplier": "x"}),
                                   ("POST", url + "/actions", {"title": "x"})]:  # fmt: skip
            api.problem(method, path, body, role=role, status=403)
    api.problem("GET", "/api/v1/plans/999", role="viewer", status=404)
    api.problem("GET", "/api/v1/plans/999/audit", role="viewer", status=404)
    api.problem("PATCH", "/api/v1/plans/999", {"title": "x"}, status=404)
    api.problem("POST", "/api/v1/plans", {"investigation_id": 999}, status=404)
    for method, path, body, field in [
        ("GET", "/api/v1/plans/0", None, "path.plan_id"),
        ("POST", "/api/v1/plans", {"investigation_id": 1, "colour": "red"}, "colour"),
        ("POST", "/api/v1/plans", {}, "investigation_id"),
        ("PATCH", url, {"change_date": "soon"}, "change_date"),
        ("PATCH", url, {"status": "closed"}, "status"),
        ("PATCH", url, {"owner": "olga", "title": " "}, "title"),  # nothing kept of it
        ("PUT", url + "/steps/D9/what", {"value": "x"}, "D9.what"),
        ("PUT", url + "/steps/D2/root_cause", {"value": "x"}, "D2.root_cause"),
        ("PUT", url + "/steps/D2/what", {"value": "x" * 5001}, "value"),
        ("POST", url + "/close", {"closure": "done"}, "closure"),
        ("POST", url + "/close", {"closure": "not_effective"}, "reason"),
    ]:  # fmt: skip
        found = api.problem(method, path, body, status=422)
        assert field in [e["field"] for e in found.get("errors", [])], (path, body, found)
    detail = api.call("GET", url)
    assert (detail["owner"], detail["status"], detail["steps"]) == ("engineer-user", "open", {})
    assert len(detail["audit"]) == 1


# --- actions ----------------------------------------------------------------------------


def test_actions_api_and_who_sees_them(api: Api) -> None:
    plan = api.plan()
    url = f"/api/v1/plans/{plan['id']}/actions"
    today = now().date()
    made = [api.call("POST", url, {"title": title, "department": "rd", "owner": owner,
                                   "due_date": (today + days * DAY).isoformat(), "step": step},
                     status=201)
            for title, owner, days, step in [("Sort stock", "owner-user", -1, "D3"),
                                             ("New separator", "owner-user", 7, "D5"),
                                             ("Audit supplier", "owner2", -1, "D7"),
                                             ("Due today", "owner2", 0, "D5")]]  # fmt: skip
    mine, later, theirs, due_today = (a["id"] for a in made)
    assert set(made[0]) == ACTION_KEYS
    assert [(a["step"], a["status"], a["overdue"]) for a in made] == [
        ("D3", "open", True), ("D5", "open", False), ("D7", "open", True),
        ("D5", "open", False)]  # fmt: skip

    def ids(query: str = "", role: str = "engineer") -> list[int]:
        return [a["id"] for a in api.call("GET", f"/api/v1/actions{query}", role=role)]

    assert ids(role="owner") == [mine, later]  # owners see only their own
    assert ids("?mine=false", role="owner") == [mine, later]
    assert ids("?overdue=true", role="owner") == [mine]
    assert ids("?overdue=true", role="owner2") == [theirs]
    assert ids() == [mine, theirs, due_today, later]  # by due date
    assert ids("?mine=true") == []
    assert ids("?overdue=true") == [mine, theirs]
    assert ids(f"?plan_id={plan['id']}&overdue=true", role="owner2") == [theirs]
    api.problem("GET", "/api/v1/actions?plan_id=999", status=404)
    api.problem("GET", "/api/v1/actions", role="viewer", status=403)
    assert api.send("GET", "/api/v1/actions", role=None).status_code == 401
    detail = api.call("GET", f"/api/v1/plans/{plan['id']}", role="viewer")
    assert [a["id"] for a in detail["actions"]] == [mine, theirs, due_today, later]

    assert api.call("GET", f"/api/v1/actions/{mine}", role="owner")["title"] == "Sort stock"
    api.problem("GET", f"/api/v1/actions/{theirs}", role="owner", status=403)
    api.problem("GET", "/api/v1/actions/999", status=404)
    done = api.call("PATCH", f"/api/v1/actions/{mine}",
                    {"status": "done", "notes": "sorted 40 packs", "effective_date": "2026-06-01"},
                    role="owner")  # fmt: skip
    assert (done["status"], done["notes"], done["effective_date"], done["overdue"]) == (
        "done", "sorted 40 packs", "2026-06-01", False)  # done: no longer overdue  # fmt: skip
    for body in ({"status": "verified"}, {"status": "rejected"}, {"due_date": "2026-12-31"},
                 {"owner": "owner2"}):  # fmt: skip
        api.problem("PATCH", f"/api/v1/actions/{mine}", body, role="owner", status=403)
    api.problem("PATCH", f"/api/v1/actions/{theirs}", {"notes": "x"}, role="owner", status=403)
    api.problem("PATCH", f"/api/v1/actions/{mine}", {"notes": "x"}, role="viewer", status=403)
    assert api.call("PATCH", f"/api/v1/actions/{mine}", {"status": "verified"})["status"] == (
        "verified")  # fmt: skip
    api.problem("PATCH", f"/api/v1/actions/{later}", {"status": "verified"}, status=409)
    api.problem("PATCH", f"/api/v1/actions/{later}", {"status": "bogus"}, status=422)
    api.problem("PATCH", f"/api/v1/actions/{later}", {"due_date": None}, status=422)
    api.problem("PATCH", f"/api/v1/actions/{later}", {"owner": "viewer-user"}, status=422)
    new = {"title": "x", "department": "rd"}
    for body in ({**new, "owner": "viewer-user", "due_date": "2026-07-01"},
                 {**new, "owner": "owner-user"},
                 {**new, "owner": "owner-user", "due_date": "July"}):  # fmt: skip
        api.problem("POST", url, body, status=422)
    api.problem("POST", url, {"title": "x", "department": "rd", "owner": "owner-user",
                              "due_date": "2026-07-01"}, role="owner", status=403)  # fmt: skip
    moved = api.call("PATCH", f"/api/v1/actions/{later}", {"owner": "owner2"})
    assert moved["owner"] == "owner2"
    with session_scope(api.engine) as session:
        sent = session.scalars(select(Notification.dedupe_key).order_by(Notification.id))
        assert list(sent) == [f"assigned:{mine}:owner-user", f"assigned:{later}:owner-user",
                              f"assigned:{theirs}:owner2", f"assigned:{due_today}:owner2",
                              f"assigned:{later}:owner2"]  # fmt: skip


# --- claims -----------------------------------------------------------------------------


def test_claims_api(api: Api) -> None:
    plan = api.plan()
    url = f"/api/v1/plans/{plan['id']}/claims"
    made = api.call("POST", url, {"supplier": "Wuxi Cells", "lot": "L7", "affected_units": 100,
                                  "failures": 4, "cost_per_unit": 0.125}, status=201)  # fmt: skip
    assert made == {"id": made["id"], "supplier": "Wuxi Cells", "lot": "L7",
                    "affected_units": 100, "failures": 4, "cost_per_unit": 0.125,
                    "currency": "CNY", "total_claimed": 12.5, "status": "draft",
                    "note": None}  # fmt: skip
    given = api.call("POST", url, {"supplier": "Harbin", "affected_units": 3,
                                   "cost_per_unit": 10, "total_claimed": 25, "currency": "usd"},
                     status=201)  # fmt: skip
    assert (given["total_claimed"], given["currency"]) == (25.0, "USD")
    claim_url = f"/api/v1/claims/{made['id']}"
    assert api.call("PATCH", claim_url, {"affected_units": 300})["total_claimed"] == 37.5
    back = api.call("PATCH", f"/api/v1/claims/{given['id']}", {"total_claimed": None})
    assert back["total_claimed"] == 30.0  # the negotiated 25 dropped: 3 x 10 again
    assert api.call("PATCH", claim_url, {"status": "submitted"})["status"] == "submitted"
    api.problem("PATCH", claim_url, {"status": "paid"}, status=409)
    assert api.call("PATCH", claim_url, {"status": "accepted"})["status"] == "accepted"
    assert api.call("PATCH", claim_url, {"status": "paid"})["status"] == "paid"
    api.problem("PATCH", claim_url, {"status": "submitted"}, status=409)
    for body in ({"cost_per_unit": -1}, {"currency": "EURO"}, {"currency": "€€€"},
                 {"affected_units": -5}, {"status": "won"}, {"plan_id": 3}):  # fmt: skip
        api.problem("PATCH", claim_url, body, status=422)
    bodies: list[dict[str, Any]] = [
        {"affected_units": 1, "cost_per_unit": 1},  # no supplier
        {"supplier": "x", "cost_per_unit": 1},  # no units
        {"supplier": "x", "affected_units": 1, "cost_per_unit": "a lot"},
    ]
    for body in bodies:
        api.problem("POST", url, body, status=422)
    api.problem("POST", url, {"supplier": "x", "affected_units": 1, "cost_per_unit": 1},
                role="owner", status=403)  # fmt: skip
    api.problem("PATCH", claim_url, {"status": "paid"}, role="owner", status=403)
    api.problem("PATCH", "/api/v1/claims/999", {"status": "paid"}, status=404)
    detail = api.call("GET", f"/api/v1/plans/{plan['id']}", role="viewer")
    assert [(c["supplier"], c["status"]) for c in detail["claims"]] == [
        ("Wuxi Cells", "paid"), ("Harbin", "draft")]  # fmt: skip


# --- files ------------------------------------------------------------------------------


def upload(api: Api, plan: int, data: bytes, role: str, name: str = "report.pdf",
           action_id: int | None = None) -> Any:  # fmt: skip
    return api.client.post(
        f"/api/v1/plans/{plan}/files",
        files={"file": (name, data, "application/pdf")},
        data={} if action_id is None else {"action_id": str(action_id)},
        headers={"Authorization": f"Bearer {api.tokens[role]}"},
    )


def test_upload_and_download_evidence(api: Api) -> None:
    plan = api.plan()["id"]
    action = api.call("POST", f"/api/v1/plans/{plan}/actions",
                      {"title": "Teardown", "department": "rd", "owner": "owner-user",
                       "due_date": "2026-07-01"}, status=201)["id"]  # fmt: skip
    data = bytes(range(256)) * 40 + "报告".encode()
    sent = upload(api, plan, data, "owner", name="拆解 报告.pdf", action_id=action)
    assert sent.status_code == 201, sent.text
    kept = sent.json()
    assert (kept["name"], kept["action_id"], kept["size"], kept["uploaded_by"]) == (
        "拆解 报告.pdf", action, len(data), "owner-user")  # fmt: skip
    got = api.client.get(f"/api/v1/files/{kept['id']}",
                         headers={"Authorization": f"Bearer {api.tokens['owner']}"})  # fmt: skip
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/octet-stream"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "拆解 报告.pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert api.send("GET", f"/api/v1/files/{kept['id']}").content == data  # an engineer
    api.problem("GET", f"/api/v1/files/{kept['id']}", role="owner2", status=403)
    api.problem("GET", f"/api/v1/files/{kept['id']}", role="viewer", status=403)
    api.problem("GET", "/api/v1/files/999", status=404)
    assert api.send("GET", f"/api/v1/files/{kept['id']}", role=None).status_code == 401

    assert upload(api, plan, b"x", "owner2", action_id=action).status_code == 403
    assert upload(api, plan, b"x", "owner").status_code == 403  # to the plan: engineers
    assert upload(api, plan, b"x", "viewer", action_id=action).status_code == 403
    assert upload(api, plan, b"", "engineer").status_code == 422
    assert upload(api, 999, b"x", "engineer").status_code == 404
    assert upload(api, plan, b"x", "engineer", action_id=999).status_code == 404
    engineer = {"Authorization": f"Bearer {api.tokens['engineer']}"}
    missing = api.client.post(f"/api/v1/plans/{plan}/files", data={"action_id": "1"},
                              headers=engineer)  # fmt: skip
    assert missing.status_code == 422
    general = upload(api, plan, b"plan-wide", "engineer", name="list.xlsx")
    assert general.status_code == 201
    detail = api.call("GET", f"/api/v1/plans/{plan}", role="viewer")
    assert [(f["name"], f["action_id"]) for f in detail["files"]] == [
        ("拆解 报告.pdf", action), ("list.xlsx", None)]  # fmt: skip
    with session_scope(api.engine) as session:
        plans.close_plan(session, plan_id=plan, user=person(session, "boss"),
                         closure="override", reason="discontinued")  # fmt: skip
    assert upload(api, plan, b"late", "engineer").status_code == 409


@pytest.fixture
def small_client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An app keeping files of at most 10 bytes, in a directory."""
    settings = Settings(database_url=db_url, evidence_limit_bytes=10,
                        evidence_dir=tmp_path / "evidence")  # fmt: skip
    made = create_app(settings)
    with TestClient(made) as test_client:
        yield test_client
    made.state.engine.dispose()


def test_the_upload_limit_at_its_boundary(
    api: Api, small_client: TestClient, tmp_path: Path
) -> None:
    plan = api.plan()["id"]
    small = Api(small_client, api.tokens, api.engine)
    at_limit = upload(small, plan, b"0123456789", "engineer")
    assert at_limit.status_code == 201, at_limit.text
    over = upload(small, plan, b"0123456789X", "engineer")
    assert over.status_code == 422 and "limit of 10 bytes" in over.json()["detail"]
    assert [p.name for p in (tmp_path / "evidence").iterdir()] == [at_limit.json()["sha256"]]
    got = small.send("GET", f"/api/v1/files/{at_limit.json()['id']}")
    assert got.content == b"0123456789"
    assert len(api.call("GET", f"/api/v1/plans/{plan}")["files"]) == 1


# --- pages ------------------------------------------------------------------------------


def forms(page: str) -> set[str]:
    """Where the page's forms post to, apart from the header's language and logout."""
    return set(re.findall(r'<form[^>]*action="([^"]+)"', page)) - {"/language", "/logout"}


def make_plan(engine: Engine, owner: str = "olga") -> tuple[int, int]:
    """A plan with a D2 text and an action of ``owner`` due yesterday; (plan, action)."""
    number = open_investigation(engine)
    with session_scope(engine) as session:
        plan = plans.create_plan(session, investigation_id=number, title="Swelling fix",
                                 user_name="eng")  # fmt: skip
        plans.set_step_field(session, plan_id=plan.id, step="D2", field="what",
                             value="Packs swell <fast>", user_name="eng")  # fmt: skip
        action = actions.add_action(session, plan_id=plan.id, user=person(session, "eng"),
                                    values={"title": "Sort stock", "department": "rd",
                                            "owner": owner,
                                            "due_date": now().date() - DAY})  # fmt: skip
        return plan.id, action.id


@pytest.fixture
def paged(engine: Engine) -> Engine:
    return build_field(engine)


def test_a_viewer_reads_the_pages_without_forms(client: TestClient, paged: Engine) -> None:
    plan, action = make_plan(paged)
    csrf = logged_in(client, paged, Role.VIEWER)
    listed = client.get("/plans")
    assert listed.status_code == 200 and "Swelling fix" in listed.text
    assert forms(listed.text) == set()
    page = client.get(f"/plans/{plan}")
    assert page.status_code == 200 and forms(page.text) == set()
    assert "Packs swell &lt;fast&gt;" in page.text and "Sort stock" in page.text
    assert f'id="action-{action}" class="overdue"' in page.text
    assert client.get("/plans/999").status_code == 404
    for url, form in [("/plans", {"investigation_id": "1"}), (f"/plans/{plan}", {"title": "x"}),
                      (f"/plans/{plan}/steps/D2/what", {"value": "x"}),
                      (f"/plans/{plan}/close", {"closure": "not_effective", "reason": "x"}),
                      (f"/plans/{plan}/reopen", {}), (f"/plans/{plan}/actions", {"title": "x"}),
                      (f"/plans/{plan}/claims", {"supplier": "x"}),
                      (f"/actions/{action}", {"status": "done"})]:  # fmt: skip
        answer = client.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 403, url
    assert [e[3] for e in trail(paged, plan)] == ["created", "D2.what", "created"]


def test_an_engineer_works_through_the_pages(client: TestClient, paged: Engine) -> None:
    plan, action = make_plan(paged)
    csrf = logged_in(client, paged, Role.ENGINEER)
    assert "/plans" in forms(client.get("/plans").text)  # open a plan
    page = client.get(f"/plans/{plan}").text
    expected = {f"/plans/{plan}", f"/plans/{plan}/steps/D2/what", f"/plans/{plan}/close",
                f"/plans/{plan}/actions", f"/plans/{plan}/claims", f"/plans/{plan}/files",
                f"/actions/{action}", f"/plans/{plan}/verify",
                f"/plans/{plan}/containment"}  # fmt: skip
    assert expected <= forms(page)
    assert 'value="override"' not in page  # only admins are offered an override
    for url, form in [(f"/plans/{plan}/steps/D4/root_cause", {"value": "Lot A separator"}),
                      (f"/plans/{plan}/actions", {"title": "New cells", "department": "rd",
                                                  "owner": "omar", "due_date": "2026-09-01",
                                                  "step": "D5"}),
                      (f"/plans/{plan}/claims", {"supplier": "Wuxi", "affected_units": "100",
                                                 "cost_per_unit": "0.125"}),
                      (f"/actions/{action}", {"status": "in_progress", "notes": "started",
                                              "back": f"/plans/{plan}"})]:  # fmt: skip
        answer = client.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 303 and "error" not in answer.headers["location"], url
    sent = client.post(f"/plans/{plan}/files", data={"csrf": csrf, "back": f"/plans/{plan}"},
                       files={"file": ("photo.jpg", b"\xff\xd8jpeg", "image/jpeg")},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == f"/plans/{plan}#files"
    page = client.get(f"/plans/{plan}").text
    assert "Lot A separator" in page and "New cells" in page and "12.50 CNY" in page
    assert "photo.jpg" in page
    with session_scope(paged) as session:
        assert actions.require_action(session, action).notes == "started"
    closed = client.post(f"/plans/{plan}/close", follow_redirects=False,
                         data={"closure": "not_effective", "reason": "still failing",
                               "csrf": csrf})  # fmt: skip
    assert closed.headers["location"] == f"/plans/{plan}#D8"
    page = client.get(f"/plans/{plan}").text
    assert f"/plans/{plan}/reopen" in forms(page) and "still failing" in page
    assert not forms(page) & (expected - {f"/actions/{action}", f"/plans/{plan}/files"})


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "/\tevil",
        "javascript:alert(1)",
    ],
)
def test_an_action_form_never_redirects_off_site(
    client: TestClient, paged: Engine, back: str
) -> None:
    plan, action = make_plan(paged)
    csrf = logged_in(client, paged, Role.ENGINEER)
    answer = client.post(f"/actions/{action}", follow_redirects=False,
                         data={"notes": "n", "back": back, "csrf": csrf})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/actions"
    sent = client.post(f"/plans/{plan}/files", data={"csrf": csrf, "back": back},
                       files={"file": ("a.txt", b"a", "text/plain")},
                       follow_redirects=False)  # fmt: skip
    assert sent.headers["location"] == f"/plans/{plan}#files"


def test_a_refused_form_keeps_the_pages_query(client: TestClient, paged: Engine) -> None:
    _, action = make_plan(paged)
    csrf = logged_in(client, paged, Role.ENGINEER)
    answer = client.post(f"/actions/{action}", follow_redirects=False,
                         data={"due_date": "soon", "back": "/actions?overdue=1",
                               "csrf": csrf})  # fmt: skip
    location = answer.headers["location"]
    assert location.startswith("/actions?overdue=1&error=") and location.endswith("#")


def test_an_admin_is_offered_the_override(client: TestClient, paged: Engine) -> None:
    plan, action = make_plan(paged)
    csrf = logged_in(client, paged, Role.ADMIN)
    assert 'value="override"' in client.get(f"/plans/{plan}").text
    overdue = client.get("/actions?show=overdue").text  # due yesterday, still open
    assert f'id="action-{action}" class="overdue"' in overdue
    assert f'id="action-{action}"' not in client.get("/actions").text  # mine: none
    answer = client.post(f"/plans/{plan}/close", data={"closure": "override", "csrf": csrf,
                                                      "reason": "product discontinued"},
                         follow_redirects=False)  # fmt: skip
    assert answer.headers["location"] == f"/plans/{plan}#D8"
    with session_scope(paged) as session:
        kept = plans.require_plan(session, plan)
        assert (kept.closure, kept.closure_reason, kept.closed_by) == (
            "override", "product discontinued", "admin-person")  # fmt: skip
    reopened = client.post(f"/plans/{plan}/reopen", data={"csrf": csrf}, follow_redirects=False)
    assert reopened.status_code == 303 and "error" not in reopened.headers["location"]
    assert [e[3] for e in trail(paged, plan)[-2:]] == ["closed", "reopened"]


def test_a_refused_page_form_says_why_and_stores_nothing(client: TestClient, paged: Engine) -> None:
    plan, _action = make_plan(paged)
    csrf = logged_in(client, paged, Role.ENGINEER)
    before = trail(paged, plan)
    # the title would change first; the bad date refuses the whole form
    form = {"title": "Renamed", "owner": "eng", "failure_mode": "swelling", "product": "P1",
            "change_date": "1 March", "csrf": csrf}  # fmt: skip
    answer = client.post(f"/plans/{plan}", data=form, follow_redirects=False)
    location = answer.headers["location"]
    assert answer.status_code == 303 and location.startswith(f"/plans/{plan}?error=")
    assert location.endswith("#summary")
    shown = client.get(location).text
    assert 'role="alert"' in shown and "column change_date" in shown and "YYYY-MM-DD" in shown
    for url, data in [(f"/plans/{plan}/close", {"closure": "effective"}),
                      (f"/plans/{plan}/steps/D9/what", {"value": "x"}),
                      (f"/plans/{plan}/actions", {"title": "x", "department": "rd",
                                                  "owner": "vic", "due_date": "2026-09-01"}),
                      (f"/plans/{plan}/claims", {"supplier": "Wuxi", "affected_units": "-1",
                                                 "cost_per_unit": "1"})]:  # fmt: skip
        answer = client.post(url, data={**data, "csrf": csrf}, follow_redirects=False)
        assert "?error=" in answer.headers["location"], url
    shown = client.get(answer.headers["location"]).text
    assert 'role="alert"' in shown and "affected_units" in shown
    with session_scope(paged) as session:
        kept = plans.require_plan(session, plan)
        assert (kept.title, kept.status, kept.change_date) == ("Swelling fix", PlanStatus.OPEN,
                                                               None)  # fmt: skip
        assert len(actions.list_actions(session, plan_id=plan)) == 1
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
    assert trail(paged, plan) == before
    missing_csrf = client.post(f"/plans/{plan}/steps/D2/what", data={"value": "x"})
    assert missing_csrf.status_code in (400, 403)
    assert trail(paged, plan) == before


HUGE = "99999999999999999999"  # past what SQLite's INTEGER holds


def test_numbers_out_of_range_are_refused_not_crashed(api: Api) -> None:
    for url in (f"/api/v1/plans?investigation_id={HUGE}", f"/api/v1/actions?plan_id={HUGE}",
                f"/api/v1/plans/{HUGE}", f"/api/v1/actions/{HUGE}"):  # fmt: skip
        api.problem("GET", url, status=422)
    client, paged = api.client, api.engine
    plan, action = make_plan(paged)
    csrf = logged_in(client, paged, Role.ENGINEER)
    assert client.get(f"/plans/{HUGE}").status_code == 422
    for url in (f"/plans/{HUGE}/steps/D2/what", f"/actions/{HUGE}", f"/claims/{HUGE}",
                f"/plans/{HUGE}/files"):  # fmt: skip
        answer = client.post(url, data={"csrf": csrf, "value": "x"},
                             files={"file": ("a.txt", b"a", "text/plain")})  # fmt: skip
        assert answer.status_code == 422, url
    for number in (HUGE, "\u00b2", "0", "-1", "x"):  # superscript two: isdigit(), yet no int
        answer = client.post(f"/plans/{plan}/files", data={"csrf": csrf, "action_id": number},
                             files={"file": ("a.txt", b"a", "text/plain")},
                             follow_redirects=False)  # fmt: skip
        location = answer.headers["location"]
        assert answer.status_code == 303 and "not%20a%20record%20number" in location, number
    refused = client.post(f"/claims/{action}", data={"csrf": csrf, "status": "paid",
                                                     "plan_id": "\u00b2"},
                          follow_redirects=False)  # fmt: skip
    assert refused.headers["location"].startswith("/plans?error=")
    with session_scope(paged) as session:
        assert plans.require_plan(session, plan).steps == {"D2": {"what": "Packs swell <fast>"}}
    assert [e[3] for e in trail(paged, plan)] == ["created", "D2.what", "created"]


def test_an_owner_on_the_actions_page(client: TestClient, paged: Engine) -> None:
    csrf = logged_in(client, paged, Role.OWNER)
    plan, own = make_plan(paged, owner="owner-person")
    _plan, other = make_plan(paged, owner="olga")
    page = client.get("/actions?show=all").text  # an owner sees only their own anyway
    assert f'id="action-{own}"' in page and f'id="action-{other}"' not in page
    assert f"/actions/{own}" in forms(page)
    assert 'value="verified"' not in page and 'name="due_date"' not in page
    plan_page = client.get(f"/plans/{plan}").text
    assert forms(plan_page) == {f"/actions/{own}", f"/plans/{plan}/files"}  # their row only
    done = client.post(f"/actions/{own}", data={"status": "done", "notes": "sorted",
                                                "effective_date": "", "csrf": csrf},
                       follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == "/actions"
    for form in ({"status": "verified"}, {"due_date": "2027-01-01"}):
        refused = client.post(f"/actions/{own}", data={**form, "csrf": csrf},
                              follow_redirects=False)  # fmt: skip
        assert refused.headers["location"].startswith("/actions?error=")
    shown = client.get(refused.headers["location"]).text
    assert 'role="alert"' in shown and "due_date" in shown
    refused = client.post(f"/actions/{other}", data={"notes": "x", "csrf": csrf},
                          follow_redirects=False)  # fmt: skip
    assert "not%20yours" in refused.headers["location"]
    own_file = client.post(f"/plans/{plan}/files", data={"csrf": csrf, "action_id": str(own)},
                           files={"file": ("proof.txt", b"proof", "text/plain")},
                           follow_redirects=False)  # fmt: skip
    assert "error" not in own_file.headers["location"]
    plan_file = client.post(f"/plans/{plan}/files", data={"csrf": csrf},
                            files={"file": ("x.txt", b"x", "text/plain")},
                            follow_redirects=False)  # fmt: skip
    assert "error=" in plan_file.headers["location"]
    with session_scope(paged) as session:
        found = actions.require_action(session, own)
        assert (found.status.value, found.notes, found.due_date) == (
            "done", "sorted", now().date() - DAY)  # fmt: skip
        assert actions.require_action(session, other).notes is None
        kept = plans.require_plan(session, plan)
        assert kept.status is PlanStatus.OPEN
    assert [e[3] for e in trail(paged, plan)[-3:]] == ["status", "notes", "attached"]


# --- the command line -------------------------------------------------------------------


def run(db_url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--db", db_url, *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())  # Rich wraps long lines


def test_plans_on_the_command_line(engine: Engine, db_url: str) -> None:
    build_field(engine)
    number = open_investigation(engine)
    shown = run(db_url, "plan", "create", "--investigation", str(number), "--title", "Fix it",
                "--user", "eng")  # fmt: skip
    plan = int(re.fullmatch(r"plan (\d+) opened: Fix it", shown).group(1))  # type: ignore[union-attr]
    run(db_url, "plan", "create", "--investigation", "999", code=2)
    listed = json.loads(runner.invoke(app, ["--db", db_url, "plan", "list", "--format",
                                            "json"]).stdout)  # fmt: skip
    assert [(p["id"], p["title"], p["status"]) for p in listed] == [(plan, "Fix it", "open")]
    assert f"#{plan} [open] Fix it" in run(db_url, "plan", "list")
    assert run(db_url, "plan", "step", str(plan), "d2.what", "Packs swell", "--user", "eng") == (
        f"plan {plan}: d2.what saved")  # fmt: skip
    assert "no field" in run(db_url, "plan", "step", str(plan), "D2.nope", "x", code=2)
    run(db_url, "plan", "set", str(plan), "--change-date", "2026-03-01", "--owner", "olga")
    assert "--change-date" in run(db_url, "plan", "set", str(plan), "--change-date", "March",
                                  code=2)  # fmt: skip
    due = ["--department", "rd", "--owner", "olga", "--user", "eng"]
    late = run(db_url, "plan", "action", str(plan), "--title", "Sort", "--due", "2026-06-14", *due)
    first = int(re.fullmatch(r"action (\d+) for olga, due 2026-06-14", late).group(1))  # type: ignore[union-attr]
    run(db_url, "plan", "action", str(plan), "--title", "Today", "--due", "2026-06-15", *due)
    run(db_url, "plan", "action", str(plan), "--title", "Other", "--due", "2026-06-01",
        "--department", "qa", "--owner", "omar", "--step", "D7")  # fmt: skip
    assert "engineer role" in run(db_url, "plan", "action", str(plan), "--title", "x", "--due",
                                  "2026-06-01", "--department", "qa", "--owner", "omar",
                                  "--user", "olga", code=2)  # fmt: skip
    claimed = run(db_url, "plan", "claim", str(plan), "--supplier", "Wuxi", "--units", "100",
                  "--cost", "0.125")  # fmt: skip
    assert re.fullmatch(r"claim \d+: 12\.50 CNY", claimed), claimed
    assert "none recorded" in run(db_url, "plan", "close", str(plan), "--as", "effective",
                                  code=2)  # fmt: skip
    assert "only an admin" in run(db_url, "plan", "close", str(plan), "--as", "override",
                                  "--reason", "x", "--user", "eng", code=2)  # fmt: skip

    overdue = run(db_url, "actions", "--overdue", "--as-of", "2026-06-15")
    other = first + 2
    assert overdue == (f"#{other} plan {plan} D7 [open] Other — qa, omar, due 2026-06-01 "
                       f"OVERDUE 14 d #{first} plan {plan} D5 [open] Sort — rd, olga, due "
                       "2026-06-14 OVERDUE 1 d")  # fmt: skip
    made = runner.invoke(app, ["--db", db_url, "actions", "--overdue", "--as-of", "2026-06-15",
                               "--format", "json"])  # fmt: skip
    assert made.exit_code == 0, made.output
    found = json.loads(made.stdout)
    assert [(a["id"], a["due_date"], a["overdue"], a["owner"]) for a in found] == [
        (other, "2026-06-01", True, "omar"), (first, "2026-06-14", True, "olga")]  # fmt: skip
    assert set(found[0]) == ACTION_KEYS
    listing = ["--db", db_url, "actions", "--as-of", "2026-06-15", "--format", "json"]
    everything = json.loads(runner.invoke(app, listing).stdout)
    assert [(a["title"], a["overdue"]) for a in everything] == [
        ("Other", True), ("Sort", True), ("Today", False)]  # fmt: skip
    assert "no action" in run(db_url, "actions", "--overdue", "--as-of", "2026-06-01")
    assert "Today" in run(db_url, "actions", "--owner", "olga", "--plan", str(plan))
    assert "--as-of" in run(db_url, "actions", "--as-of", "tomorrow", code=2)

    closed = run(db_url, "plan", "close", str(plan), "--as", "override", "--reason",
                 "discontinued")  # fmt: skip
    assert closed == f"plan {plan} closed as override"
    detail = json.loads(runner.invoke(app, ["--db", db_url, "plan", "show", str(plan)]).stdout)
    assert (detail["status"], detail["closure"], detail["change_date"]) == (
        "closed", "override", "2026-03-01")  # fmt: skip
    assert detail["steps"] == {"D2": {"what": "Packs swell"}}
    assert [c["total_claimed"] for c in detail["claims"]] == [12.5]
    assert [e["user_name"] for e in detail["audit"]][-1] == "cli"
    text = run(db_url, "plan", "show", str(plan), "--format", "text")
    assert f"#{plan} Fix it [closed]" in text and "D2.what: Packs swell" in text
    assert "closed" in run(db_url, "plan", "step", str(plan), "D2.what", "late", code=2)
    run(db_url, "plan", "show", "999", code=2)
