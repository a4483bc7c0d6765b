"""``/api/v1/investigations/{id}/five-why|fishbone|fmea``: the classic tools as JSON.

Engineers write, every signed-in user reads. The fishbone also comes as an SVG drawing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qloop.core.i18n import negotiate
from qloop.rca import fishbone, five_why, fmea
from qloop.rca.fishbone_drawing import investigation_fishbone_svg
from qloop.rca.fmea_fields import FmeaInput
from qloop.rca.investigation_api import InvestigationId
from qloop.rca.occurrence import suggest_occurrence
from qloop.rca.tool_schemas import (
    CauseRead,
    CauseWrite,
    FmeaWrite,
    RevisionRead,
    StepMove,
    StepRead,
    StepWrite,
    SuspectCause,
    lines_json,
)
from qloop.web.deps import Engineer, Reader, RecordId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["investigations"])
ItemId = RecordId
BASE = "/investigations/{investigation_id}"


@router.get(BASE + "/five-why", response_model=list[StepRead])
def steps(investigation_id: InvestigationId, session: SessionDep, _u: Reader) -> list[StepRead]:
    """The 5-Why chain in order."""
    return [StepRead.of(s) for s in five_why.list_steps(session, investigation_id)]


@router.post(BASE + "/five-why", response_model=StepRead, status_code=201)
def add_step(
    investigation_id: InvestigationId, body: StepWrite, session: SessionDep, user: Engineer
) -> StepRead:
    """Append a why -> because step (evidence: a case id, a suspect row, a note)."""
    step = five_why.add_step(session, investigation_id=investigation_id, why=body.why or "",
                             because=body.because or "", user_name=user.name,
                             evidence=body.evidence())  # fmt: skip
    return StepRead.of(step)


@router.patch(BASE + "/five-why/{step_id}", response_model=StepRead)
def update_step(
    investigation_id: InvestigationId, step_id: ItemId, body: StepWrite, session: SessionDep,
    user: Engineer,
) -> StepRead:  # fmt: skip
    """Change a step's texts and/or evidence (fields left out stay as they are)."""
    step = five_why.update_step(
        session, investigation_id=investigation_id, step_id=step_id,
        changes=body.model_dump(exclude_unset=True), user_name=user.name,
    )  # fmt: skip
    return StepRead.of(step)


@router.post(BASE + "/five-why/{step_id}/move", response_model=list[StepRead])
def move_step(
    investigation_id: InvestigationId, step_id: ItemId, body: StepMove, session: SessionDep,
    user: Engineer,
) -> list[StepRead]:  # fmt: skip
    """Put a step at another position; the chain is returned in its new order."""
    moved = five_why.move_step(session, investigation_id=investigation_id, step_id=step_id,
                               position=body.position, user_name=user.name)  # fmt: skip
    return [StepRead.of(s) for s in moved]


@router.delete(BASE + "/five-why/{step_id}", status_code=204)
def remove_step(
    investigation_id: InvestigationId, step_id: ItemId, session: SessionDep, user: Engineer
) -> Response:
    five_why.remove_step(session, investigation_id=investigation_id, step_id=step_id,
                         user_name=user.name)  # fmt: skip
    return Response(status_code=204)


@router.get(BASE + "/fishbone", response_model=list[CauseRead])
def causes(investigation_id: InvestigationId, session: SessionDep, _u: Reader) -> list[CauseRead]:
    """The fishbone's causes by category."""
    return [CauseRead.of(c) for c in fishbone.list_causes(session, investigation_id)]


