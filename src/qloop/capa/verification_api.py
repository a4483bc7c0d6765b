"""``GET /api/v1/verify-effect``: the same answer as ``qloop verify-effect --format json``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from qloop.capa.effect_terms import DEFAULT_TARGET_REDUCTION, MAX_WINDOW_DAYS, Cohort
from qloop.capa.verification import verify_change
from qloop.web.deps import Reader, SessionDep

router = APIRouter(prefix="/api/v1", tags=["capa"])


@router.get("/verify-effect", response_model=dict[str, Any])
def get_verify_effect(
    session: SessionDep,
    _user: Reader,
    failure_mode: Annotated[str, Query(min_length=1, max_length=100)],
    product: Annotated[str, Query(min_length=1, max_length=100)],
    change_date: dt.date,
    window_days: Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS)] = 90,
    cohort: Cohort = Cohort.PRODUCTION,
    as_of: dt.date | None = None,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
    target_reduction: Annotated[float, Query(gt=0, le=1)] = DEFAULT_TARGET_REDUCTION,
) -> dict[str, Any]:
    """Failure rates before and after ``change_date``, their exact rate ratio and verdict."""
    return verify_change(
        session, failure_mode=failure_mode, product=product, change_date=change_date,
        window_days=window_days, cohort=cohort, as_of=as_of, confidence=confidence,
        target_reduction=target_reduction,
    ).as_json()  # fmt: skip
