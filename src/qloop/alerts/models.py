"""Stored alerts: raised by the rules, acknowledged by a person (who, when, comment)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qloop.core.db import Base, JsonDocument, text_enum


class AlertKind(StrEnum):
    """Which rule raised an alert."""

    TREND = "trend"
    EMERGING = "emerging"
    TARGET = "target"


class Alert(Base):
    """One alert. ``key`` identifies the finding (kind, metric, scope and its anchor period),
    so checking again updates a growing trend instead of raising it twice."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[AlertKind] = mapped_column(text_enum(AlertKind, "alert_kind"))
    metric: Mapped[str] = mapped_column(String(100))
    #: {"product": ..., "region": ..., "failure_mode": ...}; empty for the overall figure
    scope: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    periods: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    values: Mapped[list[float]] = mapped_column(JsonDocument, default=list)
    #: the last period the finding covers; alerts are listed by it
    period_end: Mapped[dt.date] = mapped_column(Date, index=True)
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    ack_comment: Mapped[str | None] = mapped_column(Text)
