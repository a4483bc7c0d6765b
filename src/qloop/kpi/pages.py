"""The KPI page: the last months' KPIs against their targets, the exact definitions, and
(for admins) the targets form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts.models import Role
from qloop.core.errors import InputError
from qloop.kpi import service, targets
from qloop.kpi.cli import format_value
from qloop.kpi.definitions import METRIC_BY_KEY, METRICS, Better, GroupBy
from qloop.kpi.periods import PeriodKind
from qloop.web.csrf import check_session_form
from qloop.web.deps import (
    PageUser,
    SessionDep,
    SettingsDep,
    demand_role,
    has_role,
    page_context,
    render,
)

pages = APIRouter(include_in_schema=False)
MONTHS_SHOWN = 12


@pages.get("/kpi", response_class=HTMLResponse)
def kpi_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    by: GroupBy | None = None,
    error: str = "",
) -> HTMLResponse:
    """Monthly KPIs of the last twelve months with data (JSON: /api/v1/kpi)."""
    span = service.data_span(session)
    rows = []
    if span is not None:
        last = min(span[1], dt.date.today())  # a mistyped future date does not move "now"
        index = last.year * 12 + last.month - 1 - (MONTHS_SHOWN - 1)
        first = dt.date(index // 12, index % 12 + 1, 1)
        rows = service.kpi_table(
            session, kind=PeriodKind.MONTH, by=by, first=max(first, span[0]), last=last,
            repeat_days=settings.repeat_days,
        ).records()  # fmt: skip
    in_force = targets.effective_targets(session, settings.kpi_targets)
    context = page_context(
        request,
        user,
        rows=rows,
        by=by.value if by else None,
        groups=[g.value for g in GroupBy],
        metrics=METRICS,
        targets=in_force,
        target_of=lambda metric, product: targets.target_for(in_force, metric, product),
        targetable=[m for m in METRICS if m.better is not Better.NONE],
        show=format_value,
        editable=has_role(user, Role.ADMIN),
        repeat_days=settings.repeat_days,
        error=error,
    )
    return render(request, "kpi/kpi.html", context, 422 if error else 200)


@pages.post("/kpi/targets")
def save_target(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    metric: Annotated[str, Form(max_length=30)],
    value: Annotated[str, Form(max_length=30)] = "",
    product: Annotated[str, Form(max_length=100)] = "",
    remove: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Set or remove a target (admins)."""
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)
    try:
        if remove:
            targets.remove_target(session, metric=metric, product=product or None)
        else:
            number = _number(value, share=METRIC_BY_KEY.get(metric, METRICS[0]).unit == "%")
            targets.set_target(
                session, metric=metric, value=number, product=product or None, user_name=user.name
            )
    except InputError as problem:
        session.rollback()
        return kpi_page(request, session, settings, user, error=str(problem))
    return RedirectResponse("/kpi", status_code=303)


def _number(text: str, *, share: bool) -> float:
    """A target typed by a person: ``0.9`` or ``90%`` for a share, ``24`` or ``1,000`` or
    ``2,5`` (a decimal comma) otherwise."""
    cleaned = text.strip().replace(" ", "")
    percent = cleaned.endswith("%")
    if percent:
        if not share:
            raise InputError(f"{text!r}: only shares take a percent sign", column="value")
        cleaned = cleaned[:-1]
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")  # thousands separators
    else:
        cleaned = cleaned.replace(",", ".")  # a decimal comma
    try:
        number = float(cleaned)
    except ValueError:
        raise InputError(f"{text!r} is not a number", column="value") from None
    return number / 100 if percent else number
