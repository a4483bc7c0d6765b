"""Edge shapes of the investigation tools: 5-Why steps, fishbone causes, FMEA rows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from qloop.core.storable import StorableBody
from qloop.rca.five_why import Evidence
from qloop.rca.fmea import FmeaLine
from qloop.rca.models import FishboneCause, FiveWhyStep, FmeaRevision

Long = Annotated[str, Field(max_length=2000)]
Short = Annotated[str, Field(max_length=300)]
#: strict, so that JSON ``true`` is not taken as 1; FmeaInput.parse checks the value
Rating = StrictInt | StrictFloat | Annotated[StrictStr, Field(max_length=30)]


class StepWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    why: Long | None = None
    because: Long | None = None
    evidence_case_id: Annotated[str, Field(max_length=100)] | None = None
    evidence_suspect: Short | None = None
    evidence_note: Long | None = None

    def evidence(self) -> Evidence:
        return Evidence(self.evidence_case_id, self.evidence_suspect, self.evidence_note)


class StepMove(StorableBody):
    model_config = ConfigDict(extra="forbid")

    position: Annotated[int, Field(ge=1, le=1000)]


class StepRead(BaseModel):
    id: int
    position: int
    why: str
    because: str
    evidence_case_id: str | None
    evidence_suspect: str | None
    evidence_note: str | None
    evidence_file_name: str | None

    @classmethod
    def of(cls, step: FiveWhyStep) -> StepRead:
        return cls(id=step.id, position=step.position, why=step.why, because=step.because,
                   evidence_case_id=step.evidence_case_id,
                   evidence_suspect=step.evidence_suspect, evidence_note=step.evidence_note,
                   evidence_file_name=step.evidence_file_name)  # fmt: skip


class CauseWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    category: Annotated[str, Field(max_length=20)] | None = None
    text: Short | None = None
    state: Annotated[str, Field(max_length=20)] | None = None
    note: Long | None = None


class SuspectCause(StorableBody):
    model_config = ConfigDict(extra="forbid")

    attribute: Annotated[str, Field(min_length=1, max_length=100)]
    value: Annotated[str, Field(min_length=1, max_length=300)]
    figures: Long | None = None


class CauseRead(BaseModel):
    id: int
    category: str
    text: str
    state: str
    note: str | None
    suspect_attribute: str | None
    suspect_value: str | None
    created_at: dt.datetime
    created_by: str

    @classmethod
    def of(cls, cause: FishboneCause) -> CauseRead:
        return cls(id=cause.id, category=cause.category.value, text=cause.text,
                   state=cause.state.value, note=cause.note,
                   suspect_attribute=cause.suspect_attribute, suspect_value=cause.suspect_value,
                   created_at=cause.created_at, created_by=cause.created_by)  # fmt: skip


class FmeaWrite(StorableBody):
    """Loose values, parsed by :class:`qloop.rca.fmea_fields.FmeaInput` like a spreadsheet's."""

    model_config = ConfigDict(extra="forbid")

    item: Short | None = None
    function: Short | None = None
    failure_mode: Short | None = None
    effect: Long | None = None
    severity: Rating | None = None
    cause: Long | None = None
    occurrence: Rating | None = None
    controls: Long | None = None
    detection: Rating | None = None
    recommended_action: Long | None = None
    owner: Annotated[str, Field(max_length=100)] | None = None
    due_date: Annotated[str, Field(max_length=30)] | None = None


class RevisionRead(BaseModel):
    number: int
    created_at: dt.datetime
    created_by: str
    summary: str
    rows: list[dict[str, Any]]

    @classmethod
    def of(cls, revision: FmeaRevision) -> RevisionRead:
        return cls(number=revision.number, created_at=revision.created_at,
                   created_by=revision.created_by, summary=revision.summary,
                   rows=revision.rows)  # fmt: skip


def lines_json(lines: list[FmeaLine]) -> list[dict[str, Any]]:
    return [line.as_json() for line in lines]
