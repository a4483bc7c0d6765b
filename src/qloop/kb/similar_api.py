"""``GET /api/v1/cases/{case_id}/similar`` and the helpful marks on its suggestions; the
same marks from the case page's buttons (``POST /suggestions/feedback``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from qloop.kb.schemas import FeedbackWrite
from qloop.kb.similar import record_feedback, suggestions_for_case
from qloop.web.deps import PageUser, Reader, SessionDep
from qloop.web.form_changes import form_change

router = APIRouter(prefix="/api/v1", tags=["knowledge base"])
pages = APIRouter(include_in_schema=False)


@router.get("/cases/{case_id:path}/similar", response_model=dict[str, Any])
def similar(case_id: str, session: SessionDep, user: Reader) -> dict[str, Any]:
    """The 5 most similar past cases and the 3 best published articles, with scores."""
    found = suggestions_for_case(session, case_id)
    return found.as_json()


@router.post("/cases/{case_id:path}/similar/feedback", status_code=204)
def feedback(case_id: str, body: FeedbackWrite, session: SessionDep, user: Reader) -> Response:
    """Mark a suggestion helpful (or not); it weighs in the ranking of this failure mode."""
    record_feedback(session, case_id=case_id, target_kind=body.target_kind,
                    target_id=body.target_id, helpful=body.helpful,
                    user_name=user.name)  # fmt: skip
    return Response(status_code=204)


@pages.post("/suggestions/feedback")
def page_feedback(
    request: Request, session: SessionDep, user: PageUser,
    case_id: Annotated[str, Form(max_length=100)], target_kind: Annotated[str, Form(
        pattern="^(article|case)$")], target_id: Annotated[str, Form(max_length=100)],
    helpful: Annotated[bool, Form()] = True, csrf: Annotated[str | None, Form()] = None,
) -> Response:  # fmt: skip
    from urllib.parse import quote

    from qloop.accounts.models import Role

    target = f"/cases/{quote(case_id, safe='')}#suggestions"
    return form_change(request, session, user, csrf, target, lambda: record_feedback(
        session, case_id=case_id, target_kind=target_kind, target_id=target_id,
        helpful=helpful, user_name=user.name), role=Role.VIEWER)  # fmt: skip
