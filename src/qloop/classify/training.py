"""Training the category model on the cases people labelled.

The training data is every case whose category a person set or confirmed
(the review queue's one-click confirmations included); ``include_imported``
adds categories that came in import files, for teams whose old system already
holds labelled history. Figures are cross-validated before the final model is
fitted on all of it, so what is reported is what to expect on new cases: the
model alone (accuracy, macro-F1), the rules alone on the same cases, and the
blend at the weight cross-validation chose (``blending``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qloop.classify.blending import choose_blend_weight
from qloop.classify.grading import case_words
from qloop.classify.model import fit_text_model
from qloop.classify.models import ClassifierModel
from qloop.classify.service import rule_classifier
from qloop.core.errors import InputError
from qloop.intake.models import Case, SetBy

MIN_PER_CATEGORY = 2


def training_data(session: Session, *, include_imported: bool) -> tuple[list[str], list[str]]:
    """Texts and categories of the labelled cases, oldest first."""
    sources = [SetBy.USER, SetBy.IMPORTED] if include_imported else [SetBy.USER]
    rows = session.scalars(
        select(Case)
        .where(Case.category.is_not(None), Case.category_set_by.in_(sources))
        .order_by(Case.id)
    )
    texts, labels = [], []
    for case in rows:
        text = case_words(case)
        if text.strip() and case.category:
            texts.append(text)
            labels.append(case.category)
    return texts, labels


def train_model(
    session: Session,
    *,
    folds: int = 5,
    include_imported: bool = False,
    user_name: str,
    at: dt.datetime | None = None,
) -> ClassifierModel:
    """Cross-validate, fit and store a new model version; raise InputError when data is short."""
    texts, labels = training_data(session, include_imported=include_imported)
    counts = Counter(labels)
    usable = {label for label, count in counts.items() if count >= MIN_PER_CATEGORY}
    if len(usable) < 2:
        raise InputError(
            f"not enough labelled cases to train: {len(texts)} cases in {len(counts)} categories; "
            f"need at least two categories with {MIN_PER_CATEGORY} cases each "
            "(confirm cases in the review queue, or use --include-imported)"
        )
    kept = [(t, label) for t, label in zip(texts, labels, strict=True) if label in usable]
    texts, labels = [t for t, _ in kept], [label for _, label in kept]
    folds = min(folds, min(Counter(labels).values()))
    report = choose_blend_weight(texts, labels, rule_classifier(session), folds=folds)
    model = fit_text_model(texts, labels)
    version = (session.scalar(select(func.max(ClassifierModel.version))) or 0) + 1
    stored = ClassifierModel(
        version=version,
        trained_at=at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        trained_by=user_name,
        samples=report.samples,
        folds=report.folds,
        cv_accuracy=report.model_accuracy,
        cv_macro_f1=report.model_macro_f1,
        blend_weight=report.blend_weight,
        cv_blended_accuracy=report.blended_accuracy,
        rules_accuracy=report.rules_accuracy,
        labels=list(model.labels),
        document=model.to_document(),
    )
    session.add(stored)
    session.flush()
    return stored


def summary(stored: ClassifierModel) -> dict[str, Any]:
    """What ``qloop classify train --format json`` prints about a model."""
    return {
        "version": stored.version,
        "model": f"trained:{stored.version}",
        "trained_at": stored.trained_at.isoformat(),
        "trained_by": stored.trained_by,
        "samples": stored.samples,
        "folds": stored.folds,
        "cv_accuracy": round(stored.cv_accuracy, 4),
        "cv_macro_f1": round(stored.cv_macro_f1, 4),
        "blend_weight": stored.blend_weight,
        "cv_blended_accuracy": round(stored.cv_blended_accuracy, 4),
        "rules_accuracy": round(stored.rules_accuracy, 4),
        "labels": stored.labels,
    }
