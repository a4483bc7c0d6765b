"""Skipping the patterns and terms of the other script changes nothing but the speed.

Every text here was written for this file: none comes from the benchmark sets.
"""

from __future__ import annotations

import pytest

from qloop.classify.pattern_scripts import CJK, LATIN, pattern_script
from qloop.classify.rules import RuleClassifier
from qloop.classify.severity_rules import load_severity_rules
from qloop.taxonomy.schemas import default_taxonomy


@pytest.mark.parametrize(
    ("pattern", "script"),
    [
        (r"\bglow\w*\s+(?:red|orange)\b", LATIN),
        (r"(?<![a-z])(?:line|cell)\s?(?:已)?(?:停|瘫)", LATIN),  # needs "line" or "cell"
        (r"(?:啪|砰)的?一声", CJK),
        (r"[\u4e00-\u9fff](?:不了|不上)", CJK),
        (r"(?:燃气|\bgas\b)[^。]{0,12}(?:味|smell)", None),  # either script may match
        (r"\d+\s*ppm|浓度", None),
        (r"x?y*", None),  # may match nothing at all
        (r"[^a-z]+", None),  # a negated set
        (r"(?i)fire", None),  # case-insensitive: left alone
    ],
)
def test_the_script_every_match_needs(pattern: str, script: str | None) -> None:
    assert pattern_script(pattern) == script


def test_skipping_the_other_script_gives_identical_verdicts() -> None:
    fast = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])
    slow = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])
    slow._patterns = [(rule, pattern, None) for rule, pattern, _ in slow._patterns]
    for finder in slow._finders:
        finder._latin_only = finder._cjk_only = finder._scanner
    texts = [
        "插座冒烟了，还有一股焦味",
        "The charger smells of burning plastic and the plug went brown",
        "没有冒烟也没有 burning smell，就是不出风",
        "app打不开，更新后一直闪退",
        "客户的assembly line停了，PLC update以后",
        "3D打印机喷头堵了",
        "123456",
        "",
        "!!! ??? 。。。",
        "Café owner says the espresso machine gave him a tingle",
        "ＦＩＲＥ 🔥 这价格",
    ]
    for text in texts:
        assert fast.classify(text) == slow.classify(text), text
