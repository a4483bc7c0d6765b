"""The rules classifier in both languages: categories, negation, functions, grades, reasons."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qloop.classify.rules import RuleClassifier, category_confidence
from qloop.classify.severity_rules import SeverityRulesSpec, load_severity_rules
from qloop.classify.terms import Entry, TermFinder, normalise_text, term_surfaces
from qloop.taxonomy.schemas import TaxonomySpec, default_taxonomy


@pytest.fixture(scope="module")
def rules() -> RuleClassifier:
    return RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])


def small(keywords: dict[str, list[str]], **rule_words: list[str]) -> RuleClassifier:
    """A classifier over a made-up taxonomy, so the assertions do not hang on the defaults."""
    taxonomy = TaxonomySpec.model_validate(
        {"categories": [{"code": code, "keywords": words} for code, words in keywords.items()]}
    )
    rules = SeverityRulesSpec.model_validate(
        {
            "rules": [
                {
                    "id": rule_id,
                    "grade": "urgent",
                    "name_en": rule_id,
                    "name_zh": rule_id,
                    "keywords": words,
                }
                for rule_id, words in rule_words.items()
            ]
        }
    )
    return RuleClassifier(taxonomy, rules)


@pytest.mark.parametrize(
    ("text", "category", "severity"),
    [
        ("手机充电时电池鼓包，后盖都顶起来了", "electrical", "urgent"),
        ("充电器冒烟了，还有一股焦味", "electrical", "urgent"),
        ("洗衣机门封漏水，地上全是水", "mechanical", "general"),
        ("The screen cracked after a 1 m drop", "mechanical", "general"),
        ("App crashes every time I open the settings", "software", "general"),
        ("Box arrived crushed and the charger was missing", "packaging", "general"),
        ("机身有一道很深的划痕", "cosmetic", "general"),
        ("说明书看不懂，不知道怎么设置定时", "usability", "general"),
        ("快递太慢了，客服也不回复", "service", "general"),
        ("The spindle vibrates and the whole production line is down", "mechanical", "urgent"),
        ("空调不制冷了", "mechanical", "important"),
        ("won't turn on at all", "electrical", "important"),
        ("修好不到一周又漏水了", "mechanical", "important"),
    ],
)
def test_default_rules_in_both_languages(
    rules: RuleClassifier, text: str, category: str, severity: str
) -> None:
    verdict = rules.classify(text)
    assert (verdict.category, verdict.severity) == (category, severity)


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("没有漏水", True),
        ("没有任何漏水", True),
        ("不漏水了", True),
        ("no leak at all", True),
        ("there is no sign of a leak", True),
        ("it doesn't leak", True),
        ("never leaked", True),
        ("没有冒烟，但是漏水", False),  # the negation ends at the clause boundary
        ("no smoke, but it leaks", False),
        ("用了不到一周就漏水", False),  # 不到 is not a negation
        ("放着不动也漏水", False),  # a single 不 three characters away negates nothing
        ("not sure why it leaks", False),
    ],
)
def test_a_negated_symptom_does_not_count(text: str, negated: bool) -> None:
    classifier = small({"leaky": ["leak*", "漏水"], "other": []})
    assert (classifier.classify(text).category == "other") is negated


def test_negated_hazards_do_not_make_a_case_urgent(rules: RuleClassifier) -> None:
    calm = rules.classify("没有冒烟也没有异味，就是充电特别慢")
    assert calm.severity == "general" and calm.category == "electrical"
    assert rules.classify("no smoke, no burning smell, it just charges slowly").severity == (
        "general"
    )
    alarmed = rules.classify("没有冒烟，但是闻到烧焦的味道")
    assert alarmed.severity == "urgent"
    assert any("烧焦" in word for reason in alarmed.reasons for word in reason.evidence)


def test_a_function_counts_only_when_said_not_to_work(rules: RuleClassifier) -> None:
    lost = rules.classify("The dryer does not heat any more")
    assert lost.severity == "important"
    assert lost.reasons[0].rule == "main_function_lost"
    assert len(lost.reasons[0].evidence) == 1 and "does not heat" in lost.reasons[0].evidence[0]
    assert rules.classify("The dryer heats well but the drum squeaks").severity == "general"
    assert rules.classify("冰箱无法制冷").severity == "important"
    assert rules.classify("冰箱制冷很好，就是门上有划痕").severity == "general"


def test_mixed_language_text(rules: RuleClassifier) -> None:
    verdict = rules.classify("iPhone 15 电池 swelling 了，back cover 被顶开")
    assert (verdict.category, verdict.failure_mode, verdict.severity) == (
        "electrical",
        "battery_swelling",
        "urgent",
    )


def test_every_grade_has_reasons(rules: RuleClassifier) -> None:
    urgent = rules.classify("Sparks came out of the socket and the plug melted")
    assert urgent.reasons[0].rule == "safety_hazard"
    assert {"sparks", "melted"} <= set(urgent.reasons[0].evidence)
    assert str(urgent.reasons[0]).startswith("safety_hazard (urgent): ")
    plain = rules.classify("the colour is a bit darker than in the photos")
    assert [(r.rule, r.grade) for r in plain.reasons] == [("default", "general")]


def test_reasons_are_listed_highest_grade_first(rules: RuleClassifier) -> None:
    verdict = rules.classify("修了两次还是不开机，今天还冒烟了")
    assert verdict.severity == "urgent"
    grades = [reason.grade for reason in verdict.reasons]
    assert grades[0] == "urgent" and set(grades[1:]) == {"important"}


def test_empty_and_very_long_text(rules: RuleClassifier) -> None:
    for text in ("", "   ", "。。。", "🙂"):
        verdict = rules.classify(text)
        assert (verdict.category, verdict.category_confidence, verdict.severity) == (
            "other",
            0.0,
            "general",
        )
    long_text = "这个产品用起来一般般。" * 5000 + "充电器冒烟了"
    verdict = rules.classify(long_text)  # beyond the first 20,000 characters: not read
    assert verdict.severity == "general"
    assert rules.classify("充电器冒烟了" + "一般般。" * 5000).severity == "urgent"


def test_ignored_phrases(rules: RuleClassifier) -> None:
    assert rules.classify("The Fire TV stick will not pair with the remote").severity != "urgent"
    assert rules.classify("客户问这是怎么回事").category != "usability"


def test_confidence_formula_by_hand() -> None:
    # s1 / (s1 + s2) * s1 / (s1 + 0.5)
    assert category_confidence({"a": 2.0, "b": 1.0}) == round(2 / 3 * 2 / 2.5, 4)
    assert category_confidence({"a": 1.0}) == round(1 * 1 / 1.5, 4)
    assert category_confidence({}) == 0.0


def test_ties_go_to_the_category_listed_first() -> None:
    classifier = small({"first": ["noise"], "second": ["rattle"]})
    assert classifier.classify("noise and rattle").category == "first"
    classifier = small({"second": ["rattle"], "first": ["noise"]})
    assert classifier.classify("noise and rattle").category == "second"


def test_english_inflections_and_wildcards() -> None:
    assert {"leak", "leaks", "leaked", "leaking"} <= term_surfaces("leak")
    assert {"stopped", "stopping"} <= term_surfaces("stop")
    assert {"smoking", "smoked"} <= term_surfaces("smoke")
    assert term_surfaces("won't start") >= {"will not start", "will not started"}
    finder = TermFinder(
        [Entry("keyword", "x", 1.0, "overheat*"), Entry("keyword", "y", 1.0, "hot")]
    )
    found = list(finder.find(normalise_text("It OVERHEATED, so hot; shot")))
    assert [f.words for f in found] == ["overheated", "hot"]  # whole words: not "shot"


def test_longest_term_wins() -> None:
    finder = TermFinder(
        [Entry("keyword", "a", 1.0, "screen"), Entry("keyword", "b", 1.0, "cracked screen")]
    )
    assert [f.words for f in finder.find("a cracked screen")] == ["cracked screen"]


def test_contractions_are_spelled_out() -> None:
    assert normalise_text("Doesn’t work, WON'T charge, cant boot") == (
        "does not work, will not charge, cannot boot"
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_a_valid_answer(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.category in RULES.order
    assert verdict.severity in ("urgent", "important", "general")
    assert 0.0 <= verdict.category_confidence <= 1.0
    assert verdict.reasons


RULES = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("电视开不了了", "important"),
        ("洗衣机转不动", "important"),
        ("这个噪音真让人受不了", "general"),  # an idiom, not a lost function
        ("晚上吵得睡不着", "general"),
        ("无法开机", "important"),
        ("客服的态度让人无法接受", "general"),
        ("the mower won't even start", "important"),
        ("It doesn't look like the photos", "general"),
        ("stuck in a boot loop since yesterday", "important"),
    ],
)
def test_generic_inability_patterns(rules: RuleClassifier, text: str, grade: str) -> None:
    assert rules.classify(text).severity == grade


def test_rule_patterns_are_checked_and_used() -> None:
    base = {"id": "slow", "grade": "important", "name_en": "Slow", "name_zh": "慢"}
    with pytest.raises(ValueError, match="not a valid regular expression"):
        SeverityRulesSpec.model_validate({"rules": [{**base, "patterns": ["(unclosed"]}]})
    spec = SeverityRulesSpec.model_validate(
        {"rules": [{**base, "patterns": [r"takes \d+ minutes"]}]}
    )
    classifier = RuleClassifier(default_taxonomy(), spec)
    verdict = classifier.classify("It takes 45 minutes to boil")
    assert verdict.severity == "important"
    assert verdict.reasons[0].evidence == ("takes 45 minutes",)
