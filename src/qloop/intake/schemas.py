"""Pydantic shapes of the intake API: what goes in and what comes out of /api/v1."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qloop.classify.rules import reason_text
from qloop.core.storable import has_nul


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_id: str
    received_at: dt.datetime
    channel: str
    serial: str | None
    product: str | None
    region: str | None
    title: str | None
    description: str
    customer: str | None = None
    category: str | None
    category_set_by: str | None = None
    category_confidence: float | None = None
    failure_mode: str | None
    severity: str | None
    severity_set_by: str | None = None
    severity_reasons: list[str] = Field(
        default_factory=list, description="why the grade was given: rule (grade): words or facts"
    )
    status: str
    duplicate_of: str | None = None

    @field_validator("severity_reasons", mode="before")
    @classmethod
    def _reason_texts(cls, value: Any) -> list[str]:
        return [reason_text(r) if isinstance(r, dict) else str(r) for r in value or []]


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    serial: str
    product: str
    batch: str | None
    production_date: dt.date | None
    ship_date: dt.date | None
    region: str | None
    attributes: dict[str, Any]


class RepairRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    repair_id: str
    case_id: str | None
    serial: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    resolved: bool | None
    technician: str | None
    action: str | None
    parts: list[str]
    attributes: dict[str, Any]


class SurveyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_id: str
    score: int | None
    answered_at: dt.datetime
    comment: str | None


class ChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    changed_at: dt.datetime
    user_name: str
    field: str
    old_value: str | None
    new_value: str | None


class CaseDetail(CaseSummary):
    attributes: dict[str, Any]
    assignee: str | None
    duplicate_reason: str | None = None
    #: later cases flagged as possible duplicates of this one
    duplicates: list[str] = Field(default_factory=list)
    unit: UnitRead | None
    repairs: list[RepairRead]
    surveys: list[SurveyRead]
    history: list[ChangeRead]


class UnitDetail(UnitRead):
    cases: list[CaseSummary]
    repairs: list[RepairRead]


class CleanInput(BaseModel):
    """Input whose text holds no NUL character (PostgreSQL can store none)."""

    @model_validator(mode="after")
    def no_nul_characters(self) -> CleanInput:
        for name in type(self).model_fields:
            if has_nul(getattr(self, name)):
                raise ValueError(f"{name} contains a NUL character or broken text")
        return self


class CaseCreate(CleanInput):
    """A new case typed in (e.g. by a hotline agent); validated exactly like an imported row."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1, max_length=100)
    received_at: str = Field(description="2026-05-01 10:00, 2026/5/1 10:00, 2026年5月1日, ...")
    channel: str
    description: str = Field(min_length=1)
    serial: str | None = None
    product: str | None = None
    region: str | None = None
    customer: str | None = Field(default=None, max_length=200)
    title: str | None = None
    category: str | None = None
    failure_mode: str | None = None
    severity: str | None = None
    status: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


class CaseUpdate(CleanInput):
    """Fields a person may change on a case; each change is recorded in the case history."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    failure_mode: str | None = None
    severity: str | None = None
    status: str | None = None
    assignee: str | None = None


class ImportRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    table: str = Field(validation_alias="table_name")
    file: str = Field(validation_alias="file_name")
    user_name: str
    imported_at: dt.datetime
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejects_url: str | None = None
