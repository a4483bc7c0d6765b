"""qloop profile: a numeric attribute over a failure mode's cases, worked out by hand."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.cli import app
from qloop.core.db import session_scope
from qloop.intake.models import Case, Channel, Product, Unit
from qloop.rca.profile import number, profile_attribute

HEIGHTS = ["0.5", 0.8, "1,2", "0.7", "", "high", None, 1.5]  # as customers' files give them


@pytest.fixture
def drops(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        session.add(Product(code="PX"))
        session.flush()
        session.add(Unit(serial="U1", product="PX", attributes={"glass_mm": "0.7"}))
        for n, height in enumerate(HEIGHTS):
            own = {} if height is None else {"drop_height_m": height}
            session.add(Case(case_id=f"K{n}", received_at=dt.datetime(2026, 5, 1),
                             channel=Channel.APP, serial="U1" if n < 2 else None,
                             failure_mode="screen_crack", description="cracked",
                             attributes=own))  # fmt: skip
        session.add(Case(case_id="X", received_at=dt.datetime(2026, 5, 1), channel=Channel.APP,
                         failure_mode="other", description="x",
                         attributes={"drop_height_m": 9}))  # fmt: skip
    return engine


def test_values_quantiles_and_shares_by_hand(drops: Engine) -> None:
    with session_scope(drops) as session:
        answer = profile_attribute(
            session, failure_mode="screen_crack", attribute="drop_height_m", below=[1.0, 0.6]
        ).as_json()
    values = [0.5, 0.8, 1.2, 0.7, 1.5]  # "" and None missing, "high" not numeric
    assert (answer["count"], answer["missing"], answer["not_numeric"]) == (5, 2, 1)
    assert (answer["min"], answer["max"]) == (0.5, 1.5)
    assert answer["mean"] == pytest.approx(sum(values) / 5)
    assert answer["quantiles"]["p50"] == 0.8
    assert answer["quantiles"]["p25"] == pytest.approx(np.quantile(values, 0.25))
    assert sum(bar["count"] for bar in answer["histogram"]) == 5
    first, second = answer["below"]
    assert (first["count"], first["share"]) == (3, 0.6)  # 0.5, 0.8, 0.7
    assert first["message"] == "60% of screen_crack cases at drop_height_m under 1.0"
    assert (second["count"], second["share"]) == (1, 0.2)


def test_the_units_attribute_when_the_case_has_none(drops: Engine) -> None:
    with session_scope(drops) as session:
        answer = profile_attribute(
            session, failure_mode="screen_crack", attribute="glass_mm"
        ).as_json()
    assert (answer["count"], answer["missing"]) == (2, 6)  # K0 and K1 are on U1
    assert answer["below"] == []


def test_numbers_as_stored() -> None:
    assert [number(v) for v in ("1.5", " 2 ", "1,5", 3, 2.5, True, "x", "nan", None)] == [
        1.5, 2.0, 1.5, 3.0, 2.5, None, None, None, None
    ]  # fmt: skip


def test_cli_and_api(
    drops: Engine, db_url: str, client: TestClient, tokens: dict[str, str]
) -> None:
    result = CliRunner().invoke(app, ["--db", db_url, "profile", "--failure-mode",
                                      "screen_crack", "--attribute", "drop_height_m",
                                      "--below", "1.0", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    response = client.get("/api/v1/profile?failure_mode=screen_crack&attribute=drop_height_m"
                          "&below=1.0", headers=headers)  # fmt: skip
    assert response.json() == json.loads(result.output)
    table = CliRunner().invoke(app, ["--db", db_url, "profile", "--failure-mode",
                                     "screen_crack", "--attribute", "drop_height_m",
                                     "--below", "1.0"])  # fmt: skip
    assert "60% of screen_crack cases at drop_height_m under 1.0" in table.output
    empty = client.get("/api/v1/profile?failure_mode=none&attribute=a", headers=headers)
    assert empty.json()["count"] == 0 and empty.json()["histogram"] == []
    infinite = client.get("/api/v1/profile?failure_mode=none&attribute=a&below=inf",
                          headers=headers)  # fmt: skip
    assert infinite.status_code == 422
