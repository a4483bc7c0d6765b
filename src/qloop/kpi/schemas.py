"""Edge shapes of the KPI API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qloop.core.storable import StorableBody


class KpiRow(BaseModel):
    """One period (and group) with every KPI; the group key is named after ``by``."""

    model_config = ConfigDict(extra="forbid")

    period: str
    product: str | None = None
    region: str | None = None
    channel: str | None = None
    category: str | None = None
    cases: int
    mttr_hours: float | None
    ftfr: float | None
    repeat_rate: float | None
    csat: float | None
    csat_mean: float | None
    units_in_service: int
    cases_per_1000: float | None


class TargetRead(BaseModel):
    metric: str
    product: str | None
    value: float
    better: str
    source: str


class TargetWrite(StorableBody):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(max_length=30)
    product: str | None = Field(default=None, max_length=100)
    value: float


class TargetKey(StorableBody):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(max_length=30)
    product: str | None = Field(default=None, max_length=100)
