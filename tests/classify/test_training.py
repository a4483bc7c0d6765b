"""Training on labelled cases: figures cross-validated and checked independently, versions."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sqlalchemy.engine import Engine

from qloop.classify import service, training
from qloop.classify.blending import choose_blend_weight
from qloop.classify.classifier import blend
from qloop.classify.model import (
    TextModel,
    build_pipeline,
    cross_validate_model,
    fit_text_model,
)
from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.intake.models import Case, SetBy
from qloop.intake.upsert import register_categories

LABELLED = {
    "hydraulics": [
        "hydraulic hose burst under pressure",
        "液压管爆了",
        "hydraulic pump whines",
        "液压缸漏油",
        "pressure drops in the hydraulic circuit",
        "液压站压力上不去",
        "hydraulic fluid everywhere",
        "液压阀卡死",
        "the hydraulic ram creeps down",
        "油缸压力不稳",
    ],
    "firmware": [
        "after the firmware update it reboots",
        "固件升级后无法联网",
        "firmware version mismatch",
        "刷机失败",
        "the OTA update failed at 50%",
        "升级固件后死机",
        "bootloader locked after update",
        "固件回滚失败",
        "the controller firmware crashes",
        "更新后蓝牙连不上",
    ],
    "logistics": [
        "pallet arrived late",
        "物流太慢",
        "the courier lost the parcel",
        "快递三天没动",
        "delivery was rescheduled twice",
        "配送员没打电话",
        "shipment stuck at customs",
        "物流信息不更新",
        "the truck never came",
        "发货延迟一周",
    ],
}


def add_labelled(engine: Engine, set_by: SetBy = SetBy.USER) -> None:
    with session_scope(engine) as session:
        n = 0
        for category, texts in LABELLED.items():
            register_categories(session, {category})
            for text in texts:
                n += 1
                session.add(
                    Case(
                        case_id=f"L{n}",
                        received_at=dt.datetime(2026, 5, 1),
                        channel="hotline",
                        description=text,
                        category=category,
                        category_set_by=set_by,
                        severity="general",
                        severity_set_by=SetBy.USER,
                    )
                )


def test_training_round_trip(engine: Engine) -> None:
    add_labelled(engine)
    with session_scope(engine) as session:
        stored = training.train_model(session, folds=5, user_name="li.wei")
        version = stored.version
        texts, labels = training.training_data(session, include_imported=False)
        summary = training.summary(stored)
    assert version == 1 and summary["samples"] == 30 and summary["folds"] == 5
    assert summary["labels"] == ["firmware", "hydraulics", "logistics"]

    # the model's figures, computed independently with scikit-learn's own cross-validation
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    predicted = cross_val_predict(build_pipeline(seed=0), texts, labels, cv=splitter)
    assert summary["cv_accuracy"] == pytest.approx(accuracy_score(labels, predicted), abs=1e-4)
    assert summary["cv_macro_f1"] == pytest.approx(
        f1_score(labels, predicted, average="macro"), abs=1e-4
    )
    report = cross_validate_model(texts, labels, folds=5)
    assert summary["cv_accuracy"] == pytest.approx(report.accuracy, abs=1e-4)

    # the stored document is plain JSON, and the classifier now blends the model in
    with session_scope(engine) as session:
        model_row = service.latest_model(session)
        assert model_row is not None
        json.dumps(model_row.document)
        TextModel.from_document(model_row.document)
        classifier = service.case_classifier(session)
        answer = classifier.classify("液压管又爆了")
    assert answer.model == "trained:1"
    assert classifier.model_weight == summary["blend_weight"]
    # the default rules know none of these categories, so held-out cases favour the model
    assert summary["blend_weight"] > 0 and summary["rules_accuracy"] < summary["cv_accuracy"]
    assert answer.category == "hydraulics"

    with session_scope(engine) as session:
        assert training.train_model(session, user_name="li.wei").version == 2


def test_the_chosen_blend_weight_is_the_best_on_held_out_cases(engine: Engine) -> None:
    add_labelled(engine)
    with session_scope(engine) as session:
        texts, labels = training.training_data(session, include_imported=False)
        rules = service.rule_classifier(session)
    chosen = choose_blend_weight(texts, labels, rules, folds=5)
    # recompute the accuracy of every weight from the same folds
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    scores = {}
    probabilities: dict[int, tuple[tuple[str, ...], np.ndarray]] = {}
    for train, test in splitter.split(np.zeros(len(texts)), labels):
        model = fit_text_model([texts[i] for i in train], [labels[i] for i in train])
        for index, row in zip(test, model.predict_proba([texts[i] for i in test]), strict=True):
            probabilities[int(index)] = (model.labels, row)
    for weight in [w / 10 for w in range(11)]:
        guess = [
            blend(rules.classify(texts[i]), rules.order, *probabilities[i], weight)[0]
            for i in range(len(texts))
        ]
        scores[weight] = accuracy_score(labels, guess)
    best = max(scores.values())
    assert chosen.blended_accuracy == pytest.approx(best)
    assert chosen.blend_weight == min(w for w, s in scores.items() if s == best)
    assert chosen.rules_accuracy == pytest.approx(
        accuracy_score(labels, [rules.classify(t).category for t in texts])
    )


def test_training_needs_labels_from_people(engine: Engine) -> None:
    add_labelled(engine, set_by=SetBy.IMPORTED)
    with session_scope(engine) as session:
        with pytest.raises(InputError, match="not enough labelled cases"):
            training.train_model(session, user_name="x")
        stored = training.train_model(session, include_imported=True, user_name="x")
        assert stored.samples == 30
