"""The review queue page: confirm or correct automatic categories, then retrain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.classify import review, service, training
from qloop.classify.display import Display
from qloop.core.errors import InputError, NotFound
from qloop.core.settings import Settings
from qloop.intake.models import Category, Severity
from qloop.web.csrf import check_session_form
from qloop.web.deps import (
    Offset,
    PageUser,
    SessionDep,
    SettingsDep,
    demand_role,
    page_context,
    render,
    request_locale,
)

pages = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


@pages.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    offset: Offset = 0,
    trained: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """Automatic categories below the threshold, least confident first (JSON: /api/v1/...)."""
    return _review_page(request, session, settings, user, offset=offset, trained=trained)


def _review_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    offset: int = 0,
    trained: int | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    demand_role(user, Role.ENGINEER)
    threshold = settings.review_threshold
    items, total = review.review_queue(session, threshold=threshold, limit=PAGE_SIZE, offset=offset)
    display = Display(session, settings, request_locale(request, user))
    categories = list(session.scalars(select(Category.code).order_by(Category.position)))
    context = page_context(
        request,
        user,
        items=items,
        total=total,
        offset=offset,
        limit=PAGE_SIZE,
        threshold=threshold,
        categories=categories,
        severities=list(Severity),
        model=service.latest_model(session),
        labelled=len(training.training_data(session, include_imported=False)[0]),
        trained=trained,
        error=error,
        **display.helpers(),
    )
    return render(request, "classify/review.html", context, status)


@pages.post("/train-model")
def train_from_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    try:
        stored = training.train_model(session, user_name=user.name)
    except InputError as error:
        return _review_page(request, session, settings, user, error=str(error), status=422)
    return RedirectResponse(f"/review?trained={stored.version}", status_code=303)


@pages.post("/review/{case_id:path}")
def review_from_page(
    case_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    category: Annotated[str, Form()],
    severity: Annotated[str, Form()] = "",
    offset: Annotated[int, Form(ge=0)] = 0,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    try:
        review.review_case(
            session, case_id=case_id, category=category, severity=severity or None, user=user
        )
    except (InputError, NotFound) as error:
        session.rollback()  # nothing of a refused decision is kept
        return _review_page(request, session, settings, user, error=str(error), status=422)
    return RedirectResponse(f"/review?offset={offset}", status_code=303)