@router.get(BASE + "/fishbone.svg")
def fishbone_drawing(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: Reader,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:  # fmt: skip
    """The fishbone as an SVG drawing, in the language asked for (else the browser's)."""
    chosen = "zh_CN" if lang and lang.lower().startswith("zh") else lang  # ?lang=zh, as exports
    locale = negotiate(chosen, request.headers.get("accept-language"))
    svg = investigation_fishbone_svg(session, investigation_id, locale)
    return Response(svg, media_type="image/svg+xml")


@router.post(BASE + "/fishbone", response_model=CauseRead, status_code=201)
def add_cause(
    investigation_id: InvestigationId, body: CauseWrite, session: SessionDep, user: Engineer
) -> CauseRead:
    cause = fishbone.add_cause(session, investigation_id=investigation_id,
                               category=body.category or "", text=body.text or "",
                               state=body.state or "suspected", note=body.note,
                               user_name=user.name)  # fmt: skip
    return CauseRead.of(cause)


@router.post(BASE + "/fishbone/from-suspect", response_model=CauseRead, status_code=201)
def add_suspect_cause(
    investigation_id: InvestigationId, body: SuspectCause, session: SessionDep, user: Engineer
) -> CauseRead:
    """A suspect row (attribute = value) as a suspected cause, its category guessed."""
    cause = fishbone.add_suspect_cause(session, investigation_id=investigation_id,
                                       attribute=body.attribute, value=body.value,
                                       figures=body.figures, user_name=user.name)  # fmt: skip
    return CauseRead.of(cause)


@router.patch(BASE + "/fishbone/{cause_id}", response_model=CauseRead)
def update_cause(
    investigation_id: InvestigationId, cause_id: ItemId, body: CauseWrite, session: SessionDep,
    user: Engineer,
) -> CauseRead:  # fmt: skip
    cause = fishbone.update_cause(session, investigation_id=investigation_id, cause_id=cause_id,
                                  changes=body.model_dump(exclude_unset=True),
                                  user_name=user.name)  # fmt: skip
    return CauseRead.of(cause)


@router.delete(BASE + "/fishbone/{cause_id}", status_code=204)
def remove_cause(
    investigation_id: InvestigationId, cause_id: ItemId, session: SessionDep, user: Engineer
) -> Response:
    fishbone.remove_cause(session, investigation_id=investigation_id, cause_id=cause_id,
                          user_name=user.name)  # fmt: skip
    return Response(status_code=204)


@router.get(BASE + "/fmea", response_model=list[dict[str, Any]])
def worksheet(
    investigation_id: InvestigationId, session: SessionDep, _u: Reader,
    priority: Annotated[str | None, Query(max_length=1)] = None,
    sort: Annotated[str, Query(max_length=20)] = "position",
) -> list[dict[str, Any]]:  # fmt: skip
    """FMEA rows with RPN and Action Priority; filter by AP (H, M, L), sort."""
    return lines_json(fmea.worksheet(session, investigation_id, priority=priority, sort=sort))


@router.post(BASE + "/fmea", response_model=dict[str, Any], status_code=201)
def add_row(
    investigation_id: InvestigationId, body: FmeaWrite, session: SessionDep, user: Engineer
) -> dict[str, Any]:
    row = fmea.add_row(session, investigation_id=investigation_id,
                       values=FmeaInput.parse(body.model_dump()), user_name=user.name)  # fmt: skip
    return _line(session, investigation_id, row.id)


@router.put(BASE + "/fmea/{row_id}", response_model=dict[str, Any])
def replace_row(
    investigation_id: InvestigationId, row_id: ItemId, body: FmeaWrite, session: SessionDep,
    user: Engineer,
) -> dict[str, Any]:  # fmt: skip
    """Every value of a row (a revision records what changed)."""
    fmea.update_row(session, investigation_id=investigation_id, row_id=row_id,
                    values=FmeaInput.parse(body.model_dump()), user_name=user.name)  # fmt: skip
    return _line(session, investigation_id, row_id)


@router.delete(BASE + "/fmea/{row_id}", status_code=204)
def remove_row(
    investigation_id: InvestigationId, row_id: ItemId, session: SessionDep, user: Engineer
) -> Response:
    fmea.remove_row(session, investigation_id=investigation_id, row_id=row_id,
                    user_name=user.name)  # fmt: skip
    return Response(status_code=204)


@router.get(BASE + "/fmea/revisions", response_model=list[RevisionRead])
def revisions(
    investigation_id: InvestigationId, session: SessionDep, _u: Reader
) -> list[RevisionRead]:
    """Every revision of the worksheet, newest first, each with its rows as they were."""
    return [RevisionRead.of(r) for r in fmea.revisions(session, investigation_id)]


@router.get("/fmea/occurrence", response_model=dict[str, Any])
def occurrence(
    session: SessionDep, _u: Reader,
    failure_mode: Annotated[str, Query(min_length=1, max_length=100)],
    product: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:  # fmt: skip
    """Occurrence suggested from the field failure rate of the mode (per 1000 units)."""
    return suggest_occurrence(session, failure_mode=failure_mode, product=product).as_json()


def _line(session: Any, investigation_id: int, row_id: int) -> dict[str, Any]:
    found = [line for line in fmea.worksheet(session, investigation_id) if line.row.id == row_id]
    return found[0].as_json()
