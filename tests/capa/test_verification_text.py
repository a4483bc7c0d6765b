"""A verification's conclusion in words, built from its stored figures in English and
Chinese: every branch of the wording, the plan page and the 8D report in the reader's
language, and a result stored before the words were built from figures."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.capa import plans
from qloop.capa.report import build_8d
from qloop.capa.verification_text import describe, shown_message
from qloop.core.db import session_scope
from qloop.core.i18n import gettext_for
from qloop.rca.investigations import create_investigation

CHINESE = gettext_for("zh_CN")


def result(**changes: Any) -> dict[str, Any]:
    """An effective verification as ``Verification.as_json`` returns it."""
    found: dict[str, Any] = {
        "failure_mode": "crack", "product": "PX9", "change_date": "2026-01-15",
        "cohort": "production", "window_days": 90, "as_of": "2026-06-30", "confidence": 0.95,
        "before": {"units": 8822, "failures": 33, "rate": 33 / 8822},
        "after": {"units": 6339, "failures": 9, "rate": 9 / 6339},
        "excluded": {"no_cohort_date": 0, "no_ship_date": 0, "immature": 120},
        "rate_ratio": 0.3796, "reduction": 0.6204, "ci_low": 0.1611, "ci_high": 0.8087,
        "p_value": 0.0049, "verdict": "effective", "needed": None,
        "assumed_reduction": 0.6204, "immature_after": 120,
    }  # fmt: skip
    return found | changes


NEEDED = {"after_units": 12000, "more_after_units": 5661, "immature_after_units": 120,
          "before_rate": 33 / 8822, "assumed_reduction": 0.5,
          "expected_after_failures": 22}  # fmt: skip
#: one of each branch of the wording
BRANCHES = {
    "effective": result(),
    "not effective": result(
        verdict="not_effective",
        rate_ratio=1.4,
        ci_low=0.7,
        ci_high=2.6,
        p_value=0.8,
        reduction=None,
    ),  # fmt: skip
    "unbounded": result(
        verdict="not_effective",
        rate_ratio=None,
        ci_low=1.2,
        ci_high=None,
        p_value=0.01,
        before={"units": 500, "failures": 0, "rate": 0.0},
    ),  # fmt: skip
    "needed": result(verdict="not_yet_significant", ci_high=1.3, p_value=0.09, needed=NEEDED),
    "no failure before": result(
        verdict="not_yet_significant",
        ci_high=None,
        p_value=1.0,
        before={"units": 500, "failures": 0, "rate": 0.0},
    ),  # fmt: skip
    "too few before": result(
        verdict="not_yet_significant",
        ci_high=1.2,
        p_value=0.2,
        before={"units": 900, "failures": 10, "rate": 10 / 900},
        assumed_reduction=0.3,
    ),  # fmt: skip
    "too many needed": result(
        verdict="not_yet_significant", ci_high=1.01, p_value=0.03, assumed_reduction=0.32
    ),  # fmt: skip
    "none after": result(
        verdict="not_yet_significant",
        cohort="ship",
        after={"units": 0, "failures": 0, "rate": None},
    ),  # fmt: skip
    "none before": result(
        verdict="not_yet_significant", before={"units": 0, "failures": 0, "rate": None}
    ),  # fmt: skip
    "no failure": result(
        verdict="not_yet_significant",
        before={"units": 800, "failures": 0, "rate": 0.0},
        after={"units": 700, "failures": 0, "rate": 0.0},
    ),  # fmt: skip
}


def test_the_english_words_read_the_figures() -> None:
    assert describe(BRANCHES["effective"]) == (
        "crack on PX9 (built before / from 2026-01-15, 90 days in service): effective: "
        "0.37% of 8,822 before (33 failed), 0.14% of 6,339 after (9 failed); rate ratio "
        "0.380 (95% CI 0.161 to 0.809), one-sided p = 0.0049; a reduction of 62% (19% to 84%)."
    )
    assert describe(BRANCHES["none after"]) == (
        "crack on PX9 (shipped before / from 2026-01-15, 90 days in service): not yet "
        "significant: no mature unit shipped from 2026-01-15 (120 not yet mature)."
    )
    assert describe(BRANCHES["too few before"]).endswith(  # type: ignore[union-attr]
        "Against 10 failures before, no number of after-change units can show a reduction "
        "of 30%, only one above 52%; a longer window or an earlier before cohort adds failures."
    )  # 1 - L / 10, L = 4.795 the exact lower 95 % Poisson limit of 10 (the README's 52 %)
    assert describe(BRANCHES["too many needed"]).endswith(  # type: ignore[union-attr]
        "Showing a reduction of 32% would take more than 16,384 failures after the change."
    )  # above the 31 % that 33 failures before allow, but only just
    needed = describe(BRANCHES["needed"])
    assert needed is not None and needed.endswith(
        "At the before rate 0.37% and a reduction of 50%, 12,000 mature after-change units "
        "would show it (5,661 more; 120 shipped are not yet mature)."
    )
    assert "rate ratio unbounded" in describe(BRANCHES["unbounded"])  # type: ignore[operator]


def test_the_chinese_words_read_the_same_figures() -> None:
    assert describe(BRANCHES["effective"], CHINESE) == (
        "PX9 的 crack（2026-01-15 之前 / 起生产，使用 90 天）：有效：变更前 8,822 台中失效 "
        "33 台（0.37%），变更后 6,339 台中失效 9 台（0.14%）；失效率比 0.380（95% 置信区间 "
        "0.161 至 0.809），单侧 p = 0.0049；失效率降低 62%（19% 至 84%）。"
    )
    assert "还差 5,661 台" in describe(BRANCHES["needed"], CHINESE)  # type: ignore[operator]


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_every_branch_is_whole_in_both_languages(branch: str) -> None:
    english, chinese = describe(BRANCHES[branch]), describe(BRANCHES[branch], CHINESE)
    assert english and chinese and english != chinese
    for text in (english, chinese):
        assert "%(" not in text and "None" not in text
    # no English left in the Chinese words but the stored codes and the p of a p-value
    assert set(re.findall(r"[A-Za-z]+", chinese)) <= {"crack", "PX", "p"}


def test_a_result_stored_before_keeps_its_message() -> None:
    old = {key: value for key, value in result().items() if key != "immature_after"}
    assert describe(old) is None
    assert shown_message(old | {"message": "stored words"}, CHINESE) == "stored words"
    assert shown_message(None, CHINESE) is None


def test_the_plan_page_and_the_report_speak_the_readers_language(
    engine: Engine, client: TestClient
) -> None:
    stored = BRANCHES["effective"] | {"message": describe(BRANCHES["effective"])}
    with session_scope(engine) as s:
        inv = create_investigation(s, title="PX9 cracks", user_name="li.wei")
        plan = plans.create_plan(s, investigation_id=inv.id, title="Glass", user_name="li.wei")
        plans.record_verification(s, plan_id=plan.id, result=stored, user_name="li.wei")
        accounts.create_user(s, name="viewer", password="correct horse", role=Role.VIEWER)
        plan_id = plan.id
        assert build_8d(s, plan_id, "zh").verification["message"].startswith("PX9 的 crack")  # type: ignore[index]
        assert build_8d(s, plan_id, "en").verification["message"] == stored["message"]  # type: ignore[index]
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "viewer", "password": "correct horse", "csrf": token})
    chinese = client.get(f"/plans/{plan_id}", headers={"Accept-Language": "zh-CN"}).text
    assert "有效：变更前 8,822 台中失效 33 台" in chinese
    english = client.get(f"/plans/{plan_id}", headers={"Accept-Language": "en"}).text
    assert "effective: 0.37% of 8,822 before (33 failed)" in english
