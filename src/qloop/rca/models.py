"""Investigations (problem reports): the cases they gather, their owner, status and history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
