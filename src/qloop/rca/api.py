"""``GET /api/v1/suspects``: the same answer as ``qloop suspects --format json``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from qloop.rca.service import find_suspects
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
