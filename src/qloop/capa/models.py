"""Corrective action plans (8D), their actions, evidence files, supplier claims, the
append-only audit trail and the e-mail outbox."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from qloop.core.db import Base, JsonDocument, text_enum


class PlanStatus(StrEnum):
    """A plan is worked on while open; it closes effective (a verification said so), by an
    admin's override (with a written reason), or as not effective (back to analysis)."""

    OPEN = "open"
    CLOSED = "closed"


class Closure(StrEnum):
    EFFECTIVE = "effective"
    OVERRIDE = "override"
    NOT_EFFECTIVE = "not_effective"


class Plan(Base):
    """An 8D corrective action plan for one investigation.

    The contents of the steps D0..D8 are a JSON document (``{"D2": {"what": ...}}``): the
    steps' fields are texts and lists the page edits one at a time, each edit audited."""

    __tablename__ = "capa_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(ForeignKey("investigations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[PlanStatus] = mapped_column(
        text_enum(PlanStatus, "plan_status"), default=PlanStatus.OPEN
    )
    steps: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    #: the change whose effect D6 verifies, and the last verification's figures
    failure_mode: Mapped[str | None] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(100))
    change_date: Mapped[dt.date | None] = mapped_column(Date)
    verification: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: the last containment list's filter and counts (D3)
    containment: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    closure: Mapped[Closure | None] = mapped_column(text_enum(Closure, "plan_closure"))
    closure_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Action(Base):
    """One corrective or preventive action, owned by a person in a department."""

    __tablename__ = "capa_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("capa_plans.id"), index=True)
    #: the 8D step it serves: D3 containment, D5/D6 permanent, D7 prevention
    step: Mapped[str] = mapped_column(String(4), default="D5")
    title: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100), index=True)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        text_enum(ActionStatus, "action_status"), default=ActionStatus.OPEN
    )
    notes: Mapped[str | None] = mapped_column(Text)
    #: when the change reached production (what a verification's change date should be)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class EvidenceFile(Base):
    """A file attached to a plan or one of its actions (a containment list, a photo, a
    supplier's report). Kept in the database, or in a configured directory by its hash."""

    __tablename__ = "capa_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("capa_plans.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("capa_actions.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    stored_path: Mapped[str | None] = mapped_column(String(500))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[str] = mapped_column(String(100))


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"


class SupplierClaim(Base):
    """What the supplier of a bad lot is asked to pay: affected units x cost per unit."""

    __tablename__ = "capa_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("capa_plans.id"), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    lot: Mapped[str | None] = mapped_column(String(200))
    affected_units: Mapped[int] = mapped_column(Integer)
    failures: Mapped[int] = mapped_column(Integer)
    cost_per_unit: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_claimed: Mapped[float] = mapped_column(Float)
    status: Mapped[ClaimStatus] = mapped_column(
        text_enum(ClaimStatus, "claim_status"), default=ClaimStatus.DRAFT
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class AuditEntry(Base):
    """Who changed what and when, old and new value. Append-only: the service only ever
    inserts, and database triggers (migration 0009) refuse UPDATE and DELETE."""

    __tablename__ = "capa_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("capa_plans.id"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_name: Mapped[str] = mapped_column(String(100))


class Notification(Base):
    """An e-mail waiting to be sent, sent, or given up after its attempts (kept, logged).

    Written in the same transaction as the change it reports (an outbox), so a change and
    its notification are stored together or not at all; delivery happens after commit."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: one assignment or one digest per user and day, never twice
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
