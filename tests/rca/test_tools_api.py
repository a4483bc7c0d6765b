"""``/api/v1/investigations/{id}/five-why|fishbone|fmea``: JSON round trips, roles, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.rca.fishbone_drawing import fishbone_labels
from qloop.rca.investigations import create_investigation, history_of
from tests.api_client import ApiClient

SVG = "{http://www.w3.org/2000/svg}"
CATEGORIES = ("man", "machine", "material", "method", "measurement", "environment")
STEP_KEYS = {"id", "position", "why", "because", "evidence_case_id", "evidence_suspect",
             "evidence_note", "evidence_file_name"}  # fmt: skip
CAUSE_KEYS = {"id", "category", "text", "state", "note", "suspect_attribute", "suspect_value",
              "created_at", "created_by"}  # fmt: skip
ROW_KEYS = {"id", "position", "item", "function", "failure_mode", "effect", "severity", "cause",
            "occurrence", "controls", "detection", "recommended_action", "owner", "due_date",
            "rpn", "action_priority"}  # fmt: skip
ROW = {"item": "Pack", "failure_mode": "swelling", "severity": 9, "occurrence": 4, "detection": 7}


class Api(ApiClient):
    """The API client (:mod:`tests.api_client`) that opens investigations."""

    def open(self, title: str = "Swelling P1") -> str:
        """A new investigation; its API path."""
        with session_scope(self.engine) as session:
            number = create_investigation(session, title=title, user_name="li").id
        return f"/api/v1/investigations/{number}"


@pytest.fixture
def api(field: Engine, client: TestClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens, field)


def refused(api: Api, method: str, url: str, body: Any = None) -> set[str]:
    """The fields a 422 names (a rating's type union adds '.int' ...: cut off)."""
    found = api.call(method, url, body, status=422)
    assert found["status"] == 422 and found["title"] == "Invalid input"
    return {e["field"].split(".")[0] for e in found.get("errors", [])}


def test_five_why_round_trip(api: Api) -> None:
    url = api.open() + "/five-why"
    evidence = [{"evidence_case_id": "C0", "evidence_note": "teardown"},
                {"evidence_suspect": "lot = A"}, {}]  # fmt: skip
    made = [api.call("POST", url, {"why": f"why {n}?", "because": f"because {n}", **extra},
                     status=201) for n, extra in enumerate(evidence, start=1)]  # fmt: skip
    assert made[0] == {"id": made[0]["id"], "position": 1, "why": "why 1?",
                       "because": "because 1", "evidence_case_id": "C0",
                       "evidence_suspect": None, "evidence_note": "teardown",
                       "evidence_file_name": None}  # fmt: skip
    assert set(made[0]) == STEP_KEYS and [s["position"] for s in made] == [1, 2, 3]
    ids = [step["id"] for step in made]
    # PATCH: fields left out stay as they are, evidence included
    patched = api.call("PATCH", f"{url}/{ids[0]}", {"because": "gas", "evidence_suspect": "A"})
    assert patched == {**made[0], "because": "gas", "evidence_suspect": "A"}
    cleared = api.call("PATCH", f"{url}/{ids[0]}", {"evidence_note": None})
    assert cleared == {**patched, "evidence_note": None}

    moved = api.call("POST", f"{url}/{ids[2]}/move", {"position": 1})
    assert [(s["id"], s["position"]) for s in moved] == [(ids[2], 1), (ids[0], 2), (ids[1], 3)]
    clamped = api.call("POST", f"{url}/{ids[2]}/move", {"position": 1000})
    assert [(s["id"], s["position"]) for s in clamped] == [(ids[0], 1), (ids[1], 2), (ids[2], 3)]
    assert api.call("DELETE", f"{url}/{ids[0]}", status=204) == ""
    listed = api.call("GET", url, role="viewer")
    assert [(s["id"], s["position"], s["why"]) for s in listed] == [
        (ids[1], 1, "why 2?"), (ids[2], 2, "why 3?")]  # fmt: skip
    with session_scope(api.engine) as session:
        number = int(url.split("/")[4])
        history = [(c.user_name, c.field) for c in history_of(session, number)]
    assert history == [("li", "created")] + [("engineer-user", field) for field in (
        "5-why 1", "5-why 2", "5-why 3", "5-why 1", "5-why 1", "5-why order", "5-why order",
        "5-why 1")]  # fmt: skip


def test_five_why_bad_input(api: Api) -> None:
    url = api.open() + "/five-why"
    unknown = api.call("POST", url, {"why": "w", "because": "b", "evidence_case_id": "NOPE"},
                       status=422)  # fmt: skip
    assert unknown["errors"] == [{"field": "evidence_case_id", "reason": "no such case: NOPE"}]
    assert refused(api, "POST", url, {"because": "b"}) == {"why"}
    assert refused(api, "POST", url, {"why": "w", "because": " "}) == {"because"}
    assert refused(api, "POST", url, {"why": "w", "because": "b", "position": 2}) == {"position"}
    assert refused(api, "POST", url, {"why": "w" * 2001, "because": "b"}) == {"why"}
    assert api.call("POST", url, {"why": "w\x00", "because": "b"}, status=422)
    step = api.call("POST", url, {"why": "w", "because": "b"}, status=201)
    for position in (0, 1001, "first", None):
        assert refused(api, "POST", f"{url}/{step['id']}/move", {"position": position}) == {
            "position"}  # fmt: skip
    assert refused(api, "PATCH", f"{url}/{step['id']}", {"why": None}) == {"why"}
    assert api.call("GET", url) == [step]


def test_fishbone_round_trip(api: Api) -> None:
    url = api.open() + "/fishbone"
    cause = api.call("POST", url, {"category": "Material", "text": "Separator lot A"}, status=201)
    assert set(cause) == CAUSE_KEYS and cause["created_at"]
    assert {k: cause[k] for k in CAUSE_KEYS - {"id", "created_at"}} == {
        "category": "material", "text": "Separator lot A", "state": "suspected", "note": None,
        "suspect_attribute": None, "suspect_value": None, "created_by": "engineer-user",
    }  # fmt: skip
    suspect = api.call("POST", url + "/from-suspect", {"attribute": "assembly_line",
                       "value": "L3", "figures": "12 of 40 failed"}, status=201)  # fmt: skip
    assert {k: suspect[k] for k in CAUSE_KEYS - {"id", "created_at"}} == {
        "category": "machine", "text": "assembly_line = L3", "state": "suspected",
        "note": "12 of 40 failed", "suspect_attribute": "assembly_line", "suspect_value": "L3",
        "created_by": "engineer-user",
    }  # fmt: skip
    confirmed = api.call("PATCH", f"{url}/{cause['id']}", {"state": "confirmed", "note": "CT"})
    assert confirmed == {**cause, "state": "confirmed", "note": "CT"}
    extra = api.call("POST", url, {"category": "man", "text": "New operator",
                                   "state": "ruled_out"}, status=201)  # fmt: skip
    assert extra["state"] == "ruled_out"
    assert api.call("DELETE", f"{url}/{extra['id']}", status=204) == ""
    listed = api.call("GET", url, role="owner")
    assert listed == [suspect, confirmed]  # by category: machine, material


@pytest.mark.parametrize(
    ("path", "body", "field_name"),
    [
        ("", {"category": "money", "text": "t"}, "category"),
        ("", {"category": "man", "text": "t", "state": "maybe"}, "state"),
        ("", {"category": "man"}, "text"),
        ("", {"text": "t"}, "category"),
        ("", {"category": "man", "text": "t", "colour": "red"}, "colour"),
        ("/from-suspect", {"attribute": "lot"}, "value"),
        ("/from-suspect", {"attribute": "lot", "value": " "}, "attribute"),
    ],
)
def test_fishbone_bad_input(api: Api, path: str, body: dict[str, str], field_name: str) -> None:
    url = api.open() + "/fishbone"
    assert refused(api, "POST", url + path, body) == {field_name}
    assert api.call("GET", url) == []


def test_fishbone_unknown_category_on_update(api: Api) -> None:
    url = api.open() + "/fishbone"
    cause = api.call("POST", url, {"category": "man", "text": "t"}, status=201)
    problem = api.call("PATCH", f"{url}/{cause['id']}", {"category": "人"}, status=422)
    assert [e["field"] for e in problem["errors"]] == ["category"]
    assert "man, machine, material, method, measurement, environment" in problem["detail"]
    assert api.call("GET", url) == [cause]


def svg_text(svg: str) -> str:
    """Every text of the drawing, after checking it is well-formed SVG."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return " | ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def test_fishbone_svg_in_english_and_chinese(api: Api) -> None:
    url = api.open("鼓包 swelling") + "/fishbone"
    causes = ("隔膜批次 A", "Formation <recipe> & aging")
    for category, text in zip(("material", "method"), causes, strict=True):
        api.call("POST", url, {"category": category, "text": text}, status=201)
    english = api.send("GET", url + ".svg?lang=en", role="viewer")
    assert english.status_code == 200
    assert english.headers["content-type"].startswith("image/svg+xml")
    drawn = svg_text(english.text)
    for expected in (*causes, "Man", "Machine", "Material", "Method", "Measurement",
                     "Environment", "Suspected"):  # fmt: skip
        assert expected in drawn

    chinese = fishbone_labels("zh_CN")
    assert [chinese[c] for c in CATEGORIES] == ["人", "机", "料", "法", "测", "环"]
    zh_browser = {"Accept-Language": "zh-CN,zh;q=0.9"}
    for query, headers in [("?lang=zh_CN", {}), ("?lang=zh", {}), ("", zh_browser)]:
        response = api.client.get(url + ".svg" + query, headers={
            "Authorization": f"Bearer {api.tokens['viewer']}", **headers})  # fmt: skip
        assert response.status_code == 200
        drawn = svg_text(response.text)
        assert all(text in drawn for text in causes)
        missing = [code for code in CATEGORIES if chinese[code] not in drawn]
        assert missing == [] and "Measurement" not in drawn, (query, drawn)
        assert chinese["suspected"] in drawn
    assert api.send("GET", url + ".svg?lang=" + "x" * 11, role="viewer").status_code == 422


def test_fmea_round_trip(api: Api) -> None:
    url = api.open() + "/fmea"
    picked = [("Pack", 9, 4, 7), ("Cell", 9, 2, 5), ("Lid", "7", "2.0", 2.0), ("Seal", 5, 8, 7)]
    made = [api.call("POST", url, {"item": item, "failure_mode": "swelling", "severity": s,
                                   "occurrence": o, "detection": d, "due_date": "2026-06-30",
                                   "owner": "wang"}, status=201)
            for item, s, o, d in picked]  # fmt: skip
    assert set(made[0]) == ROW_KEYS
    assert made[0] == {"id": made[0]["id"], "position": 1, "item": "Pack", "function": None,
                       "failure_mode": "swelling", "effect": None, "severity": 9, "cause": None,
                       "occurrence": 4, "controls": None, "detection": 7,
                       "recommended_action": None, "owner": "wang", "due_date": "2026-06-30",
                       "rpn": 252, "action_priority": "H"}  # fmt: skip
    # AP from the AIAG & VDA table: S9 O4 D7 -> H, S9 O2 D5 -> M, S7 O2 D2 -> L, S5 O8 D7 -> H
    assert [(r["item"], r["severity"], r["occurrence"], r["detection"], r["rpn"],
             r["action_priority"]) for r in made] == [
        ("Pack", 9, 4, 7, 252, "H"), ("Cell", 9, 2, 5, 90, "M"), ("Lid", 7, 2, 2, 28, "L"),
        ("Seal", 5, 8, 7, 280, "H")]  # fmt: skip

    def items(query: str) -> list[str]:
        return [r["item"] for r in api.call("GET", url + query, role="viewer")]

    assert items("") == ["Pack", "Cell", "Lid", "Seal"]
    assert items("?sort=rpn") == ["Seal", "Pack", "Cell", "Lid"]
    assert items("?priority=H&sort=rpn") == ["Seal", "Pack"]
    assert items("?priority=m") == ["Cell"]
    assert items("?sort=severity") == ["Pack", "Cell", "Lid", "Seal"]
    assert items("?sort=priority") == ["Seal", "Pack", "Cell", "Lid"]

    put = api.call("PUT", f"{url}/{made[1]['id']}", {**ROW, "item": "Cell", "occurrence": "4",
                   "due_date": "2026-06-30", "owner": "wang"})  # fmt: skip
    assert put == {**made[1], "occurrence": 4, "detection": 7, "rpn": 252, "action_priority": "H"}
    assert api.call("DELETE", f"{url}/{made[0]['id']}", status=204) == ""
    assert items("") == ["Cell", "Lid", "Seal"]
    assert [r["position"] for r in api.call("GET", url)] == [1, 2, 3]

    revisions = api.call("GET", url + "/revisions", role="viewer")
    assert [(r["number"], r["created_by"]) for r in revisions] == [
        (n, "engineer-user") for n in range(6, 0, -1)]  # fmt: skip
    assert set(revisions[0]) == {"number", "created_at", "created_by", "summary", "rows"}
    assert revisions[0]["summary"] == "row 1 removed: Pack / swelling"
    assert revisions[1]["summary"] == (
        "row 2 (Cell / swelling): occurrence 2 -> 4; detection 5 -> 7")  # fmt: skip
    assert [r["item"] for r in revisions[0]["rows"]] == ["Cell", "Lid", "Seal"]
    derived = ("id", "position", "rpn", "action_priority")
    assert revisions[-1]["rows"] == [{k: v for k, v in made[0].items() if k not in derived}]


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"severity": 11}, "severity"),
        ({"occurrence": 0}, "occurrence"),
        ({"detection": "7.5"}, "detection"),
        ({"detection": 7.5}, "detection"),
        ({"severity": True}, "severity"),  # JSON true is not a rating of 1
        ({"severity": None}, "severity"),
        ({"item": ""}, "item"),
        ({"due_date": "30.06.2026"}, "due_date"),
        ({"rpn": 100}, "rpn"),
    ],
)
def test_fmea_bad_input(api: Api, changes: dict[str, Any], field_name: str) -> None:
    url = api.open() + "/fmea"
    assert refused(api, "POST", url, {**ROW, **changes}) == {field_name}
    assert api.call("GET", url) == []
    good = api.call("POST", url, ROW, status=201)
    assert refused(api, "PUT", f"{url}/{good['id']}", {**ROW, **changes}) == {field_name}
    assert api.call("GET", url) == [good]
    assert len(api.call("GET", url + "/revisions")) == 1


@pytest.mark.parametrize(
    ("query", "field_name"),
    [("?priority=X", "priority"), ("?priority=HM", "priority"), ("?sort=ap", "sort")],
)
def test_fmea_bad_filter(api: Api, query: str, field_name: str) -> None:
    found = api.call("GET", api.open() + "/fmea" + query, role="viewer", status=422)
    assert [e["field"].split(".")[-1] for e in found["errors"]] == [field_name]


def test_occurrence_from_the_field(api: Api) -> None:
    url = "/api/v1/fmea/occurrence"
    # 5 of P1's 20 units have a swelling case: 250 per 1000 -> 10
    assert api.call("GET", url + "?failure_mode=swelling", role="viewer") == {
        "failure_mode": "swelling", "products": ["P1"], "units": 20, "failures": 5,
        "per_1000": 250.0, "rating": 10}  # fmt: skip
    p2 = api.call("GET", url + "?failure_mode=swelling&product=P2", role="viewer")
    assert (p2["units"], p2["failures"], p2["rating"]) == (1, 0, 2)
    none = api.call("GET", url + "?failure_mode=leak", role="viewer")
    assert (none["products"], none["units"], none["per_1000"], none["rating"]) == (
        [], 0, None, None)  # fmt: skip
    missing = api.call("GET", url, role="viewer", status=422)
    assert [e["field"] for e in missing["errors"]] == ["query.failure_mode"]
    assert api.send("GET", url + "?failure_mode=", role="viewer").status_code == 422
    assert api.send("GET", url + "?failure_mode=swelling", role=None).status_code == 401


def writes(url: str, step: int, cause: int, row: int) -> list[tuple[str, str, Any]]:
    """Every write endpoint of the tools, each with a valid body."""
    return [
        ("POST", f"{url}/five-why", {"why": "w", "because": "b"}),
        ("PATCH", f"{url}/five-why/{step}", {"why": "w2"}),
        ("POST", f"{url}/five-why/{step}/move", {"position": 1}),
        ("DELETE", f"{url}/five-why/{step}", None),
        ("POST", f"{url}/fishbone", {"category": "man", "text": "t"}),
        ("POST", f"{url}/fishbone/from-suspect", {"attribute": "lot", "value": "A"}),
        ("PATCH", f"{url}/fishbone/{cause}", {"state": "confirmed"}),
        ("DELETE", f"{url}/fishbone/{cause}", None),
        ("POST", f"{url}/fmea", ROW),
        ("PUT", f"{url}/fmea/{row}", {**ROW, "severity": 10}),
        ("DELETE", f"{url}/fmea/{row}", None),
    ]


def names_an_item(url: str) -> bool:
    """A step, cause or row id in the path (not an add to the investigation)."""
    return url.removesuffix("/move").rsplit("/", 1)[-1].isdigit()


def reads(url: str) -> list[str]:
    return [f"{url}/five-why", f"{url}/fishbone", f"{url}/fishbone.svg", f"{url}/fmea",
            f"{url}/fmea/revisions"]  # fmt: skip


def one_of_each(api: Api, url: str) -> tuple[int, int, int]:
    step = api.call("POST", f"{url}/five-why", {"why": "w", "because": "b"}, status=201)
    cause = api.call("POST", f"{url}/fishbone", {"category": "man", "text": "t"}, status=201)
    row = api.call("POST", f"{url}/fmea", ROW, status=201)
    return step["id"], cause["id"], row["id"]


def test_viewers_and_owners_read_only_engineers_and_admins_write(api: Api) -> None:
    url = api.open()
    ids = one_of_each(api, url)
    before = [api.call("GET", path) for path in reads(url)]
    for role in ("viewer", "owner"):
        for method, path, body in writes(url, *ids):
            problem = api.call(method, path, body, role=role, status=403)
            assert problem["detail"] == f"this needs the engineer role; you are {role}"
        assert [api.call("GET", path, role=role) for path in reads(url)] == before
    for method, path, body in writes(url, *ids):
        assert api.send(method, path, body, role="admin").status_code in (200, 201, 204)


def test_anonymous_callers_get_401(api: Api) -> None:
    url = api.open()
    ids = one_of_each(api, url)
    for method, path, body in writes(url, *ids):
        response = api.send(method, path, body, role=None)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
    for path in reads(url):
        assert api.send("GET", path, role=None).status_code == 401, path
    bad_token = {"Authorization": "Bearer not-a-token"}
    assert api.client.get(reads(url)[0], headers=bad_token).status_code == 401


def test_unknown_ids_are_404(api: Api) -> None:
    mine, other = api.open("mine"), api.open("other")
    ids = one_of_each(api, other)
    nowhere = "/api/v1/investigations/999999"
    for path in reads(nowhere):
        assert "no investigation 999999" in api.call("GET", path, status=404)["detail"]
    for method, path, body in writes(nowhere, *ids):
        api.call(method, path, body, status=404)
    # the step, cause and row exist, but in another investigation
    number = mine.rsplit("/", 1)[1]
    for method, path, body in writes(mine, *ids):
        if names_an_item(path):
            detail = api.call(method, path, body, status=404)["detail"]
            assert detail.endswith(f"in investigation {number}"), detail
    for method, path, body in writes(other, 2**31 - 1, 2**31 - 1, 2**31 - 1):
        if names_an_item(path):
            api.call(method, path, body, status=404)
    api.call("GET", "/api/v1/investigations/0/fmea", status=422)
    api.call("DELETE", f"{other}/fmea/0", status=422)
    # nothing of the other investigation was touched
    tails = ("/five-why", "/fishbone", "/fmea", "/fmea/revisions")
    assert [len(api.call("GET", other + tail)) for tail in tails] == [1, 1, 1, 1]
