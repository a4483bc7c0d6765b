"""The learned half of the case classifier: problem texts in Chinese and English → labels.

Customers write "充电5分钟就断了", "screen cracked after drop" or "iPhone屏幕碎了", so a text
is split into two feature blocks, each a TF-IDF vectorizer with sublinear tf:

* ``cjk_char``: character 1-, 2- and 3-grams inside each run of Han characters. Chinese has
  no spaces and most words are two characters (屏幕, 充电), so bigrams carry most of the
  meaning; unigrams keep one-character words (漏, 碎, 卡) and help very short texts; trigrams
  catch three-character terms (充电器, 显示屏). Longer grams mostly repeat those and bloat the
  vocabulary.
* ``latin_word``: word 1- and 2-grams of the remaining text (letters and digits, lowercased),
  so "not charging" is told apart from "charging".

A multinomial logistic regression on both blocks gives one probability per label. Labels are
whatever strings the user's taxonomy holds. The model is plain data (``to_document``) and is
rebuilt from that data alone (``from_document``), safely, for untrusted documents.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from qloop.classify.model_format import (
    FeatureBlock,
    Kind,
    ModelParts,
    parse_document,
    render_document,
)

NGRAM_RANGES: Final[dict[Kind, tuple[int, int]]] = {"cjk_char": (1, 3), "latin_word": (1, 2)}
MAX_FEATURES: Final = 50_000  # per vectorizer: the most frequent terms; keeps documents small
C: Final = 10.0  # weak L2: at C=1 short, sparse texts get near-uniform probabilities
MAX_ITER: Final = 2_000

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script; punctuation splits


def _normalized(text: str) -> str:
    # NFKC folds full-width "ＵＳＢ" and "１２" into ASCII, as Chinese keyboards often type them
    return unicodedata.normalize("NFKC", text).casefold()


def cjk_char_ngrams(text: str, ngram_range: tuple[int, int] = (1, 3)) -> list[str]:
    """Character n-grams of each Han run, by n then position; grams never cross a run."""
    low, high = ngram_range
    grams: list[str] = []
    for run in _HAN_RUN.findall(_normalized(text)):
        for n in range(low, min(high, len(run)) + 1):
            grams.extend(run[start : start + n] for start in range(len(run) - n + 1))
    return grams


def latin_word_ngrams(text: str, ngram_range: tuple[int, int] = (1, 2)) -> list[str]:
    """Lowercased word n-grams outside Han runs; a Han run ends a phrase like a full stop."""
    low, high = ngram_range
    grams: list[str] = []
    for segment in _HAN_RUN.split(_normalized(text)):
        words = _WORD.findall(segment)
        for n in range(low, min(high, len(words)) + 1):
            grams.extend(" ".join(words[start : start + n]) for start in range(len(words) - n + 1))
    return grams


class _Analyzer(Protocol):
    def __call__(self, text: str, ngram_range: tuple[int, int] = ...) -> list[str]: ...


_ANALYZERS: Final[dict[Kind, _Analyzer]] = {
    "cjk_char": cjk_char_ngrams,
    "latin_word": latin_word_ngrams,
}


def _vectorizer(kind: Kind, ngram_range: tuple[int, int], **fixed: Any) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=partial(_ANALYZERS[kind], ngram_range=ngram_range),
        lowercase=False,  # the analyzers fold case themselves
        sublinear_tf=True,  # a word said three times is not three times the evidence
        min_df=1,  # a rare part name is often the best clue
        max_features=MAX_FEATURES,  # ignored when a fixed vocabulary is given
        **fixed,
    )


def build_pipeline(
    kinds: Sequence[Kind] = ("cjk_char", "latin_word"), *, seed: int = 0
) -> Pipeline:
    """The unfitted scikit-learn pipeline ``fit_text_model`` trains; exposed for evaluation."""
    union = FeatureUnion([(kind, _vectorizer(kind, NGRAM_RANGES[kind])) for kind in kinds])
    classifier = LogisticRegression(
        C=C, class_weight="balanced", max_iter=MAX_ITER, random_state=seed
    )
    return Pipeline([("features", union), ("classifier", classifier)])


def fitted_blocks(pipeline: Pipeline) -> tuple[FeatureBlock, ...]:
    """The feature blocks a fitted pipeline's vectorizers learned (vocabulary and idf)."""
    return tuple(
        FeatureBlock(
            kind=kind,
            ngram_range=NGRAM_RANGES[kind],
            vocabulary=tuple(str(term) for term in vectorizer.get_feature_names_out()),
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        )
        for kind, vectorizer in pipeline.named_steps["features"].transformer_list
    )


def block_vectorizers(
    blocks: Sequence[FeatureBlock],
) -> list[tuple[TfidfVectorizer, int, int]]:
    """A vectorizer for each block with its stored vocabulary and idf, and the block's
    columns (start, stop) in the model's feature space."""
    built, start = [], 0
    for block in blocks:
        vectorizer = _vectorizer(block.kind, block.ngram_range, vocabulary=block.vocabulary)
        vectorizer.idf_ = block.idf  # scikit-learn's supported way to reuse learned idf
        built.append((vectorizer, start, start + len(block.vocabulary)))
        start += len(block.vocabulary)
    return built


