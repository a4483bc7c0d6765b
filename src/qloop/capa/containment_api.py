"""``GET /api/v1/containment``: the answer of ``qloop containment --format json``, a page of
units at a time, and ``GET /api/v1/containment/export``: the CSV or XLSX file."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from qloop.capa.containment import affected_units, iter_affected_units
from qloop.capa.containment_export import write_containment_csv, write_containment_xlsx
from qloop.capa.containment_filter import ContainmentFilter, pair_conditions
from qloop.web.deps import Offset, Reader, SessionDep
from qloop.web.downloads import attachment

router = APIRouter(prefix="/api/v1", tags=["capa"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def containment_filter(
    product: Annotated[str, Query(min_length=1, max_length=100)],
    attribute: Annotated[list[str] | None, Query(max_length=20)] = None,
    value: Annotated[list[str] | None, Query(max_length=20)] = None,
    built_from: dt.date | None = None,
    built_to: dt.date | None = None,
    as_of: dt.date | None = None,
    failure_mode: Annotated[str | None, Query(max_length=100)] = None,
) -> ContainmentFilter:
    """The filter from the query: ``attribute`` and ``value`` repeated, paired in order."""
    return ContainmentFilter.checked(
        product=product, conditions=pair_conditions(attribute or [], value or []),
        built_from=built_from, built_to=built_to, as_of=as_of, failure_mode=failure_mode,
    )  # fmt: skip


FilterDep = Annotated[ContainmentFilter, Depends(containment_filter)]


@router.get("/containment", response_model=dict[str, Any])
def get_containment(
    session: SessionDep,
    _user: Reader,
    checked: FilterDep,
    limit: Annotated[int, Query(ge=0, le=10_000)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """``{"filter", "units", "shipped", "not_shipped", "with_cases", "by_region", "items"}``:
    the counts over all units, the items ``offset`` .. ``offset + limit`` by serial."""
    return affected_units(session, checked, limit=limit, offset=offset).as_json()


@router.get("/containment/export")
def export_containment(
    session: SessionDep,
    _user: Reader,
    checked: FilterDep,
    file_format: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "xlsx",
    lang: Literal["en", "zh"] = "en",
) -> Response:
    """Every unit as a CSV (UTF-8 with BOM) or XLSX file, headed in English or Chinese."""
    found = affected_units(session, checked, limit=0)
    items = iter_affected_units(session, checked)
    if file_format == "csv":
        text = io.StringIO(newline="")
        write_containment_csv(found, items, text, lang=lang)
        body, media = text.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    else:
        data = io.BytesIO()
        write_containment_xlsx(found, items, data, lang=lang)
        body, media = data.getvalue(), XLSX
    return attachment(body, f"containment-{checked.product}.{file_format}", media)
