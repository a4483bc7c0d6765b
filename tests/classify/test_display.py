"""Classification results as pages show them, in both languages."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from qloop.classify.display import Display
from qloop.core.db import session_scope
from qloop.core.settings import Settings


def test_names_reasons_and_duplicates_in_both_languages(engine: Engine) -> None:
    stored = [
        {"rule": "safety_hazard", "grade": "urgent", "evidence": ["冒烟", "焦味"]},
        {
            "rule": "soon_after_repair",
            "grade": "important",
            "evidence": ["repair R1 closed 3 days before"],
        },
        {"rule": "default", "grade": "general", "evidence": ["no rule matched"]},
    ]
    with session_scope(engine) as session:
        english = Display(session, Settings(), "en")
        chinese = Display(session, Settings(), "zh_CN")
        assert (english.taxon("electrical"), chinese.taxon("electrical")) == (
            "Electrical failure",
            "电气故障",
        )
        assert chinese.taxon("battery_swelling") == "电池鼓包"
        assert chinese.taxon("made_up_code") == "made_up_code" and chinese.taxon(None) == ""
        shown = [(r.name, r.evidence) for r in chinese.reasons(stored)]
        assert shown == [
            ("安全隐患", "冒烟、焦味"),
            ("维修后不久再次故障", "repair R1 closed 3 days before"),
            ("无紧急或重要信号", ""),  # the default reason adds no evidence
        ]
        assert [r.name for r in english.reasons(stored)][:2] == [
            "Safety hazard",
            "Failed soon after a repair",
        ]
        reason = "same serial and failure mode screen_crack, 9 days later"
        assert english.duplicate(reason) == reason
        assert chinese.duplicate(reason) == "同一序列号、同一故障模式（屏幕/玻璃破裂），9 天后"
        assert chinese.duplicate("near-identical text (96%) from the same customer") == (
            "同一客户的几乎相同文本（相似度 96%）"
        )
