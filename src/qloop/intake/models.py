"""Tables of the intake domain: the contract every later domain reads.

Serials and case ids are plain indexed strings, not foreign keys, on purpose:
files arrive in any order (cases before the units file, repairs before their
case) and a case may name a unit qloop has never seen. Products and
categories are registered automatically from imported data.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qloop.core.db import Base, JsonDocument, text_enum


class Channel(StrEnum):
    """Where a case came from."""

    HOTLINE = "hotline"
    ECOMMERCE = "ecommerce"
    REPAIR = "repair"
    SURVEY = "survey"
    APP = "app"
    EMAIL = "email"
    IOT = "iot"
    OTHER = "other"


class Severity(StrEnum):
    """Severity grade of a case."""

    URGENT = "urgent"
    IMPORTANT = "important"
    GENERAL = "general"


class CaseStatus(StrEnum):
    """Where a case stands in its handling."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class SetBy(StrEnum):
    """What set a case's category or severity: the import file, the classifier or a person."""

    IMPORTED = "imported"
    AUTO = "auto"
    USER = "user"


class Product(Base):
    """A product (model) code; registered the first time a unit or case names it."""

    __tablename__ = "products"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))


class Category(Base):
    """A problem category code; registered the first time a case names it."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    #: place in the taxonomy: decides display order and ties between categories
    position: Mapped[int] = mapped_column(Integer, default=1000)
    keywords: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    parts: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    #: phrases naming a cause ("after the update", "快递摔的"): they outweigh symptoms
    causes: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    functions: Mapped[list[str]] = mapped_column(JsonDocument, default=list)


class Unit(Base):
    """A unit in the field, identified by its serial number."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(100), unique=True)
    # No index on product: a handful of products makes it useless to queries, which
    # scan units anyway, and it would cost an import of a million units a sixth more.
    product: Mapped[str] = mapped_column(ForeignKey("products.code"))
    batch: Mapped[str | None] = mapped_column(String(100))
    production_date: Mapped[dt.date | None] = mapped_column(Date)
    ship_date: Mapped[dt.date | None] = mapped_column(Date)
    region: Mapped[str | None] = mapped_column(String(100))
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class UnitCountsStatus(StrEnum):
    """Whether ``unit_value_counts`` can be trusted (see :mod:`qloop.intake.unit_counts`)."""

    FRESH = "fresh"  # right for the units up to last_id, if they number ``units``
    IMPORTING = "importing"  # an open import counts its own updates (only it sees this)
    STALE = "stale"  # units were updated or deleted without counting: rebuilt before use


class UnitValueCount(Base):
    """Units of a product per (attribute, value), as :mod:`qloop.intake.unit_values` counts
    them: the population side of ``qloop suspects`` without scanning every unit."""

    __tablename__ = "unit_value_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product: Mapped[str] = mapped_column(String(100), index=True)
    attribute: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    units: Mapped[int] = mapped_column(Integer)


class UnitCountsState(Base):
    """One row: the status of ``unit_value_counts`` and the units they count, those with
    an id up to ``last_id`` (``units`` of them); units above it are new, counted later.

    Triggers on ``units`` (migration 0008) make any UPDATE of product, batch, region or
    attributes and any DELETE set a fresh status to stale; a unit inserted at or below
    ``last_id`` shows in the number of units up to it.
    """

    __tablename__ = "unit_counts_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[UnitCountsStatus] = mapped_column(
        text_enum(UnitCountsStatus, "unit_counts_status")
    )
    units: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """A field problem reported through any channel."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(100), unique=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    channel: Mapped[Channel] = mapped_column(text_enum(Channel, "channel"))
    serial: Mapped[str | None] = mapped_column(String(100), index=True)
    product: Mapped[str | None] = mapped_column(ForeignKey("products.code"), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    customer: Mapped[str | None] = mapped_column(String(200), index=True)
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    #: the classifier's confidence in an automatic category (empty when a file or person set it)
    category_confidence: Mapped[float | None] = mapped_column(Float)
    failure_mode: Mapped[str | None] = mapped_column(String(100), index=True)
    severity: Mapped[Severity | None] = mapped_column(text_enum(Severity, "severity"))
    status: Mapped[CaseStatus] = mapped_column(
        text_enum(CaseStatus, "case_status"), default=CaseStatus.NEW
    )
    category_set_by: Mapped[SetBy | None] = mapped_column(text_enum(SetBy, "category_set_by"))
    category_set_by_user: Mapped[str | None] = mapped_column(String(100))
    severity_set_by: Mapped[SetBy | None] = mapped_column(text_enum(SetBy, "severity_set_by"))
    severity_set_by_user: Mapped[str | None] = mapped_column(String(100))
    #: why the grade was given: [{"rule", "grade", "evidence": [...]}]
    severity_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument)
    #: the earlier case this one probably repeats, and why it was linked
    duplicate_of: Mapped[str | None] = mapped_column(String(100), index=True)
    duplicate_reason: Mapped[str | None] = mapped_column(String(300))
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class CaseChange(Base):
    """One change to a case by a person: who, when, which field, old and new value."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_name: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class Repair(Base):
    """A repair visit on a unit; open while ``closed_at`` is empty."""

    __tablename__ = "repairs"
    __table_args__ = (
        CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", name="closed_after_opened"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repair_id: Mapped[str] = mapped_column(String(100), unique=True)
    case_id: Mapped[str | None] = mapped_column(String(100), index=True)
    serial: Mapped[str] = mapped_column(String(100), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    technician: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class Survey(Base):
    """A customer-satisfaction answer about a case; one per case and answer time."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("case_id", "answered_at"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    #: empty when the customer answered without a score (a comment only)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class ImportRun(Base):
    """One import made through the web app or API: its counts and its rejected rows."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    user_name: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    read: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    #: the rejects file (CSV text), kept so it can be downloaded from any server
    rejects_csv: Mapped[str | None] = mapped_column(Text)
