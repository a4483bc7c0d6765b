"""Edges found in review: stale decisions, cleared labels, stale reasons, gated bodies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.classify import review
from qloop.classify.classifier import blend
from qloop.classify.rules import RuleClassifier
from qloop.classify.service import grade_new_cases
from qloop.classify.severity_rules import load_severity_rules
from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.intake import case_service
from qloop.intake.models import Case, SetBy
from qloop.intake.service import import_file
from qloop.taxonomy.schemas import default_taxonomy
from tests.files import write_csv
from tests.web.test_pages import logged_in

HEADER = ["case_id", "received_at", "channel", "description", "severity"]


def case(engine: Engine, case_id: str) -> Case:
    with Session(engine) as session:
        found = session.scalar(select(Case).where(Case.case_id == case_id))
        assert found is not None
        return found


def test_a_decision_made_by_a_person_is_not_undone_from_a_stale_queue(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = accounts.create_user(session, name="a", password="correct horse", role=Role.ENGINEER)
        session.add(
            Case(
                case_id="C1", received_at=dt.datetime(2026, 5, 1), channel="app", description="hmm"
            )
        )
        session.flush()
        grade_new_cases(session, after_id=0)
        review.review_case(session, case_id="C1", category="service", user=user)
        with pytest.raises(InputError, match="already set by a"):
            review.review_case(session, case_id="C1", category="other", user=user)
    assert case(engine, "C1").category == "service"


def test_labels_a_person_cleared_stay_cleared_and_old_cases_are_not_regraded(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        user = accounts.create_user(session, name="b", password="correct horse", role=Role.ENGINEER)
        session.add(
            Case(
                case_id="OLD",
                received_at=dt.datetime(2026, 5, 1),
                channel="app",
                description="冒烟了",
            )
        )
        session.add(
            Case(
                case_id="C1",
                received_at=dt.datetime(2026, 5, 1),
                channel="app",
                description="冒烟了",
            )
        )
        session.flush()
        old_id = session.scalar(select(Case.id).where(Case.case_id == "OLD"))
        assert old_id is not None
        grade_new_cases(session, after_id=old_id)  # C1 only
        case_service.update_case(
            session, case_id="C1", changes={"category": "", "severity": ""}, user=user
        )
        grade_new_cases(session, after_id=old_id)  # again: a person's empty label stays
    c1, old = case(engine, "C1"), case(engine, "OLD")
    assert (c1.category, c1.category_set_by, c1.severity, c1.severity_set_by) == (
        None,
        SetBy.USER,
        None,
        SetBy.USER,
    )
    assert (old.category, old.severity) == (None, None)


def test_a_grade_set_by_a_person_or_a_file_drops_the_automatic_reasons(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        ["C1", "2026-05-01", "app", "充电器冒烟了", ""],
        ["C2", "2026-05-01", "app", "充电器冒烟了", ""],
    ]
    import_file(engine, table="cases", path=write_csv(tmp_path / "a.csv", HEADER, rows))
    assert case(engine, "C1").severity_reasons and case(engine, "C1").category_confidence
    with session_scope(engine) as session:
        user = accounts.create_user(session, name="c", password="correct horse", role=Role.ENGINEER)
        case_service.update_case(
            session, case_id="C1", changes={"severity": "general", "category": "other"}, user=user
        )
    rows[1][4] = "important"
    import_file(engine, table="cases", path=write_csv(tmp_path / "b.csv", HEADER, rows[1:]))
    c1, c2 = case(engine, "C1"), case(engine, "C2")
    assert (c1.severity, c1.severity_reasons, c1.category_confidence) == ("general", None, None)
    assert (c2.severity, c2.severity_set_by, c2.severity_reasons) == (
        "important",
        SetBy.IMPORTED,
        None,
    )


def test_a_model_cannot_bring_back_a_category_the_taxonomy_no_longer_has() -> None:
    rules = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])
    verdict = rules.classify("hello there")  # no evidence: the model decides
    labels = ("retired_category", "software")
    category, _ = blend(verdict, rules.order, labels, np.array([0.9, 0.1]), 0.5)
    assert category == "software"


def test_a_refused_review_on_the_page_changes_nothing(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    import_file(
        engine,
        table="cases",
        path=write_csv(tmp_path / "a.csv", HEADER, [["C1", "2026-05-01", "app", "hmm", ""]]),
    )
    csrf = logged_in(client, engine, Role.ENGINEER)
    response = client.post(
        "/review/C1", data={"csrf": csrf, "category": "software", "severity": "bogus"}
    )
    assert response.status_code == 422
    c1 = case(engine, "C1")
    assert (c1.category, c1.category_set_by) == ("other", SetBy.AUTO)
    assert client.get("/review?status=404&error=spoof").status_code == 200
    assert "spoof" not in client.get("/review?status=404&error=spoof").text


def test_bodies_are_judged_before_they_are_read(client: TestClient, tokens: dict[str, str]) -> None:
    big = {"Content-Length": str(3 * 1024 * 1024), "Content-Type": "multipart/form-data; b=x"}
    assert client.post("/taxonomy/import", headers=big, content=b"").status_code == 413
    small = {"Content-Type": "application/json"}
    anonymous = client.post("/api/v1/classify", headers=small, content=b'{"items": []}')
    assert anonymous.status_code == 401
    engineer = {**small, "Authorization": f"Bearer {tokens['engineer']}"}
    refused = client.put("/api/v1/taxonomy", headers=engineer, content=b"{}")
    assert refused.status_code == 403
