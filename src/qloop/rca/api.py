"""``GET /api/v1/suspects``: the same answer as ``qloop suspects --format json``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from qloop.rca.service import find_suspects
from qloop.rca.time_in_service import failures_by_time_in_service
from qloop.web.deps import Reader, SessionDep

router = APIRouter(prefix="/api/v1", tags=["rca"])


@router.get("/suspects", response_model=dict[str, Any])
def get_suspects(
    session: SessionDep,
    _user: Reader,
    failure_mode: Annotated[str, Query(min_length=1, max_length=100)],
    product: Annotated[str | None, Query(max_length=100)] = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    """``{"failure_mode", "population", "failures", "suspects": [...]}``, most suspect first."""
    found = find_suspects(
        session, failure_mode=failure_mode, product=product, first=start, last=end
    )
    return found.as_json(limit)


@router.get("/suspects/time-in-service", response_model=dict[str, Any])
def get_time_in_service(
    session: SessionDep,
    _user: Reader,
    failure_mode: Annotated[str, Query(min_length=1, max_length=100)],
    attribute: Annotated[str, Query(min_length=1, max_length=200)],
    product: Annotated[str | None, Query(max_length=100)] = None,
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
    value: Annotated[list[str] | None, Query(max_length=50)] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """Failures by month in service per ``value`` (else the ``top`` values) and the rest."""
    return failures_by_time_in_service(
        session, failure_mode=failure_mode, attribute=attribute, product=product,
        first=start, last=end, values=value, top=top,
    ).as_json()  # fmt: skip


@router.get("/profile", response_model=dict[str, Any])
def get_profile(
    session: SessionDep,
    _user: Reader,
    failure_mode: Annotated[str, Query(min_length=1, max_length=100)],
    attribute: Annotated[str, Query(min_length=1, max_length=100)],
    below: Annotated[list[float] | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """Like ``qloop profile``: count, quantiles, histogram, share below each ``below``."""
    from qloop.rca.profile import profile_attribute

    return profile_attribute(
        session, failure_mode=failure_mode, attribute=attribute, below=below or []
    ).as_json()
