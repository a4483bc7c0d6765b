"""How classification results read on a page, in the reader's language.

Category and failure-mode names come from the taxonomy, rule names from the
severity rules file, and the fact-based reasons (repairs, escalation) from the
translation catalog, so a Chinese reader sees 安全隐患: 冒烟 where the API says
``safety_hazard (urgent): 冒烟``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from qloop.classify.severity_rules import load_severity_rules
from qloop.core import i18n
from qloop.core.errors import InputError
from qloop.core.settings import Settings
from qloop.taxonomy.service import category_labels


@dataclass(frozen=True)
class ShownReason:
    rule: str
    grade: str
    name: str
    evidence: str


class Display:
    """Names for codes and readable reasons, for one page in one language."""

    def __init__(self, session: Session, settings: Settings, locale: str) -> None:
        self.chinese = locale.startswith("zh")
        self._names = category_labels(session)
        self._label = i18n.label_for(locale)
        try:
            rules = load_severity_rules(settings.severity_rules)[0].rules
        except InputError:  # a broken rules file is reported by classification, not here
            rules = []
        self._rule_names = {r.id: (r.name_zh if self.chinese else r.name_en) for r in rules}

    def taxon(self, code: str | None) -> str:
        """A category's or failure mode's name in the reader's language; the code otherwise."""
        if not code:
            return ""
        english, chinese = self._names.get(code, (None, None))
        return (chinese if self.chinese else english) or english or code

    def reasons(self, stored: list[dict[str, Any]] | None) -> list[ShownReason]:
        shown = []
        for reason in stored or []:
            rule = str(reason.get("rule", ""))
            name = self._rule_names.get(rule) or self._label(rule)
            evidence = "、".join if self.chinese else ", ".join
            words = [] if rule == "default" else reason.get("evidence") or []  # says nothing more
            shown.append(
                ShownReason(
                    rule=rule,
                    grade=str(reason.get("grade", "")),
                    name=name,
                    evidence=evidence(str(e) for e in words),
                )
            )
        return shown

    def duplicate(self, reason: str | None) -> str:
        """A duplicate link's reason (stored in English, as the API gives it) for the reader."""
        if not reason or not self.chinese:
            return reason or ""
        same_serial = _SAME_SERIAL.fullmatch(reason)
        if same_serial:
            mode, days = same_serial.groups()
            return f"同一序列号、同一故障模式（{self.taxon(mode)}），{days} 天后"
        same_text = _SAME_TEXT.fullmatch(reason)
        if same_text:
            return f"同一客户的几乎相同文本（相似度 {same_text.group(1)}）"
        return reason

    def helpers(self) -> dict[str, Callable[..., Any]]:
        """What templates call: ``taxon(code)``, ``reasons(case.severity_reasons)`` and
        ``duplicate(case.duplicate_reason)``."""
        return {"taxon": self.taxon, "reasons": self.reasons, "duplicate": self.duplicate}


# the two reasons ``grading.flag_duplicates`` writes
_SAME_SERIAL = re.compile(r"same serial and failure mode (\S+), (\d+) days later")
_SAME_TEXT = re.compile(r"near-identical text \((\d+%)\) from the same customer")
