"""The severity rules file (YAML): which words and facts make a case urgent or important.

Users keep their own copy (``QLOOP_SEVERITY_RULES``); it is validated like the
taxonomy file, with errors that name the file and the key at fault.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from qloop.core.errors import InputError
from qloop.intake.models import Severity
from qloop.taxonomy.schemas import StrictSpec, Terms, clean_terms, parse_yaml_document

GRADE_RANK = {Severity.GENERAL: 0, Severity.IMPORTANT: 1, Severity.URGENT: 2}


class RuleSpec(StrictSpec):
    id: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_]+$")
    grade: Severity
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(min_length=1, max_length=200)
    keywords: Terms = Field(default_factory=list)
    functions: Terms = Field(default_factory=list)
    #: regular expressions (Python syntax) over the normalised text: lower case,
    #: contractions spelled out ("won't" -> "will not"); a match negated by the words
    #: before it ("no burning smell") does not count
    patterns: list[str] = Field(default_factory=list)

    _terms = field_validator("keywords", "functions", mode="before")(
        lambda cls, value: clean_terms(value or [])
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(
                    f"pattern {pattern!r} is not a valid regular expression: {error}"
                ) from None
        return patterns


class FactsSpec(StrictSpec):
    soon_after_repair_days: int = Field(default=30, ge=0, le=3650)
    repeat_repair_days: int = Field(default=180, ge=0, le=3650)


class EscalationSpec(StrictSpec):
    cases: int = Field(default=5, ge=2, le=10_000)
    days: int = Field(default=7, ge=1, le=365)
    grade: Severity = Severity.IMPORTANT


class SeverityRulesSpec(StrictSpec):
    format: Literal["qloop-severity-rules"] = "qloop-severity-rules"
    version: Literal[1] = 1
    default_grade: Severity = Severity.GENERAL
    rules: list[RuleSpec] = Field(default_factory=list)
    facts: FactsSpec = Field(default_factory=FactsSpec)
    escalation: EscalationSpec = Field(default_factory=EscalationSpec)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[RuleSpec]) -> list[RuleSpec]:
        ids = [rule.id for rule in rules]
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        if doubled:
            raise ValueError(f"rule ids must be unique: {', '.join(doubled)}")
        return rules

    def rule(self, rule_id: str) -> RuleSpec | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


@cache
def default_rules_text() -> str:
    """The shipped rules' text (read once: pages name the rules on every request)."""
    return resources.files("qloop.classify").joinpath("data/severity_rules.yaml").read_text("utf-8")


def load_severity_rules(path: Path | None) -> tuple[SeverityRulesSpec, str, str]:
    """The rules in use, their YAML text and where they came from (a path or "default").

    The file is read on every call (an edit takes effect at once) but parsed only
    when its text changed: pages show reasons with the rules' names on every request.
    """
    if path is None:
        text, source = default_rules_text(), "default"
    else:
        try:
            text, source = path.read_text(encoding="utf-8-sig"), str(path)
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot be read: {error}", file=str(path)) from None
    return _parsed(text, source), text, source


@lru_cache(maxsize=8)
def _parsed(text: str, source: str) -> SeverityRulesSpec:
    return parse_yaml_document(text, source=source, model=SeverityRulesSpec)
