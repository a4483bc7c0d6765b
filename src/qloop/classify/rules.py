"""The rules classifier: category, failure mode and severity from words alone.

It needs no labelled data, so it works on day one, and everything it says can
be checked: each grade carries the rule and the words that fired it. Scoring:
a stated cause ("after the update", "快递摔的") counts 2, a symptom keyword 1 (a
failure-mode keyword also for the mode), part nouns and functions merely named
0.5 in all, a lost
function ("不制冷") 1; one found term adds to a category once, with its
largest weight. The category with the
highest score wins, ties going to the one listed first in the taxonomy.
Confidence is ``s1 / (s1 + s2) * s1 / (s1 + 0.5)`` for the best and second-best
scores: high when the evidence is both strong and one-sided.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from qloop.classify.negation import clause_before, is_inability, is_negated
from qloop.classify.pattern_scripts import CJK, LATIN, pattern_script
from qloop.classify.severity_rules import GRADE_RANK, SeverityRulesSpec
from qloop.classify.terms import Entry, Found, TermFinder, has_cjk, has_latin, normalise_text
from qloop.intake.models import Severity
from qloop.taxonomy.schemas import TaxonomySpec

KEYWORD, PART, FUNCTION, CAUSE, IGNORE = "keyword", "part", "function", "cause", "ignore"
WEIGHTS = {KEYWORD: 1.0, PART: 0.5, FUNCTION: 1.0, CAUSE: 2.0}
PART_CAP = 0.5  # nouns lean towards a category; together they never outweigh one symptom
FALLBACK_CATEGORY = "other"
MAX_TEXT = 20_000  # characters read from a text; the rest of a pasted log adds nothing


@dataclass(frozen=True)
class Reason:
    """Why a grade was given: the rule and the words or facts behind it."""

    rule: str
    grade: Severity
    evidence: tuple[str, ...]

    def __str__(self) -> str:
        return reason_text(self.as_dict())

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "grade": str(self.grade), "evidence": list(self.evidence)}


def reason_text(stored: dict[str, Any]) -> str:
    """A stored reason ({"rule", "grade", "evidence"}) as the API and CLI show it."""
    evidence = stored.get("evidence") or []
    return f"{stored.get('rule')} ({stored.get('grade')}): {', '.join(map(str, evidence))}"


@dataclass(frozen=True)
class Verdict:
    """What the rules say about one text."""

    category: str | None
    category_confidence: float
    scores: dict[str, float]
    failure_mode: str | None
    severity: Severity
    reasons: tuple[Reason, ...]
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    modes: dict[str, float] = field(default_factory=dict)


def category_confidence(scores: dict[str, float]) -> float:
    ranked = sorted(scores.values(), reverse=True)
    if not ranked or ranked[0] <= 0:
        return 0.0
    best, second = ranked[0], (ranked[1] if len(ranked) > 1 else 0.0)
    return round(best / (best + second) * best / (best + 0.5), 4)


class RuleClassifier:
    """Taxonomy words and severity rules compiled once, applied to many texts."""

    def __init__(self, taxonomy: TaxonomySpec, rules: SeverityRulesSpec) -> None:
        self.taxonomy = taxonomy
        self.rules = rules
        self.order = [c.code for c in taxonomy.categories]
        self.mode_category = taxonomy.category_of_mode()
        # ties go to the one listed first: ranks computed once, not per text
        self._category_rank = {code: i for i, code in enumerate(self.order)}
        self._mode_rank = {code: i for i, code in enumerate(self.mode_category)}
        self.fallback = FALLBACK_CATEGORY if FALLBACK_CATEGORY in self.order else None
        # Two scanners, so that a longer severity phrase ("不制冷") does not hide the
        # category's shorter word ("制冷") and the other way round.
        self._finders = (
            TermFinder(_taxonomy_entries(taxonomy)),
            TermFinder(_rule_entries(rules, taxonomy.ignore)),
        )
        # each pattern with the script every match of it holds (None: either), so that a
        # Chinese text skips the English patterns and an English text the Chinese ones
        self._patterns = [
            (rule.id, re.compile(pattern), pattern_script(pattern))
            for rule in rules.rules
            for pattern in rule.patterns
        ]

    def classify(self, text: str) -> Verdict:
        normal = normalise_text(text[:MAX_TEXT])
        scores: dict[str, float] = defaultdict(float)
        modes: dict[str, float] = defaultdict(float)
        words: dict[str, list[str]] = defaultdict(list)
        fired: dict[str, list[str]] = defaultdict(list)
        part_sums: dict[str, float] = defaultdict(float)
        for found in (f for finder in self._finders for f in finder.find(normal)):
            meaning = _meaning(normal, found)
            if meaning is None:
                continue
            kind, evidence = meaning
            per_category: dict[str, float] = {}
            for entry in found.entries:
                weight = entry.weight
                if entry.kind != kind:
                    if not (kind == PART and entry.kind == FUNCTION):
                        continue
                    weight = WEIGHTS[PART]  # a function named, not said to fail: a topic word
                target, _, code = entry.target.partition(":")
                if target == "rule":
                    if entry.kind != kind:
                        continue
                    if evidence not in fired[code]:
                        fired[code].append(evidence)
                    continue
                category = self.mode_category.get(code) if target == "mode" else code
                if target == "mode":
                    modes[code] += weight
                if category is not None:
                    per_category[category] = max(per_category.get(category, 0.0), weight)
            for category, weight in per_category.items():
                if kind == PART:
                    weight = min(weight, PART_CAP - part_sums[category])
                    part_sums[category] += weight
                scores[category] += weight
                if evidence not in words[category]:
                    words[category].append(evidence)
        skip = {LATIN: not has_latin(normal), CJK: not has_cjk(normal), None: False}
        for rule_id, pattern, script in self._patterns:
            if skip[script]:
                continue
            for match in pattern.finditer(normal):
                said = match.group()
                if is_negated(normal, match.start(), cjk=has_cjk(said[:1])):
                    continue  # "no burning smell" denies what the pattern describes
                if not any(said in seen or seen in said for seen in fired[rule_id]):
                    fired[rule_id].append(said)  # not again what a word already showed
        category = self._best_category(scores)
        return Verdict(
            category=category,
            category_confidence=category_confidence(scores),
            scores=dict(scores),
            failure_mode=self.best_mode(category, modes),
            severity=self._grade(fired),
            reasons=self._reasons(fired),
            evidence={c: tuple(w) for c, w in words.items()},
            modes=dict(modes),
        )

    def _best_category(self, scores: dict[str, float]) -> str | None:
        positive = [c for c in self.order if scores.get(c, 0.0) > 0]
        if not positive:
            return self.fallback
        return max(positive, key=lambda c: (scores[c], -self._category_rank[c]))

    def best_mode(self, category: str | None, modes: dict[str, float]) -> str | None:
        """The best-scoring failure mode of ``category``, if any scored."""
        candidates = [m for m, s in modes.items() if s > 0 and self.mode_category[m] == category]
        if not candidates:
            return None
        return max(candidates, key=lambda m: (modes[m], -self._mode_rank[m]))

    def _grade(self, fired: dict[str, list[str]]) -> Severity:
        grades = [rule.grade for rule in self.rules.rules if rule.id in fired]
        return max(grades, key=GRADE_RANK.__getitem__, default=self.rules.default_grade)

    def _reasons(self, fired: dict[str, list[str]]) -> tuple[Reason, ...]:
        reasons = [
            Reason(rule.id, rule.grade, tuple(fired[rule.id]))
            for rule in self.rules.rules
            if rule.id in fired
        ]
        if not reasons:
            return (Reason("default", self.rules.default_grade, ("no rule matched",)),)
        return tuple(sorted(reasons, key=lambda r: -GRADE_RANK[r.grade]))


def _meaning(normal: str, found: Found) -> tuple[str, str] | None:
    """Which kind of evidence a found term gives here, and the words to show for it."""
    kinds = {entry.kind for entry in found.entries}
    if IGNORE in kinds:
        return None
    cjk = has_cjk(found.words)
    if CAUSE in kinds and not is_negated(normal, found.start, cjk=cjk):
        return CAUSE, found.words
    if KEYWORD in kinds and not is_negated(normal, found.start, cjk=cjk):
        return KEYWORD, found.words
    if FUNCTION in kinds and is_inability(normal, found.start, cjk=cjk):
        lead = clause_before(normal, found.start)
        lead = lead[-3:] if cjk else " ".join(lead.split()[-3:])
        return FUNCTION, f"{lead} {found.words}".strip() if not cjk else lead + found.words
    if kinds & {PART, FUNCTION} and not is_negated(normal, found.start, cjk=cjk):
        return PART, found.words
    return None


def _taxonomy_entries(taxonomy: TaxonomySpec) -> Iterator[Entry]:
    for category in taxonomy.categories:
        target = f"category:{category.code}"
        yield from (Entry(KEYWORD, target, WEIGHTS[KEYWORD], t) for t in category.keywords)
        yield from (Entry(PART, target, WEIGHTS[PART], t) for t in category.parts)
        yield from (Entry(CAUSE, target, WEIGHTS[CAUSE], t) for t in category.causes)
        yield from (Entry(FUNCTION, target, WEIGHTS[FUNCTION], t) for t in category.functions)
        for mode in category.failure_modes:
            target = f"mode:{mode.code}"
            yield from (Entry(KEYWORD, target, WEIGHTS[KEYWORD], t) for t in mode.keywords)
            yield from (Entry(FUNCTION, target, WEIGHTS[FUNCTION], t) for t in mode.functions)
    yield from (Entry(IGNORE, "", 0.0, t) for t in taxonomy.ignore)


def _rule_entries(rules: SeverityRulesSpec, ignore: list[str]) -> Iterator[Entry]:
    for rule in rules.rules:
        yield from (Entry(KEYWORD, f"rule:{rule.id}", 1.0, t) for t in rule.keywords)
        yield from (Entry(FUNCTION, f"rule:{rule.id}", 1.0, t) for t in rule.functions)
    yield from (Entry(IGNORE, "", 0.0, t) for t in ignore)
