"""The charts page (Plotly, served from the package) and every chart's data as CSV and JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from qloop.core.errors import NotFound
from qloop.core.json_values import json_ready
from qloop.intake.models import Product
from qloop.kpi.charts import CHARTS, chart_frame
from qloop.kpi.definitions import METRICS, Better
from qloop.reports.csv_cells import csv_cell
from qloop.web.deps import (
    PageUser,
    Reader,
    SessionDep,
    SettingsDep,
    page_context,
    render,
    request_locale,
)
from qloop.web.downloads import attachment

pages = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/api/v1", tags=["kpi"])
ProductQuery = Annotated[str | None, Query(max_length=100)]


def _records(frame: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = frame.to_dict(orient="records")
    return [{key: json_ready(value) for key, value in row.items()} for row in rows]


def _frame(session: Any, settings: Any, name: str, product: str | None) -> Any:
    if name not in CHARTS:
        raise NotFound(f"no chart {name!r} (charts: {', '.join(CHARTS)})")
    return chart_frame(session, settings, name, product or None)


@pages.get("/kpi/charts", response_class=HTMLResponse)
def charts_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    product: ProductQuery = None,
) -> HTMLResponse:
    """KPIs by month with targets, Pareto of failure modes, cohorts, region x category."""
    product = product or None
    data = {name: _records(_frame(session, settings, name, product)) for name in CHARTS}
    locale = request_locale(request, user)
    metrics = [
        {"key": m.key, "label": m.label(locale), "share": m.unit == "%"}
        for m in METRICS
        if m.better is not Better.NONE and m.key != "csat_mean"
    ]
    context = page_context(
        request,
        user,
        data=data,
        metrics=metrics,
        product=product,
        products=list(session.scalars(select(Product.code).order_by(Product.code))),
    )
    return render(request, "kpi/charts.html", context)


def _spreadsheet_safe(frame: Any) -> Any:
    """Text cells a spreadsheet would run as a formula get a leading ``'``
    (:func:`qloop.reports.csv_cells.csv_cell`, OWASP's advice)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(csv_cell)
    return safe


@pages.get("/kpi/charts/{name}.csv")
def chart_csv(
    name: str,
    session: SessionDep,
    settings: SettingsDep,
    _user: PageUser,
    product: ProductQuery = None,
) -> Response:
    """A chart's data as CSV (UTF-8 with BOM, so Excel shows Chinese)."""
    text = _spreadsheet_safe(_frame(session, settings, name, product)).to_csv(index=False)
    return attachment("\ufeff" + text, f"{name}.csv", "text/csv; charset=utf-8")


@router.get("/kpi/charts/{name}", response_model=list[dict[str, Any]])
def chart_json(
    name: str,
    session: SessionDep,
    settings: SettingsDep,
    _user: Reader,
    product: ProductQuery = None,
) -> list[dict[str, Any]]:
    """A chart's data (``kpis``, ``pareto``, ``cohorts``, ``heatmap``) as records."""
    return _records(_frame(session, settings, name, product))
