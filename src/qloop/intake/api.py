"""``/api/v1`` for cases, units, repairs and surveys: thin handlers over the services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy import select

from qloop.intake import case_service, uploads
from qloop.intake.models import ImportRun, Repair, Survey
from qloop.intake.schemas import (
    CaseCreate,
    CaseDetail,
    CasePage,
    CaseSummary,
    CaseUpdate,
    ImportRunRead,
    RepairRead,
    SurveyRead,
    UnitDetail,
)
from qloop.web.deps import Engineer, Offset, Reader, RecordId, SessionDep, SettingsDep
from qloop.web.downloads import attachment

router = APIRouter(prefix="/api/v1", tags=["cases"])
Limit = Annotated[int, Query(ge=1, le=500)]
RunId = RecordId


def case_filters(
    channel: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    product: str | None = None,
    serial: str | None = None,
    q: Annotated[str | None, Query(description="words in the title or description")] = None,
    received_from: dt.datetime | None = None,
    received_to: dt.datetime | None = None,
) -> case_service.CaseFilters:
    """The case filters of the API and of the inbox page; an empty value filters nothing."""
    return case_service.CaseFilters(
        channel or None,
        category or None,
        severity or None,
        status or None,
        product or None,
        serial or None,
        q or None,
        _wall_clock(received_from),
        _wall_clock(received_to),
    )


def _wall_clock(moment: dt.datetime | None) -> dt.datetime | None:
    """Times are stored as local wall-clock times: an offset in a filter is dropped too."""
    return moment.replace(tzinfo=None) if moment is not None else None


Filters = Annotated[case_service.CaseFilters, Depends(case_filters)]


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep,
    _user: Reader,
    filters: Filters,
    sort: str = "-received_at",
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    """Cases matching every filter given, newest first unless ``sort`` says otherwise."""
    items, total = case_service.list_cases(
        session, filters=filters, sort=sort, limit=limit, offset=offset
    )
    return CasePage(
        items=[CaseSummary.model_validate(c) for c in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/cases/{case_id:path}", response_model=CaseDetail)
def get_case(case_id: str, session: SessionDep, _user: Reader) -> CaseDetail:
    """A case with its unit (and the unit's attributes), repairs, surveys and history."""
    context = case_service.case_context(session, case_id)
    return CaseDetail.model_validate(
        {
            **CaseSummary.model_validate(context.case).model_dump(),
            "attributes": context.case.attributes,
            "assignee": context.case.assignee,
            "duplicate_reason": context.case.duplicate_reason,
            "duplicates": [case.case_id for case in context.duplicates],
            "unit": context.unit,
            "repairs": context.repairs,
            "surveys": context.surveys,
            "history": context.history,
        }
    )


@router.post("/cases", response_model=CaseSummary, status_code=201)
def create_case(
    body: CaseCreate, session: SessionDep, settings: SettingsDep, user: Engineer
) -> CaseSummary:
    """A new case, validated like an imported row."""
    fields = body.model_dump(exclude={"attributes"})
    created = case_service.create_case(
        session, fields=fields, attributes=body.attributes, user=user, settings=settings
    )
    return CaseSummary.model_validate(created)


@router.patch("/cases/{case_id:path}", response_model=CaseDetail)
def update_case(case_id: str, body: CaseUpdate, session: SessionDep, user: Engineer) -> CaseDetail:
    """Change category, failure mode, severity, status or assignee; each change is recorded."""
    case_service.update_case(
        session, case_id=case_id, changes=body.model_dump(exclude_unset=True), user=user
    )
    return get_case(case_id, session, user)


@router.get("/units/{serial}", response_model=UnitDetail)
def get_unit(serial: str, session: SessionDep, _user: Reader) -> UnitDetail:
    """A unit with its attributes, its cases and its repairs."""
    unit, cases, repairs = case_service.unit_context(session, serial)
    return UnitDetail.model_validate(
        {
            "serial": unit.serial,
            "product": unit.product,
            "batch": unit.batch,
            "production_date": unit.production_date,
            "ship_date": unit.ship_date,
            "region": unit.region,
            "attributes": unit.attributes,
            "cases": cases,
            "repairs": repairs,
        }
    )


@router.get("/repairs", response_model=list[RepairRead])
def list_repairs(
    session: SessionDep,
    _user: Reader,
    serial: str | None = None,
    case_id: str | None = None,
    opened_from: dt.datetime | None = None,
    opened_to: dt.datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[RepairRead]:
    """Repairs, newest first, filtered by unit, case or opening time."""
    statement = select(Repair).order_by(Repair.opened_at.desc(), Repair.id.desc())
    for column, value in ((Repair.serial, serial), (Repair.case_id, case_id)):
        if value:
            statement = statement.where(column == value)
    if opened_from:
        statement = statement.where(Repair.opened_at >= opened_from)
    if opened_to:
        statement = statement.where(Repair.opened_at <= opened_to)
    rows = session.scalars(statement.limit(limit).offset(offset))
    return [RepairRead.model_validate(r) for r in rows]


@router.get("/surveys", response_model=list[SurveyRead])
def list_surveys(
    session: SessionDep,
    _user: Reader,
    case_id: str | None = None,
    answered_from: dt.datetime | None = None,
    answered_to: dt.datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[SurveyRead]:
    """Survey answers, newest first, filtered by case or answer time."""
    statement = select(Survey).order_by(Survey.answered_at.desc(), Survey.id.desc())
    if case_id:
        statement = statement.where(Survey.case_id == case_id)
    if answered_from:
        statement = statement.where(Survey.answered_at >= answered_from)
    if answered_to:
        statement = statement.where(Survey.answered_at <= answered_to)
    rows = session.scalars(statement.limit(limit).offset(offset))
    return [SurveyRead.model_validate(s) for s in rows]


class DashboardRead(BaseModel):
    open_counts: list[dict[str, str | int | None]]
    newest_urgent: list[CaseSummary]


@router.get("/dashboard", response_model=DashboardRead)
def dashboard_data(session: SessionDep, _user: Reader) -> DashboardRead:
    """What the dashboard shows: open cases by status and severity, newest urgent cases."""
    counts = case_service.open_case_counts(session)
    return DashboardRead(
        open_counts=[
            {"status": status, "severity": severity, "cases": n}
            for (status, severity), n in sorted(counts.items(), key=str)
        ],
        newest_urgent=[CaseSummary.model_validate(c) for c in case_service.newest_urgent(session)],
    )


def _run_read(run: ImportRun) -> ImportRunRead:
    found = ImportRunRead.model_validate(run)
    if run.rejects_csv is not None:
        found.rejects_url = f"/api/v1/imports/{run.id}/rejects"
    return found


@router.post(
    "/imports/{table}",
    response_model=ImportRunRead,
    status_code=201,
    dependencies=[Depends(uploads.check_request_size)],
)
def import_upload(
    table: str, request: Request, session: SessionDep, user: Engineer, file: UploadFile
) -> ImportRunRead:
    """Import a CSV or XLSX file into units, cases, repairs or surveys, as the CLI does."""
    return _run_read(uploads.run_upload(request, session, table=table, upload=file, user=user))


@router.get("/imports/{run_id}/rejects")
def import_rejects(run_id: RunId, session: SessionDep, _user: Reader) -> Response:
    """The rejected rows of an import, with their row numbers and reasons (CSV)."""
    run = uploads.require_run(session, run_id)
    if run.rejects_csv is None:
        raise HTTPException(404, f"import {run_id} rejected no row")
    name = f"{Path(run.file_name).stem}.rejects.csv"
    return attachment("\ufeff" + run.rejects_csv, name, "text/csv; charset=utf-8")
