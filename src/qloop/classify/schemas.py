"""Pydantic shapes of the classify API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qloop.intake.schemas import CaseSummary, CleanInput

MAX_TEXT = 20_000
MAX_BATCH = 10_000


class ClassificationRead(BaseModel):
    """What the classifier says about one text (the same keys as ``qloop classify``)."""

    category: str | None
    category_confidence: float
    failure_mode: str | None
    severity: str
    severity_reasons: list[str]
    model: str = Field(description='"rules", or "trained:<version>" when a model is blended in')


class BatchItem(CleanInput):
    id: str | None = Field(default=None, max_length=200)
    text: str = Field(max_length=MAX_TEXT)


class BatchRequest(BaseModel):
    items: list[BatchItem] = Field(max_length=MAX_BATCH)


class BatchAnswer(ClassificationRead):
    id: str | None


class BatchRead(BaseModel):
    items: list[BatchAnswer]


class ReviewPage(BaseModel):
    items: list[CaseSummary]
    total: int
    threshold: float


class ReviewDecision(CleanInput):
    """Confirm (the same category) or correct a case's automatic category."""

    category: str = Field(min_length=1, max_length=100)
    severity: str | None = None
    failure_mode: str | None = Field(default=None, max_length=100)
