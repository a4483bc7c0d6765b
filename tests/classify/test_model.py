"""The bilingual text classifier: features, fitting, cross-validation and safe documents."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from qloop.classify.model import (
    CrossValidation,
    TextModel,
    build_pipeline,
    cjk_char_ngrams,
    cross_validate_model,
    fit_text_model,
    latin_word_ngrams,
)

POWER = [
    "电池充不进电",
    "充电很慢，一晚上都充不满",
    "电池鼓包了",
    "充电器插上没反应",
    "待机一天电池就没电了",
    "battery drains overnight",
    "phone will not charge",
    "charging is very slow",
    "battery swollen after a month",
    "charger gets hot and stops charging",
]
DAMAGE = [
    "屏幕碎了",
    "屏幕有裂纹",
    "外壳漏水",
    "进水后屏幕发花",
    "摔了一下屏幕裂开",
    "screen cracked after a drop",
    "cracked glass on the back",
    "water leak inside the case",
    "the screen has a crack in the corner",
    "leak around the seal",
]
SOFTWARE = [
    "应用闪退",
    "打开app就闪退",
    "系统升级后一直死机",
    "软件卡死无法操作",
    "app 闪退 after update",
    "app crashes on start",
    "the app keeps crashing",
    "freezes after the software update",
    "app crash when opening settings",
    "software hangs and reboots",
]
TEXTS = POWER + DAMAGE + SOFTWARE
LABELS = ["power"] * len(POWER) + ["damage"] * len(DAMAGE) + ["software"] * len(SOFTWARE)
# hard cases: words of one label in a text of another, so cross-validation is not perfect
TEXTS += ["充电时屏幕闪退", "screen goes black while charging", "app says battery is cracked"]
LABELS += ["software", "power", "damage"]


@cache
def trained() -> TextModel:
    return fit_text_model(TEXTS, LABELS)


def test_cjk_grams_of_a_short_phrase() -> None:
    assert cjk_char_ngrams("屏幕碎了") == [
        *["屏", "幕", "碎", "了"],
        *["屏幕", "幕碎", "碎了"],
        *["屏幕碎", "幕碎了"],
    ]


def test_mixed_text_splits_into_han_grams_and_words() -> None:
    text = "iPhone屏幕碎了 screen cracked"
    assert cjk_char_ngrams(text) == cjk_char_ngrams("屏幕碎了")
    assert latin_word_ngrams(text) == ["iphone", "screen", "cracked", "screen cracked"]


def test_full_width_letters_and_digits_are_folded() -> None:
    assert latin_word_ngrams("ＵＳＢ接口坏了，用了３天") == ["usb", "3"]
    assert cjk_char_ngrams("ＵＳＢ", (1, 3)) == []
    assert latin_word_ngrams("Wi-Fi DROPS", (2, 2)) == ["wi fi", "fi drops"]


def test_unseen_phrasings_get_the_obvious_label() -> None:
    model = trained()
    assert model.labels == ("damage", "power", "software")
    predictions = model.predict(
        ["电池充电很慢", "手机屏幕碎了", "the battery will not charge", "app crashes again"]
    )
    assert [label for label, _ in predictions] == ["power", "damage", "power", "software"]
    assert all(probability > 0.5 for _, probability in predictions)


def test_probabilities_equal_the_scikit_learn_pipeline() -> None:
    pipeline = build_pipeline(seed=0).fit(TEXTS, LABELS)
    probe = ["充电器坏了", "screen leak", "闪退 crash", "", "zzz"]
    assert list(pipeline.classes_) == list(trained().labels)
    np.testing.assert_allclose(trained().predict_proba(probe), pipeline.predict_proba(probe))


def test_cross_validation_equals_an_independent_computation() -> None:
    result = cross_validate_model(TEXTS, LABELS, folds=5, seed=3)
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=3)
    predicted = cross_val_predict(build_pipeline(seed=3), TEXTS, LABELS, cv=splitter)
    hits = sum(p == t for p, t in zip(predicted, LABELS, strict=True))
    f1s = []
    for label in sorted(set(LABELS)):
        tp = sum(p == t == label for p, t in zip(predicted, LABELS, strict=True))
        fp = sum(p == label != t for p, t in zip(predicted, LABELS, strict=True))
        fn = sum(t == label != p for p, t in zip(predicted, LABELS, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    assert result.folds == 5
    assert result.samples == len(TEXTS)
    assert 0.5 < result.accuracy < 1  # the hard cases make a wrong split show
    assert result.accuracy == pytest.approx(hits / len(TEXTS), abs=1e-12)
    assert result.macro_f1 == pytest.approx(sum(f1s) / len(f1s), abs=1e-12)


def test_folds_shrink_to_the_rarest_label() -> None:
    texts = POWER[:8] + DAMAGE[:8] + SOFTWARE[:3]
    labels = ["power"] * 8 + ["damage"] * 8 + ["software"] * 3
    result = cross_validate_model(texts, labels, folds=10)
    assert isinstance(result, CrossValidation)
    assert (result.folds, result.samples) == (3, 19)


def test_cross_validation_refuses_what_it_cannot_measure() -> None:
    with pytest.raises(ValueError, match="'software' has a single example"):
        cross_validate_model(POWER + DAMAGE + SOFTWARE[:1], ["p"] * 10 + ["d"] * 10 + ["software"])
    with pytest.raises(ValueError, match="at least 2 distinct labels"):
        cross_validate_model(POWER, ["power"] * len(POWER))
    with pytest.raises(ValueError, match="folds must be at least 2"):
        cross_validate_model(TEXTS, LABELS, folds=1)
    with pytest.raises(ValueError, match="texts but"):
        fit_text_model(TEXTS, LABELS[:-1])
    with pytest.raises(TypeError, match="single string"):
        trained().predict_proba("屏幕碎了")  # type: ignore[arg-type]  # the mistake under test


def test_round_trip_through_json_keeps_the_probabilities() -> None:
    document = trained().to_document()
    assert document["format"] == "qloop-text-model"
    assert document["format_version"] == 1
    assert [v["kind"] for v in document["vectorizers"]] == ["cjk_char", "latin_word"]
    assert [v["ngram_range"] for v in document["vectorizers"]] == [[1, 3], [1, 2]]
    loaded = TextModel.from_document(json.loads(json.dumps(document, allow_nan=False)))
    assert loaded.labels == trained().labels
    probe = [*TEXTS, "电池 crash 漏水", "", "other words entirely"]
    # 6 significant digits in idf, coef and intercept move a probability by about 1e-6
    np.testing.assert_allclose(
        loaded.predict_proba(probe), trained().predict_proba(probe), rtol=0, atol=1e-5
    )
    assert loaded.to_document() == document  # rounding again changes nothing


Mutation = Callable[[dict[str, Any]], object]


def _set(path: tuple[Any, ...], value: object) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


BAD_DOCUMENTS: dict[str, tuple[Mutation, str]] = {
    "wrong format name": (_set(("format",), "pickle"), "not a qloop-text-model document"),
    "version 2": (_set(("format_version",), 2), "unsupported format_version 2"),
    "version as text": (_set(("format_version",), "1"), "unsupported format_version"),
    "version as bool": (_set(("format_version",), True), "unsupported format_version"),
    "extra key": (_set(("pickle",), "payload"), "pickle: Extra inputs are not permitted"),
    "extra vectorizer key": (_set(("vectorizers", 0, "lowercase"), True), "Extra inputs"),
    "missing key": (lambda d: d.pop("intercept"), "intercept: Field required"),
    "short idf": (lambda d: d["vectorizers"][0]["idf"].pop(), "idf values for"),
    "short coef row": (lambda d: d["coef"][1].pop(), "coef row 1 has"),
    "missing coef row": (lambda d: d["coef"].pop(), "coef has 2 rows, 3 expected"),
    "long intercept": (lambda d: d["intercept"].append(0.0), "intercept has 4 values"),
    "NaN coef": (_set(("coef", 0, 0), math.nan), "finite number"),
    "inf intercept": (_set(("intercept", 2), -math.inf), "finite number"),
    "inf idf": (_set(("vectorizers", 1, "idf", 0), math.inf), "finite number"),
    "negative idf": (_set(("vectorizers", 1, "idf", 0), -1.0), "greater than 0"),
    "duplicate label": (_set(("labels", 1), "damage"), "duplicate label 'damage'"),
    "duplicate term": (
        lambda d: _set(("vectorizers", 0, "vocabulary", 1), d["vectorizers"][0]["vocabulary"][0])(
            d
        ),
        "duplicate vocabulary term",
    ),
    "vocabulary as text": (_set(("vectorizers", 0, "vocabulary"), "屏幕碎了"), "valid list"),
    "vocabulary as object": (_set(("vectorizers", 0, "vocabulary"), {"a": 0}), "valid list"),
    "text for a number": (_set(("coef", 0, 0), "0.5"), "valid number"),
    "bool for a number": (_set(("intercept", 0), True), "valid number"),
    "text for ngram size": (_set(("vectorizers", 0, "ngram_range"), ["1", 3]), "valid integer"),
    "bad ngram range": (_set(("vectorizers", 0, "ngram_range"), [3, 1]), "ngram_range"),
    "unknown kind": (_set(("vectorizers", 0, "kind"), "python"), "kind"),
    "duplicate kind": (_set(("vectorizers", 1, "kind"), "cjk_char"), "duplicate vectorizer"),
    "empty term": (_set(("vectorizers", 0, "vocabulary", 0), ""), "at least 1 character"),
    "one label": (_set(("labels",), ["damage"]), "labels: List should have at least 2"),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_from_document_rejects_bad_input(case: str) -> None:
    mutate, reason = BAD_DOCUMENTS[case]
    document = copy.deepcopy(trained().to_document())
    mutate(document)
    with pytest.raises(ValueError, match=reason):
        TextModel.from_document(document)


@pytest.mark.parametrize("document", [[], "qloop-text-model", None])
def test_from_document_rejects_non_objects(document: Any) -> None:
    with pytest.raises(ValueError, match="JSON object"):
        TextModel.from_document(document)


TEXT = st.one_of(
    st.text(),
    st.text(st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF)),
    st.text(st.sampled_from([*"屏幕碎了电池充电", *"app crash ", *"\x00\x1f😀🔋\u200b"])),
    st.builds(lambda part, times: part * times, st.text(min_size=1), st.integers(500, 5000)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, max_size=6))
def test_any_text_gets_a_probability_row(texts: list[str]) -> None:
    probabilities = trained().predict_proba(texts)
    assert probabilities.shape == (len(texts), 3)
    assert np.all(np.isfinite(probabilities))
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-9)


def test_empty_text_gets_the_intercept_only_prediction() -> None:
    model = trained()
    probabilities = model.predict_proba(["", "   ", "\n\t", "，。！"])
    intercept = np.asarray(model.to_document()["intercept"])
    prior = np.exp(intercept - intercept.max()) / np.exp(intercept - intercept.max()).sum()
    np.testing.assert_allclose(probabilities, np.tile(prior, (4, 1)), atol=1e-5)
    assert model.predict_proba([]).shape == (0, 3)
    assert model.predict([]) == []


def test_binary_model() -> None:
    texts, labels = POWER + DAMAGE, ["power"] * len(POWER) + ["damage"] * len(DAMAGE)
    model = fit_text_model(texts, labels)
    assert model.labels == ("damage", "power")
    assert [label for label, _ in model.predict(["电池没电", "cracked screen"])] == [
        "power",
        "damage",
    ]
    pipeline = build_pipeline().fit(texts, labels)
    probe = ["电池没电", "cracked screen", ""]
    np.testing.assert_allclose(model.predict_proba(probe), pipeline.predict_proba(probe))
    document = json.loads(json.dumps(model.to_document()))
    assert len(document["coef"]) == 1 and len(document["intercept"]) == 1
    loaded = TextModel.from_document(document)
    np.testing.assert_allclose(loaded.predict_proba(probe), model.predict_proba(probe), atol=1e-5)


def test_english_only_history_has_no_cjk_block() -> None:
    english = [text for text in TEXTS if text.isascii()]
    labels = [label for text, label in zip(TEXTS, LABELS, strict=True) if text.isascii()]
    model = fit_text_model(english, labels)
    document = model.to_document()
    assert [v["kind"] for v in document["vectorizers"]] == ["latin_word"]
    loaded = TextModel.from_document(document)
    np.testing.assert_allclose(
        loaded.predict_proba(["屏幕碎了", "battery"]),
        model.predict_proba(["屏幕碎了", "battery"]),
        atol=1e-5,
    )
    with pytest.raises(ValueError, match="no words or Han characters"):
        fit_text_model(["", "!!"], ["a", "b"])
