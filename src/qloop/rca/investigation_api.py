"""``/api/v1/investigations``: open, list, read and change investigations and their cases."""

from __future__ import annotations

from fastapi import APIRouter

from qloop.rca import investigations as service
from qloop.rca.models import InvestigationStatus
from qloop.rca.schemas import (
    CaseIds,
    InvestigationCreate,
    InvestigationDetail,
    InvestigationRead,
    InvestigationUpdate,
    detail_of,
)
from qloop.web.deps import Engineer, Reader, RecordId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["investigations"])
InvestigationId = RecordId


@router.get("/investigations", response_model=list[InvestigationRead])
def list_investigations(
    session: SessionDep,
    _user: Reader,
    status: InvestigationStatus | None = None,
    owner: str | None = None,
) -> list[InvestigationRead]:
    """Investigations, newest first, with their number of cases."""
    found = service.list_investigations(session, status=status, owner=owner)
    return [InvestigationRead.of(item, n) for item, n in found]


@router.post("/investigations", response_model=InvestigationDetail, status_code=201)
def create(body: InvestigationCreate, session: SessionDep, user: Engineer) -> InvestigationDetail:
    """Open an investigation with the cases of a filter and/or named cases."""
    found = service.create_investigation(
        session, title=body.title, user_name=user.name, owner=body.owner,
        case_filter=body.filter.to_filter() if body.filter else None, case_ids=body.case_ids,
    )  # fmt: skip
    return detail_of(session, found.id)


@router.get("/investigations/{investigation_id}", response_model=InvestigationDetail)
def read(
    investigation_id: InvestigationId, session: SessionDep, _user: Reader
) -> InvestigationDetail:
    """One investigation with its case ids and its history."""
    return detail_of(session, investigation_id)


@router.patch("/investigations/{investigation_id}", response_model=InvestigationDetail)
def update(
    investigation_id: InvestigationId, body: InvestigationUpdate, session: SessionDep,
    user: Engineer,
) -> InvestigationDetail:  # fmt: skip
    """Change title, owner or status (open -> analysing -> cause_confirmed -> closed)."""
    changes = body.model_dump(exclude_unset=True)
    service.update_investigation(
        session, investigation_id=investigation_id, changes=changes, user_name=user.name
    )
    return detail_of(session, investigation_id)


@router.post("/investigations/{investigation_id}/cases", response_model=InvestigationDetail)
def add_cases(
    investigation_id: InvestigationId, body: CaseIds, session: SessionDep, user: Engineer
) -> InvestigationDetail:
    """Link more cases by id."""
    service.add_cases(session, investigation_id=investigation_id, case_ids=body.case_ids,
                      user_name=user.name)  # fmt: skip
    return detail_of(session, investigation_id)


@router.delete(
    "/investigations/{investigation_id}/cases/{case_id:path}", response_model=InvestigationDetail
)
def remove_case(
    investigation_id: InvestigationId, case_id: str, session: SessionDep, user: Engineer
) -> InvestigationDetail:
    """Unlink one case."""
    service.remove_case(session, investigation_id=investigation_id, case_id=case_id,
                        user_name=user.name)  # fmt: skip
    return detail_of(session, investigation_id)
