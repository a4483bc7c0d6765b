"""Investigations (problem reports): the cases they gather, their owner, status and history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from qloop.core.db import Base, JsonDocument, text_enum


class InvestigationStatus(StrEnum):
    """Where an investigation stands: open -> analysing -> cause_confirmed -> closed."""

    OPEN = "open"
    ANALYSING = "analysing"
    CAUSE_CONFIRMED = "cause_confirmed"
    CLOSED = "closed"


class Investigation(Base):
    """A problem report: a title, the filter it was opened with, an owner and a status."""

    __tablename__ = "investigations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    failure_mode: Mapped[str | None] = mapped_column(String(100), index=True)
    product: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[InvestigationStatus] = mapped_column(
        text_enum(InvestigationStatus, "investigation_status"), default=InvestigationStatus.OPEN
    )
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    #: the filter the cases were gathered with: product, failure_mode, region, from, to
    case_filter: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class InvestigationCase(Base):
    """A case linked to an investigation (by its case id, like repairs and surveys)."""

    __tablename__ = "investigation_cases"
    __table_args__ = (UniqueConstraint("investigation_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(100))


class InvestigationChange(Base):
    """One change to an investigation: who, when, which field, old and new value."""

    __tablename__ = "investigation_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_name: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


def _investigation_id() -> Mapped[int]:
    return mapped_column(ForeignKey("investigations.id", ondelete="CASCADE"), index=True)


class FiveWhyStep(Base):
    """One link of a 5-Why chain: why? -> because, with optional evidence.

    Evidence is a case, a suspect row (as the text ``attribute = value`` with its figures),
    a note or a file kept in the database (size-limited by the service)."""

    __tablename__ = "five_why_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = _investigation_id()
    position: Mapped[int] = mapped_column(Integer)
    why: Mapped[str] = mapped_column(Text)
    because: Mapped[str] = mapped_column(Text)
    evidence_case_id: Mapped[str | None] = mapped_column(String(100))
    evidence_suspect: Mapped[str | None] = mapped_column(String(300))
    evidence_note: Mapped[str | None] = mapped_column(Text)
    evidence_file_name: Mapped[str | None] = mapped_column(String(255))
    evidence_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class CauseCategory(StrEnum):
    """The six Ishikawa categories (6M): 人、机、料、法、测、环."""

    MAN = "man"
    MACHINE = "machine"
    MATERIAL = "material"
    METHOD = "method"
    MEASUREMENT = "measurement"
    ENVIRONMENT = "environment"


class CauseState(StrEnum):
    """What the team concluded about a fishbone cause."""

    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"
    RULED_OUT = "ruled_out"


class FishboneCause(Base):
    """A cause on the fishbone diagram, perhaps taken from a suspect row."""

    __tablename__ = "fishbone_causes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = _investigation_id()
    category: Mapped[CauseCategory] = mapped_column(text_enum(CauseCategory, "cause_category"))
    text: Mapped[str] = mapped_column(String(300))
    state: Mapped[CauseState] = mapped_column(
        text_enum(CauseState, "cause_state"), default=CauseState.SUSPECTED
    )
    note: Mapped[str | None] = mapped_column(Text)
    #: the suspect row it came from (attribute and value), when added from the suspects table
    suspect_attribute: Mapped[str | None] = mapped_column(String(100))
    suspect_value: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))


def _rating(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} BETWEEN 1 AND 10", name=f"{name}_1_to_10")


class FmeaRow(Base):
    """A line of the FMEA worksheet. RPN and Action Priority are derived, never stored."""

    __tablename__ = "fmea_rows"
    __table_args__ = (_rating("severity"), _rating("occurrence"), _rating("detection"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = _investigation_id()
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(300))
    function: Mapped[str | None] = mapped_column(String(300))
    failure_mode: Mapped[str] = mapped_column(String(300))
    effect: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str | None] = mapped_column(Text)
    occurrence: Mapped[int] = mapped_column(Integer)
    controls: Mapped[str | None] = mapped_column(Text)
    detection: Mapped[int] = mapped_column(Integer)
    recommended_action: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[dt.date | None] = mapped_column(Date)


class FmeaRevision(Base):
    """The worksheet as it was after a change: numbered, who, when, what, and every row."""

    __tablename__ = "fmea_revisions"
    __table_args__ = (UniqueConstraint("investigation_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = _investigation_id()
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(300))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