class TextModel:
    """A fitted classifier, held as plain arrays so that fitted and loaded models agree."""

    def __init__(self, parts: ModelParts) -> None:
        features = sum(len(block.vocabulary) for block in parts.blocks)
        rows = 1 if len(parts.labels) == 2 else len(parts.labels)
        if len(parts.labels) < 2:
            raise ValueError(f"a model needs at least 2 labels, got {list(parts.labels)}")
        if parts.coef.shape != (rows, features):
            raise ValueError(f"coef shape {parts.coef.shape} does not fit ({rows}, {features})")
        if parts.intercept.shape != (rows,):
            raise ValueError(f"intercept shape {parts.intercept.shape} is not ({rows},)")
        self._parts = parts
        self.labels: tuple[str, ...] = parts.labels
        self._vectorizers = block_vectorizers(parts.blocks)
        coef, intercept = parts.coef, parts.intercept
        if rows == 1:  # binary: sigmoid(s) == softmax([0, s]), so one code path serves both
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.concatenate([[0.0], intercept])
        self._weights = np.ascontiguousarray(coef.T)  # (features, labels) for sparse @ dense
        self._intercept = intercept

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> TextModel:
        """Same as ``fit_text_model``."""
        return fit_text_model(texts, labels, seed=seed)

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probabilities, shape ``(len(texts), len(labels))``, columns in ``labels`` order.

        A text with no known term scores the intercept alone, which is the class prior the
        model learned rather than an error: the caller still gets a (humble) answer.
        """
        batch = _text_list(texts)
        scores = np.tile(self._intercept, (len(batch), 1))
        if batch:  # scikit-learn refuses to transform an empty batch
            for vectorizer, start, stop in self._vectorizers:
                scores += vectorizer.transform(batch) @ self._weights[start:stop]
        scores -= scores.max(axis=1, keepdims=True)  # exp never overflows
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most probable label of each text with its probability; ties go to the first."""
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        return [
            (self.labels[column], float(probabilities[row, column]))
            for row, column in enumerate(best.tolist())
        ]

    def to_document(self) -> dict[str, Any]:
        """A JSON-ready document (see ``model_format``); floats keep 6 significant digits."""
        return render_document(self._parts)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> TextModel:
        """Rebuild a model from an untrusted document; ``ValueError`` says what is wrong."""
        return cls(parse_document(document))


def _text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):  # a str is a Sequence[str] too: one string would be n texts
        raise TypeError("pass a sequence of strings, not a single string")
    return list(texts)


def _check_training_data(texts: Sequence[str], labels: Sequence[str]) -> Counter[str]:
    if len(_text_list(texts)) != len(_text_list(labels)):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    for label in counts:
        if not isinstance(label, str) or not label:
            raise ValueError(f"labels must be non-empty strings, got {label!r}")
    if len(counts) < 2:
        raise ValueError(f"at least 2 distinct labels are needed, got {sorted(counts)}")
    return counts


def fit_text_model(texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> TextModel:
    """Fit on labelled texts; labels become ``TextModel.labels`` in sorted order.

    A vectorizer whose analyzer finds nothing in any text (an all-English history has no Han
    characters) is left out, as scikit-learn cannot fit an empty vocabulary.
    """
    _check_training_data(texts, labels)
    batch = list(texts)
    kinds = [
        kind
        for kind, ngrams in NGRAM_RANGES.items()
        if any(_ANALYZERS[kind](text, ngrams) for text in batch)
    ]
    if not kinds:
        raise ValueError("the texts hold no words or Han characters to learn from")
    pipeline = build_pipeline(kinds, seed=seed).fit(batch, list(labels))
    classifier = pipeline.named_steps["classifier"]
    blocks = fitted_blocks(pipeline)
    return TextModel(
        ModelParts(
            labels=tuple(str(label) for label in classifier.classes_),
            blocks=blocks,
            coef=np.asarray(classifier.coef_, dtype=np.float64),
            intercept=np.asarray(classifier.intercept_, dtype=np.float64),
        )
    )


@dataclass(frozen=True)
class CrossValidation:
    """How well the model predicts texts it was not trained on."""

    folds: int
    samples: int
    accuracy: float
    macro_f1: float  # every label counts equally, so a neglected rare label shows


def cross_validate_model(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0
) -> CrossValidation:
    """Stratified k-fold cross-validation of ``fit_text_model``.

    Accuracy and macro-F1 are computed once over the pooled out-of-fold predictions (every
    text predicted by the model that did not see it), not averaged over folds, which is
    steadier on small data. ``folds`` drops to the size of the rarest label when that is
    smaller, so each fold holds every label; a label with a single example cannot be
    cross-validated and raises ``ValueError`` naming it, as does having fewer than 2 labels.
    """
    counts = _check_training_data(texts, labels)
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    lonely = sorted(label for label, count in counts.items() if count < 2)
    if lonely:
        raise ValueError(f"label {lonely[0]!r} has a single example; cross-validation needs 2")
    folds = min(folds, min(counts.values()))
    batch, truth = list(texts), list(labels)
    predicted = [""] * len(batch)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(batch)), truth):
        model = fit_text_model([batch[i] for i in train], [truth[i] for i in train], seed=seed)
        for index, (label, _) in zip(test, model.predict([batch[i] for i in test]), strict=True):
            predicted[index] = label
    return CrossValidation(
        folds=folds,
        samples=len(batch),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(
            f1_score(truth, predicted, labels=sorted(counts), average="macro", zero_division=0.0)
        ),
    )
