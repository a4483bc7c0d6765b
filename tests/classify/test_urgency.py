"""The learned urgency signal: safe format, the same numbers as scikit-learn, raise-only."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from qloop.classify.classifier import RAISED_BY_SIGNAL, CaseClassifier
from qloop.classify.rules import RuleClassifier
from qloop.classify.service import case_classifier
from qloop.classify.severity_rules import load_severity_rules
from qloop.classify.urgency import (
    fit_urgency_model,
    parse_urgency_document,
    shipped_urgency_model,
)
from qloop.core.db import session_scope
from qloop.core.settings import Settings
from qloop.taxonomy.schemas import default_taxonomy

DATA = Path(__file__).parents[2] / "benchmarks" / "data"
HAZARD = ["插座冒烟了", "smoke from the charger", "电线烧焦味", "sparks at the plug", "漏电电到手",
          "got a shock from the case", "电池鼓包发烫", "burning smell from the fan"]  # fmt: skip
CALM = ["屏幕有划痕", "box was dented", "快递太慢了", "manual is confusing", "颜色和图片不一样",
        "app login is slow", "客服态度不好", "missing screws in the box"]  # fmt: skip


def small_model() -> Any:
    texts = HAZARD * 3 + CALM * 3
    return fit_urgency_model(texts, [t in HAZARD for t in texts], urgent_at=0.8, important_at=0.6)


def test_the_document_round_trip_keeps_scikit_learns_numbers() -> None:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from qloop.classify.model import build_pipeline

    texts = HAZARD * 3 + CALM * 3
    labels = [int(t in HAZARD) for t in texts]
    reference = build_pipeline(("cjk_char", "latin_word"))
    svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0)
    reference.steps[-1] = ("classifier", CalibratedClassifierCV(svm, method="sigmoid", cv=5))
    reference.fit(texts, labels)
    probe = ["冒烟", "the box is dented", "smoke and sparks", "完全无关的话", ""]
    expected = reference.predict_proba(probe)[:, 1]
    model = small_model()
    assert np.allclose(model.probabilities(probe), expected, rtol=0, atol=1e-9)
    loaded = parse_urgency_document(model.to_document())
    assert np.allclose(loaded.probabilities(probe), expected, rtol=0, atol=1e-5)
    assert (loaded.urgent_at, loaded.important_at, loaded.samples) == (0.8, 0.6, 48)


@pytest.mark.parametrize(
    "change",
    [
        {"format": "qloop-text-model"},
        {"format_version": 2},
        {"thresholds": {"urgent": 1.5, "important": 0.7}},
        {"samples": 0},
        {"extra": 1},
    ],
)
def test_documents_are_validated_strictly(change: dict[str, Any]) -> None:
    document = small_model().to_document() | change
    with pytest.raises(ValueError, match="qloop-urgency-model"):
        parse_urgency_document(document)


def test_a_head_that_does_not_fit_or_a_nan_is_refused() -> None:
    document = small_model().to_document()
    document["heads"][0]["coef"] = document["heads"][0]["coef"][:-1]
    with pytest.raises(ValueError, match="weights"):
        parse_urgency_document(document)
    document = small_model().to_document()
    document["heads"][0]["intercept"] = math.nan
    with pytest.raises(ValueError):
        parse_urgency_document(document)


def test_the_signal_only_raises_and_says_so() -> None:
    rules = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])
    model = small_model()
    plain, signal = CaseClassifier(rules), CaseClassifier(rules, urgency=model)
    texts = ["smoke and sparks and burning", "屏幕有划痕", "插座冒烟了还有火花"]
    chances = model.probabilities(texts)
    for text, chance, before, after in zip(
        texts, chances, plain.classify_many(texts), signal.classify_many(texts), strict=True
    ):
        rank = {"general": 0, "important": 1, "urgent": 2}
        assert rank[after.severity] >= rank[before.severity], text
        raised = after.severity != before.severity
        assert raised == any(r.rule == RAISED_BY_SIGNAL for r in after.severity_reasons)
        if chance >= model.urgent_at:
            assert after.severity == "urgent"
        if raised:
            assert f"P(urgent)={chance:.2f}" in after.as_json()["severity_reasons"][0]
            assert all(r.rule != "default" for r in after.severity_reasons)


def test_a_general_text_with_a_strong_signal_is_raised() -> None:
    rules = RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])
    text = "the thing near the outlet again"  # no rule fires on it
    assert rules.classify(text).severity == "general"
    model = small_model()
    model.urgent_at = float(model.probabilities([text])[0]) - 1e-9
    (answer,) = CaseClassifier(rules, urgency=model).classify_many([text])
    assert answer.severity == "urgent"
    assert str(answer.severity_reasons[0]).startswith("learned_hazard_signal (urgent): P(urgent)=")


def test_the_setting_turns_the_signal_off(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        assert case_classifier(session, Settings(database_url=db_url)).urgency is not None
        off = case_classifier(session, Settings(database_url=db_url, urgency_signal=False))
        assert off.urgency is None


def test_the_shipped_model_is_what_the_training_script_makes() -> None:
    rows: list[dict[str, str]] = []
    for name in ("", "2", "3", "4", "5", "6"):
        with (DATA / f"classify_dev{name}.csv").open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    shipped = shipped_urgency_model()
    assert (shipped.urgent_at, shipped.important_at, shipped.samples) == (0.9, 0.7, len(rows))
    retrained = fit_urgency_model(
        [r["text"] for r in rows], [r["severity"] == "urgent" for r in rows],
        urgent_at=0.9, important_at=0.7,
    )  # fmt: skip
    probe = [r["text"] for r in rows[::40]]
    assert np.allclose(shipped.probabilities(probe), retrained.probabilities(probe), atol=1e-5)
