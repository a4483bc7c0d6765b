"""Investigations: the cases they gather and the history of every change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "investigations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("failure_mode", sa.String(length=100), nullable=True),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "analysing",
                "cause_confirmed",
                "closed",
                name="investigation_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column(
            "case_filter",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigations")),
    )
    with op.batch_alter_table("investigations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investigations_failure_mode"), ["failure_mode"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_investigations_owner"), ["owner"], unique=False)

    op.create_table(
        "investigation_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_investigation_cases_investigation_id_investigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_cases")),
        sa.UniqueConstraint(
            "investigation_id",
            "case_id",
            name=op.f("uq_investigation_cases_investigation_id_case_id"),
        ),
    )
    with op.batch_alter_table("investigation_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investigation_cases_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_investigation_cases_investigation_id"),
            ["investigation_id"],
            unique=False,
        )

    op.create_table(
        "investigation_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_investigation_history_investigation_id_investigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_history")),
    )
    with op.batch_alter_table("investigation_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investigation_history_investigation_id"),
            ["investigation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("investigation_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_history_investigation_id"))

    op.drop_table("investigation_history")
    with op.batch_alter_table("investigation_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_cases_investigation_id"))
        batch_op.drop_index(batch_op.f("ix_investigation_cases_case_id"))

    op.drop_table("investigation_cases")
    with op.batch_alter_table("investigations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigations_owner"))
        batch_op.drop_index(batch_op.f("ix_investigations_failure_mode"))

    op.drop_table("investigations")
