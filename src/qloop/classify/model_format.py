"""The JSON document of a text model: strict validation of untrusted input, and rendering.

A model document may come from anywhere (an upload, a file another site sent), so it is read
as data only: no pickle, no code, and every field is checked for type, shape and finiteness
before a single number reaches numpy. The document is version 1 of ``qloop-text-model``::

    {"format": "qloop-text-model", "format_version": 1,
     "labels": ["cosmetic", "electrical", ...],            # probability columns, in order
     "vectorizers": [                                       # feature columns, in this order
        {"kind": "cjk_char", "ngram_range": [1, 3],
         "vocabulary": ["屏", "屏幕", ...], "idf": [2.5, 1.7, ...]},
        {"kind": "latin_word", "ngram_range": [1, 2], "vocabulary": [...], "idf": [...]}],
     "coef": [[...], ...],       # one row per label (a single row when there are 2 labels)
     "intercept": [...]}         # one value per coef row

TF-IDF settings that version 1 fixes rather than stores: sublinear tf (1 + log tf), smoothed
idf as given, each vectorizer's block l2-normalised on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

FORMAT_NAME = "qloop-text-model"
FORMAT_VERSION = 1
MAX_NGRAM = 5  # longer n-grams never help on short complaints and only grow the vocabulary
SIGNIFICANT_DIGITS = 6  # ~halves the document; moves probabilities by well under 1e-5

Kind = Literal["cjk_char", "latin_word"]
Finite = Annotated[float, Field(allow_inf_nan=False)]
NonEmpty = Annotated[str, Field(min_length=1)]


@dataclass(frozen=True, eq=False)
class FeatureBlock:
    """One vectorizer: its term columns and their idf weights."""

    kind: Kind
    ngram_range: tuple[int, int]
    vocabulary: tuple[str, ...]
    idf: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ModelParts:
    """Everything a prediction needs; ``coef`` is shaped as scikit-learn stores it."""

    labels: tuple[str, ...]
    blocks: tuple[FeatureBlock, ...]
    coef: NDArray[np.float64]  # (1 if 2 labels else len(labels), total features)
    intercept: NDArray[np.float64]  # (coef rows,)


class StrictDocument(BaseModel):
    # strict: "1.5" is not a number, true is not 1; extra keys are mistakes, not extensions
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class VectorizerDocument(StrictDocument):
    kind: Kind
    ngram_range: Annotated[list[int], Field(min_length=2, max_length=2)]
    vocabulary: Annotated[list[NonEmpty], Field(min_length=1)]
    idf: list[Annotated[float, Field(allow_inf_nan=False, gt=0)]]

    @model_validator(mode="after")
    def _consistent(self) -> VectorizerDocument:
        low, high = self.ngram_range
        if not 1 <= low <= high <= MAX_NGRAM:
            raise ValueError(f"ngram_range must satisfy 1 <= min <= max <= {MAX_NGRAM}")
        _require_unique(self.vocabulary, "vocabulary term")
        if len(self.idf) != len(self.vocabulary):
            raise ValueError(f"{len(self.idf)} idf values for {len(self.vocabulary)} terms")
        return self


class _ModelDocument(StrictDocument):
    format: Literal["qloop-text-model"]
    format_version: int
    labels: Annotated[list[NonEmpty], Field(min_length=2)]
    vectorizers: Annotated[list[VectorizerDocument], Field(min_length=1, max_length=2)]
    coef: Annotated[list[list[Finite]], Field(min_length=1)]
    intercept: list[Finite]

    @model_validator(mode="after")
    def _consistent(self) -> _ModelDocument:
        _require_unique(self.labels, "label")
        _require_unique([vectorizer.kind for vectorizer in self.vectorizers], "vectorizer kind")
        rows = 1 if len(self.labels) == 2 else len(self.labels)
        features = sum(len(vectorizer.vocabulary) for vectorizer in self.vectorizers)
        if len(self.coef) != rows:
            raise ValueError(f"coef has {len(self.coef)} rows, {rows} expected")
        for index, row in enumerate(self.coef):
            if len(row) != features:
                raise ValueError(f"coef row {index} has {len(row)} values, {features} expected")
        if len(self.intercept) != rows:
            raise ValueError(f"intercept has {len(self.intercept)} values, {rows} expected")
        return self


def _require_unique(values: Sequence[str], what: str) -> None:
    repeated = [value for value, count in Counter(values).items() if count > 1]
    if repeated:
        raise ValueError(f"duplicate {what} {repeated[0]!r}")


def parse_document(document: Mapping[str, Any]) -> ModelParts:
    """Validate an untrusted document; any fault raises ``ValueError`` saying where and why."""
    if not isinstance(document, Mapping):
        raise ValueError(f"a model document is a JSON object, not {type(document).__name__}")
    if document.get("format") != FORMAT_NAME:
        raise ValueError(f"not a {FORMAT_NAME} document (format is {document.get('format')!r})")
    version = document.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:  # true == 1 and 1.0 == 1
        raise ValueError(f"unsupported format_version {version!r}; expected {FORMAT_VERSION}")
    try:
        parsed = _ModelDocument.model_validate(dict(document))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'document'}: {problem['msg']}"
            for problem in error.errors()[:5]
        )
        raise ValueError(f"invalid {FORMAT_NAME} document: {problems}") from None
    blocks = blocks_of(parsed.vectorizers)
    coef = np.asarray(parsed.coef, dtype=np.float64).reshape(len(parsed.coef), -1)
    return ModelParts(
        tuple(parsed.labels), blocks, coef, np.asarray(parsed.intercept, dtype=np.float64)
    )


def render_document(parts: ModelParts) -> dict[str, Any]:
    """The JSON-ready document of a model; floats keep ``SIGNIFICANT_DIGITS`` digits."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "labels": list(parts.labels),
        "vectorizers": render_blocks(parts.blocks),
        "coef": [rounded(row) for row in parts.coef],
        "intercept": rounded(parts.intercept),
    }


def blocks_of(vectorizers: Sequence[VectorizerDocument]) -> tuple[FeatureBlock, ...]:
    """The feature blocks of validated ``vectorizers`` documents."""
    return tuple(
        FeatureBlock(
            kind=vectorizer.kind,
            ngram_range=(vectorizer.ngram_range[0], vectorizer.ngram_range[1]),
            vocabulary=tuple(vectorizer.vocabulary),
            idf=np.asarray(vectorizer.idf, dtype=np.float64),
        )
        for vectorizer in vectorizers
    )


def render_blocks(blocks: Sequence[FeatureBlock]) -> list[dict[str, Any]]:
    """The ``vectorizers`` part of a document."""
    return [
        {
            "kind": block.kind,
            "ngram_range": list(block.ngram_range),
            "vocabulary": list(block.vocabulary),
            "idf": rounded(block.idf),
        }
        for block in blocks
    ]


def rounded(values: NDArray[np.float64]) -> list[float]:
    return [float(f"{value:.{SIGNIFICANT_DIGITS}g}") for value in values.tolist()]
