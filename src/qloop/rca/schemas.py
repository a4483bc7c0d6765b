"""Edge shapes of the investigations API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from qloop.core.storable import StorableBody
from qloop.rca import investigations
from qloop.rca.investigations import CaseFilter
from qloop.rca.models import Investigation, InvestigationChange

Short = Annotated[str, Field(max_length=100)]


class FilterWrite(StorableBody):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    product: Short | None = None
    failure_mode: Short | None = None
    region: Short | None = None
    first: dt.date | None = Field(default=None, alias="from")
    last: dt.date | None = Field(default=None, alias="to")

    def to_filter(self) -> CaseFilter:
        return CaseFilter(self.product, self.failure_mode, self.region, self.first, self.last)


class InvestigationCreate(StorableBody):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]
    owner: Short | None = None
    filter: FilterWrite | None = None
    case_ids: Annotated[list[Short], Field(max_length=10_000)] = []


class InvestigationUpdate(StorableBody):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    owner: Short | None = None
    status: Short | None = None


class CaseIds(StorableBody):
    model_config = ConfigDict(extra="forbid")

    case_ids: Annotated[list[Short], Field(min_length=1, max_length=10_000)]


class ChangeRead(BaseModel):
    changed_at: dt.datetime
    user_name: str
    field: str
    old_value: str | None
    new_value: str | None

    @classmethod
    def of(cls, change: InvestigationChange) -> ChangeRead:
        return cls(changed_at=change.changed_at, user_name=change.user_name, field=change.field,
                   old_value=change.old_value, new_value=change.new_value)  # fmt: skip


class InvestigationRead(BaseModel):
    id: int
    title: str
    status: str
    owner: str | None
    failure_mode: str | None
    product: str | None
    filter: dict[str, str | None]
    created_at: dt.datetime
    created_by: str
    cases: int

    @classmethod
    def of(cls, found: Investigation, cases: int) -> InvestigationRead:
        return cls(id=found.id, title=found.title, status=found.status.value, owner=found.owner,
                   failure_mode=found.failure_mode, product=found.product,
                   filter=found.case_filter, created_at=found.created_at,
                   created_by=found.created_by, cases=cases)  # fmt: skip


class InvestigationDetail(InvestigationRead):
    case_ids: list[str]
    history: list[ChangeRead]


def detail_of(session: Session, investigation_id: int) -> InvestigationDetail:
    """One investigation with its case ids and its history (API and CLI share it)."""
    found = investigations.require_investigation(session, investigation_id)
    cases = investigations.case_ids_of(session, investigation_id)
    base = InvestigationRead.of(found, len(cases))
    history = [ChangeRead.of(c) for c in investigations.history_of(session, investigation_id)]
    return InvestigationDetail(**base.model_dump(), case_ids=cases, history=history)
