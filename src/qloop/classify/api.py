"""``/api/v1/classify`` for other systems, and the review queue's JSON twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from qloop.classify import review, service
from qloop.classify.schemas import (
    MAX_TEXT,
    BatchAnswer,
    BatchRead,
    BatchRequest,
    ClassificationRead,
    ReviewDecision,
    ReviewPage,
)
from qloop.intake.schemas import CaseSummary
from qloop.web.deps import Engineer, Offset, Reader, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["classify"])


@router.get("/classify", response_model=ClassificationRead)
def classify_text(
    text: Annotated[str, Query(max_length=MAX_TEXT)],
    session: SessionDep,
    settings: SettingsDep,
    _user: Reader,
) -> ClassificationRead:
    """Category, failure mode, severity and its reasons for one text."""
    answer = service.classify_texts(session, [text], settings)[0]
    return ClassificationRead.model_validate(answer.as_json())


@router.post("/classify", response_model=BatchRead)
def classify_batch(
    body: BatchRequest, session: SessionDep, settings: SettingsDep, _user: Reader
) -> BatchRead:
    """The same for many texts at once (up to 10,000), answered in the order given."""
    answers = service.classify_texts(session, [item.text for item in body.items], settings)
    return BatchRead(
        items=[
            BatchAnswer.model_validate({"id": item.id, **answer.as_json()})
            for item, answer in zip(body.items, answers, strict=True)
        ]
    )


@router.get("/classify/review", response_model=ReviewPage)
def review_queue(
    session: SessionDep,
    settings: SettingsDep,
    _user: Engineer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ReviewPage:
    """Automatic categories below the review threshold, least confident first."""
    threshold = settings.review_threshold
    cases, total = review.review_queue(session, threshold=threshold, limit=limit, offset=offset)
    items = [CaseSummary.model_validate(case) for case in cases]
    return ReviewPage(items=items, total=total, threshold=threshold)


@router.post("/classify/review/{case_id:path}", response_model=CaseSummary)
def review_case(
    case_id: str, body: ReviewDecision, session: SessionDep, user: Engineer
) -> CaseSummary:
    """Confirm or correct a case's category: it becomes a person's label and training data."""
    found = review.review_case(
        session,
        case_id=case_id,
        category=body.category,
        severity=body.severity,
        failure_mode=body.failure_mode,
        user=user,
    )
    return CaseSummary.model_validate(found)
