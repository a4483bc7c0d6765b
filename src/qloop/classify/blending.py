"""Choosing how much a trained model should count next to the rules, from held-out cases.

Out-of-fold probabilities (each text predicted by a model that did not see it)
are blended with the rules' verdicts at weights 0, 0.1, ..., 1; the weight with
the best accuracy wins, the smaller weight on a tie, so the explainable rules
keep the lead until the model earns it. The model-alone figures are those of
``cross_validate_model`` (same folds, same seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from qloop.classify.classifier import blend
from qloop.classify.model import fit_text_model
from qloop.classify.rules import RuleClassifier

WEIGHTS = tuple(round(w * 0.1, 1) for w in range(11))


@dataclass(frozen=True)
class BlendReport:
    folds: int
    samples: int
    model_accuracy: float
    model_macro_f1: float
    rules_accuracy: float
    blend_weight: float
    blended_accuracy: float


def choose_blend_weight(
    texts: Sequence[str],
    labels: Sequence[str],
    rules: RuleClassifier,
    *,
    folds: int,
    seed: int = 0,
) -> BlendReport:
    """Cross-validate the model and pick its blend weight (see the module docstring)."""
    truth = list(labels)
    verdicts = [rules.classify(text) for text in texts]
    model_guess = [""] * len(texts)
    blended: dict[float, list[str]] = {w: [""] * len(texts) for w in WEIGHTS}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(texts)), truth):
        model = fit_text_model([texts[i] for i in train], [truth[i] for i in train], seed=seed)
        probabilities = model.predict_proba([texts[i] for i in test])
        for index, row in zip(test, probabilities, strict=True):
            model_guess[index] = model.labels[int(np.argmax(row))]
            for weight in WEIGHTS:
                blended[weight][index] = blend(
                    verdicts[index], rules.order, model.labels, row, weight
                )[0]
    scores = {w: float(accuracy_score(truth, guess)) for w, guess in blended.items()}
    best = max(WEIGHTS, key=lambda w: (scores[w], -w))
    rules_guess = [v.category or "" for v in verdicts]
    return BlendReport(
        folds=folds,
        samples=len(texts),
        model_accuracy=float(accuracy_score(truth, model_guess)),
        model_macro_f1=float(
            f1_score(
                truth, model_guess, labels=sorted(set(truth)), average="macro", zero_division=0.0
            )
        ),
        rules_accuracy=float(accuracy_score(truth, rules_guess)),
        blend_weight=best,
        blended_accuracy=scores[best],
    )
