"""Rules and a trained model together: what ``qloop classify`` answers for a text.

The rules give a category distribution too: their scores, smoothed and
normalised. A trained model's probabilities are blended in with the weight
chosen when it was trained (the one that classified held-out cases best, see
``training``); a category the model never saw gets only the rules' share.
Severity comes from the rules, because a grade must be explainable; the learned urgency
signal (:mod:`qloop.classify.urgency`) may only raise it, and says so in the reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from qloop.classify.rules import Reason, RuleClassifier, Verdict
from qloop.intake.models import Severity

if TYPE_CHECKING:  # scikit-learn loads in a second; rules-only work should not wait for it
    from qloop.classify.model import TextModel
    from qloop.classify.urgency import UrgencyModel

RAISED_BY_SIGNAL = "learned_hazard_signal"

SMOOTHING = 0.5


@dataclass(frozen=True)
class Classification:
    """The answer for one text, in the shape the CLI and the API return."""

    category: str | None
    category_confidence: float
    failure_mode: str | None
    severity: Severity
    severity_reasons: tuple[Reason, ...]
    model: str

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "category_confidence": self.category_confidence,
            "failure_mode": self.failure_mode,
            "severity": str(self.severity),
            "severity_reasons": [str(reason) for reason in self.severity_reasons],
            "model": self.model,
        }


class CaseClassifier:
    """Classifies texts with the rules, blended with a trained model when there is one."""

    def __init__(
        self,
        rules: RuleClassifier,
        model: TextModel | None = None,
        *,
        model_version: int | None = None,
        model_weight: float = 0.5,
        urgency: UrgencyModel | None = None,
    ) -> None:
        self.rules = rules
        self.urgency = urgency
        self.model = model
        self.model_name = f"trained:{model_version}" if model is not None else "rules"
        self.model_weight = model_weight if model is not None else 0.0

    def classify(self, text: str) -> Classification:
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        verdicts = [self.rules.classify(text) for text in texts]
        if self.model is None or not texts:
            answers = [self._from_rules(v) for v in verdicts]
        else:
            probabilities = self.model.predict_proba(list(texts))
            answers = [
                self._blended(verdict, row)
                for verdict, row in zip(verdicts, probabilities, strict=True)
            ]
        if self.urgency is None or not texts:
            return answers
        chances = self.urgency.probabilities(list(texts)).tolist()
        return [self._raised(a, p) for a, p in zip(answers, chances, strict=True)]

    def _raised(self, answer: Classification, chance: float) -> Classification:
        """The grade raised where the learned signal is strong enough; never lowered."""
        assert self.urgency is not None
        if answer.severity is not Severity.URGENT and chance >= self.urgency.urgent_at:
            grade = Severity.URGENT
        elif answer.severity is Severity.GENERAL and chance >= self.urgency.important_at:
            grade = Severity.IMPORTANT
        else:
            return answer
        kept = tuple(r for r in answer.severity_reasons if r.rule != "default")
        reason = Reason(RAISED_BY_SIGNAL, grade, (f"P(urgent)={chance:.2f}",))
        return replace(answer, severity=grade, severity_reasons=(reason, *kept))

    def _from_rules(self, verdict: Verdict) -> Classification:
        return Classification(
            category=verdict.category,
            category_confidence=verdict.category_confidence,
            failure_mode=verdict.failure_mode,
            severity=verdict.severity,
            severity_reasons=verdict.reasons,
            model=self.model_name,
        )

    def _blended(self, verdict: Verdict, model_row: np.ndarray[Any, Any]) -> Classification:
        assert self.model is not None
        category, confidence = blend(
            verdict, self.rules.order, self.model.labels, model_row, self.model_weight
        )
        return Classification(
            category=category,
            category_confidence=confidence,
            failure_mode=(
                verdict.failure_mode
                if category == verdict.category
                else self.rules.best_mode(category, verdict.modes)
            ),
            severity=verdict.severity,
            severity_reasons=verdict.reasons,
            model=self.model_name,
        )


def blend(
    verdict: Verdict,
    order: Sequence[str],
    model_labels: Sequence[str],
    model_row: np.ndarray[Any, Any],
    weight: float,
) -> tuple[str, float]:
    """Best category and its blended probability: ``weight`` x model + (1 - weight) x rules.

    When the rules found no evidence at all, the model alone decides; at weight 0 the
    rules' own answer stands. Only the taxonomy's categories (``order``) can win: a
    model trained before a category was removed must not bring it back.
    """
    if weight <= 0 and verdict.category is not None:
        return verdict.category, verdict.category_confidence
    categories = list(order)
    model_share = dict(zip(model_labels, model_row.tolist(), strict=True))
    if verdict.scores:
        rules_share = rules_distribution(verdict, categories)
        blended = {
            c: weight * model_share.get(c, 0.0) + (1 - weight) * rules_share[c] for c in categories
        }
    else:
        blended = {c: model_share.get(c, 0.0) for c in categories}
    category = max(categories, key=lambda c: (blended[c], -categories.index(c)))
    return category, round(blended[category], 4)


def rules_distribution(verdict: Verdict, categories: Sequence[str]) -> dict[str, float]:
    """The rules' scores as probabilities over ``categories``: ``(s + 0.5) / (S + 0.5 K)``.

    Additive smoothing keeps every category possible for the model to win, and the
    rules' own favourite stays the most probable.
    """
    total = sum(verdict.scores.get(c, 0.0) for c in categories) + SMOOTHING * len(categories)
    return {c: (verdict.scores.get(c, 0.0) + SMOOTHING) / total for c in categories}
