"""The learned urgency signal: a model that can only raise a grade, never lower one.

Customers describe danger in open-ended ways, and the rules catch only what their words
and patterns foresee. This model, trained on labelled development texts (see
``benchmarks/train_urgency.py``), scores how likely a text describes a hazard or a stopped
line; a text the rules graded below urgent is raised to urgent at ``urgent`` or above, and
a general one to important at ``important`` or above (thresholds chosen by
leave-one-set-out validation, see the README). The grade keeps the reason
``learned_hazard_signal`` with the probability, so an engineer sees why.

Model: the category model's features (TF-IDF on Chinese character 1-3-grams and English
word 1-2-grams, :mod:`qloop.classify.model`) and scikit-learn's sigmoid-calibrated linear
SVM (``CalibratedClassifierCV``, 5 folds): the mean over the folds of
``1 / (1 + exp(a * (w . x + c) + b))``. Stored as a JSON document, read as data only::

    {"format": "qloop-urgency-model", "format_version": 1,
     "vectorizers": [... as in qloop-text-model ...],
     "heads": [{"coef": [...], "intercept": c, "sigmoid_a": a, "sigmoid_b": b}, ...],
     "thresholds": {"urgent": 0.9, "important": 0.7}, "samples": 2335}
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, ValidationError, model_validator

from qloop.classify.model_format import (
    FeatureBlock,
    Finite,
    StrictDocument,
    VectorizerDocument,
    blocks_of,
    render_blocks,
    rounded,
)

FORMAT_NAME = "qloop-urgency-model"
FORMAT_VERSION = 1
SHIPPED = "urgency_model.json.gz"


class _Head(StrictDocument):
    coef: list[Finite]
    intercept: Finite
    sigmoid_a: Finite
    sigmoid_b: Finite


class _Thresholds(StrictDocument):
    urgent: Annotated[float, Field(gt=0, le=1)]
    important: Annotated[float, Field(gt=0, le=1)]


class _UrgencyDocument(StrictDocument):
    format: Literal["qloop-urgency-model"]
    format_version: Literal[1]
    vectorizers: Annotated[list[VectorizerDocument], Field(min_length=1, max_length=2)]
    heads: Annotated[list[_Head], Field(min_length=1, max_length=20)]
    thresholds: _Thresholds
    samples: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _consistent(self) -> _UrgencyDocument:
        features = sum(len(v.vocabulary) for v in self.vectorizers)
        for index, head in enumerate(self.heads):
            if len(head.coef) != features:
                raise ValueError(f"head {index} has {len(head.coef)} weights, {features} expected")
        return self


class UrgencyModel:
    """Feature blocks, the calibrated heads, and the raise thresholds."""

    def __init__(
        self,
        *,
        blocks: tuple[FeatureBlock, ...],
        coef: NDArray[np.float64],  # (heads, features)
        intercept: NDArray[np.float64],  # (heads,)
        sigmoid: NDArray[np.float64],  # (heads, 2): a, b
        urgent_at: float,
        important_at: float,
        samples: int,
    ) -> None:
        features = sum(len(block.vocabulary) for block in blocks)
        heads = len(intercept)
        if coef.shape != (heads, features) or sigmoid.shape != (heads, 2):
            raise ValueError(f"heads do not fit {features} features: {coef.shape}, {sigmoid.shape}")
        self.blocks, self.coef, self.intercept, self.sigmoid = blocks, coef, intercept, sigmoid
        self.urgent_at, self.important_at, self.samples = urgent_at, important_at, samples
        self._vectorizers: list[tuple[Any, int, int]] | None = None

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """P(urgent) of each text: the mean of the heads' calibrated probabilities."""
        if not texts:
            return np.zeros(0)
        scores = np.tile(self.intercept, (len(texts), 1))
        for vectorizer, start, stop in self._built():
            scores += np.asarray(vectorizer.transform(list(texts)) @ self.coef[:, start:stop].T)
        exponent = np.clip(self.sigmoid[:, 0] * scores + self.sigmoid[:, 1], -500, 500)
        result: NDArray[np.float64] = (1.0 / (1.0 + np.exp(exponent))).mean(axis=1)
        return result

    def _built(self) -> list[tuple[Any, int, int]]:
        """The blocks' vectorizers, built on first use (scikit-learn loads then)."""
        if self._vectorizers is None:
            from qloop.classify.model import block_vectorizers

            self._vectorizers = list(block_vectorizers(self.blocks))
        return self._vectorizers

    def to_document(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "vectorizers": render_blocks(self.blocks),
            "heads": [
                {
                    "coef": rounded(row),
                    "intercept": float(c),
                    "sigmoid_a": float(a),
                    "sigmoid_b": float(b),
                }
                for row, c, (a, b) in zip(self.coef, self.intercept, self.sigmoid, strict=True)
            ],  # fmt: skip
            "thresholds": {"urgent": self.urgent_at, "important": self.important_at},
            "samples": self.samples,
        }


def parse_urgency_document(document: Mapping[str, Any]) -> UrgencyModel:
    """Validate an untrusted document; ``ValueError`` says what is wrong."""
    try:
        parsed = _UrgencyDocument.model_validate(dict(document))
    except (ValidationError, TypeError) as error:
        raise ValueError(f"invalid {FORMAT_NAME} document: {error}") from None
    blocks = blocks_of(parsed.vectorizers)
    return UrgencyModel(
        blocks=blocks,
        coef=np.asarray([h.coef for h in parsed.heads], dtype=np.float64),
        intercept=np.asarray([h.intercept for h in parsed.heads], dtype=np.float64),
        sigmoid=np.asarray([[h.sigmoid_a, h.sigmoid_b] for h in parsed.heads], dtype=np.float64),
        urgent_at=parsed.thresholds.urgent,
        important_at=parsed.thresholds.important,
        samples=parsed.samples,
    )


@cache
def shipped_urgency_model() -> UrgencyModel:
    """The model shipped with qloop (package data), loaded once per process."""
    raw = files("qloop.classify").joinpath("data", SHIPPED).read_bytes()
    return parse_urgency_document(json.loads(gzip.decompress(raw)))


def fit_urgency_model(
    texts: Sequence[str], urgent: Sequence[bool], *, urgent_at: float, important_at: float
) -> UrgencyModel:
    """Fit the features and the calibrated linear SVM, and keep their numbers."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from qloop.classify.model import build_pipeline, fitted_blocks

    pipeline = build_pipeline(("cjk_char", "latin_word"))
    svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0)
    pipeline.steps[-1] = ("classifier", CalibratedClassifierCV(svm, method="sigmoid", cv=5))
    pipeline.fit(list(texts), [int(flag) for flag in urgent])
    blocks = fitted_blocks(pipeline)
    heads = pipeline.named_steps["classifier"].calibrated_classifiers_
    return UrgencyModel(
        blocks=blocks,
        coef=np.vstack([h.estimator.coef_[0] for h in heads]),
        intercept=np.asarray([h.estimator.intercept_[0] for h in heads]),
        sigmoid=np.asarray([[h.calibrators[0].a_, h.calibrators[0].b_] for h in heads]),
        urgent_at=urgent_at,
        important_at=important_at,
        samples=len(texts),
    )
