"""Severity from repair facts, escalation windows and text similarity, computed by hand."""

from __future__ import annotations

import datetime as dt
import difflib

from hypothesis import given
from hypothesis import strategies as st

from qloop.classify.facts import (
    RepairFact,
    comparable_text,
    escalated,
    repair_reasons,
    similarity,
)
from qloop.classify.severity_rules import EscalationSpec, FactsSpec

T0 = dt.datetime(2026, 5, 1, 12, 0)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_soon_after_repair_and_repeat_repair() -> None:
    facts = FactsSpec(soon_after_repair_days=30, repeat_repair_days=180)
    repairs = [
        RepairFact("R1", day(-200), day(-199)),  # outside both windows
        RepairFact("R2", day(-40), day(-12)),  # opened 40 days before, closed 12 days before
    ]
    reasons = repair_reasons(day(0), repairs, facts)
    assert [(r.rule, r.grade) for r in reasons] == [
        ("soon_after_repair", "important"),
        ("repeat_repair", "important"),
    ]
    assert reasons[0].evidence == ("repair R2 closed 12 days before",)
    assert reasons[1].evidence == ("1 earlier repair(s) in 180 days",)


def test_no_repair_fact_for_old_or_later_repairs() -> None:
    facts = FactsSpec(soon_after_repair_days=30, repeat_repair_days=180)
    repairs = [
        RepairFact("R1", day(-300), day(-290)),
        RepairFact("R2", day(1), day(2)),  # after the case: says nothing about it
        RepairFact("R3", day(-5), None),  # still open: not closed soon before
    ]
    reasons = repair_reasons(day(0), repairs, facts)
    assert [r.rule for r in reasons] == ["repeat_repair"]  # only R3 was opened in the window


def test_escalation_counts_a_sliding_window_by_hand() -> None:
    rule = EscalationSpec(cases=3, days=7)
    moments = [(1, day(0)), (2, day(2)), (3, day(6.9)), (4, day(7.5)), (5, day(20))]
    # windows (t - 7 days, t]: case 3 sees 1, 2, 3; case 4 sees 2, 3, 4 (case 1 is 7.5 days
    # old); case 5 sees itself only
    assert escalated(moments, rule) == {3: 3, 4: 3}
    assert escalated(moments, EscalationSpec(cases=4, days=7)) == {}
    assert escalated(list(reversed(moments)), rule) == {3: 3, 4: 3}  # order of input is free


def test_escalation_window_edge_is_exclusive() -> None:
    rule = EscalationSpec(cases=2, days=7)
    assert escalated([(1, day(0)), (2, day(7))], rule) == {}  # exactly 7 days apart
    assert escalated([(1, day(0)), (2, day(6.99))], rule) == {2: 2}


def test_similarity_matches_difflib_on_comparable_text() -> None:
    a = comparable_text("屏幕碎了，请尽快处理！")
    b = comparable_text("屏幕碎了 请尽快处理")
    assert a == b == "屏幕碎了请尽快处理"
    assert similarity(a, b) == 1.0
    c, d = comparable_text("The dryer won't heat."), comparable_text("the dryer wont heat")
    expected = difflib.SequenceMatcher(None, c, d, autojunk=False).ratio()
    assert similarity(c, d) == expected
    assert similarity("abc", "xyz", at_least=0.9) == 0.0
    assert similarity("", "abc") == 0.0


@given(st.text(max_size=60), st.text(max_size=60))
def test_similarity_is_exact_or_a_safe_zero(a: str, b: str) -> None:
    a, b = comparable_text(a), comparable_text(b)
    exact = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0
    got = similarity(a, b, at_least=0.8)
    assert got == exact or (got == 0.0 and exact < 0.8)
