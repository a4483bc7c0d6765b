"""Corrective action plans (8D): plans, actions, evidence files, supplier claims, the
append-only audit trail (UPDATE and DELETE refused by triggers), the e-mail outbox, and
users' e-mail addresses.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_recipient"), ["recipient"], unique=False)

    op.create_table(
        "capa_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="plan_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "steps",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("failure_mode", sa.String(length=100), nullable=True),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column("change_date", sa.Date(), nullable=True),
        sa.Column(
            "verification",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column(
            "containment",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "closure",
            sa.Enum(
                "effective",
                "override",
                "not_effective",
                name="plan_closure",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("closure_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_capa_plans_investigation_id_investigations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_plans")),
    )
    with op.batch_alter_table("capa_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capa_plans_investigation_id"), ["investigation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_capa_plans_owner"), ["owner"], unique=False)

    op.create_table(
        "capa_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=4), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "done",
                "verified",
                "rejected",
                name="action_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["capa_plans.id"], name=op.f("fk_capa_actions_plan_id_capa_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_actions")),
    )
    with op.batch_alter_table("capa_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_actions_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_capa_actions_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_capa_actions_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "capa_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["capa_plans.id"], name=op.f("fk_capa_audit_plan_id_capa_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_audit")),
    )
    with op.batch_alter_table("capa_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_audit_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "capa_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("lot", sa.String(length=200), nullable=True),
        sa.Column("affected_units", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("cost_per_unit", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_claimed", sa.Float(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "accepted",
                "rejected",
                "paid",
                name="claim_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["capa_plans.id"], name=op.f("fk_capa_claims_plan_id_capa_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_claims")),
    )
    with op.batch_alter_table("capa_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_claims_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "capa_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("stored_path", sa.String(length=500), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["capa_actions.id"], name=op.f("fk_capa_files_action_id_capa_actions")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["capa_plans.id"], name=op.f("fk_capa_files_plan_id_capa_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capa_files")),
    )
    with op.batch_alter_table("capa_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capa_files_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capa_files_plan_id"), ["plan_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))

    _append_only_audit()


#: the audit trail is append-only: no UPDATE, no DELETE, whatever the client
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER capa_audit_no_{verb.lower()} BEFORE {verb} ON capa_audit
        BEGIN SELECT RAISE(ABORT, 'capa_audit is append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_FUNCTION = """CREATE FUNCTION capa_audit_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'capa_audit is append-only'; END $$ LANGUAGE plpgsql"""
_POSTGRES_TRIGGER = """CREATE TRIGGER capa_audit_append_only BEFORE UPDATE OR DELETE
    ON capa_audit FOR EACH ROW EXECUTE FUNCTION capa_audit_append_only()"""


def _append_only_audit() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _drop_append_only_audit() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS capa_audit_append_only ON capa_audit")
        op.execute("DROP FUNCTION IF EXISTS capa_audit_append_only()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS capa_audit_no_{verb}")


def downgrade() -> None:
    _drop_append_only_audit()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")

    with op.batch_alter_table("capa_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_files_plan_id"))
        batch_op.drop_index(batch_op.f("ix_capa_files_action_id"))

    op.drop_table("capa_files")
    with op.batch_alter_table("capa_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_claims_plan_id"))

    op.drop_table("capa_claims")
    with op.batch_alter_table("capa_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_audit_plan_id"))

    op.drop_table("capa_audit")
    with op.batch_alter_table("capa_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_actions_plan_id"))
        batch_op.drop_index(batch_op.f("ix_capa_actions_owner"))
        batch_op.drop_index(batch_op.f("ix_capa_actions_due_date"))

    op.drop_table("capa_actions")
    with op.batch_alter_table("capa_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capa_plans_owner"))
        batch_op.drop_index(batch_op.f("ix_capa_plans_investigation_id"))

    op.drop_table("capa_plans")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient"))
        batch_op.drop_index(batch_op.f("ix_notifications_next_attempt_at"))

    op.drop_table("notifications")
