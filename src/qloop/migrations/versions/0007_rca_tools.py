"""Root-cause tools of an investigation: 5-Why steps, fishbone causes, FMEA rows and revisions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fishbone_causes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "man",
                "machine",
                "material",
                "method",
                "measurement",
                "environment",
                name="cause_category",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "suspected",
                "confirmed",
                "ruled_out",
                name="cause_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("suspect_attribute", sa.String(length=100), nullable=True),
        sa.Column("suspect_value", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_fishbone_causes_investigation_id_investigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fishbone_causes")),
    )
    with op.batch_alter_table("fishbone_causes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fishbone_causes_investigation_id"), ["investigation_id"], unique=False
        )

    op.create_table(
        "five_why_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("because", sa.Text(), nullable=False),
        sa.Column("evidence_case_id", sa.String(length=100), nullable=True),
        sa.Column("evidence_suspect", sa.String(length=300), nullable=True),
        sa.Column("evidence_note", sa.Text(), nullable=True),
        sa.Column("evidence_file_name", sa.String(length=255), nullable=True),
        sa.Column("evidence_file", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_five_why_steps_investigation_id_investigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_five_why_steps")),
    )
    with op.batch_alter_table("five_why_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_five_why_steps_investigation_id"), ["investigation_id"], unique=False
        )

    op.create_table(
        "fmea_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column(
            "rows",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_fmea_revisions_investigation_id_investigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fmea_revisions")),
        sa.UniqueConstraint(
            "investigation_id", "number", name=op.f("uq_fmea_revisions_investigation_id_number")
        ),
    )
    with op.batch_alter_table("fmea_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fmea_revisions_investigation_id"), ["investigation_id"], unique=False
        )

    op.create_table(
        "fmea_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=300), nullable=False),
        sa.Column("function", sa.String(length=300), nullable=True),
        sa.Column("failure_mode", sa.String(length=300), nullable=False),
        sa.Column("effect", sa.Text(), nullable=True),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("controls", sa.Text(), nullable=True),
        sa.Column("detection", sa.Integer(), nullable=False),
        sa.Column("recommended_action", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "detection BETWEEN 1 AND 10", name=op.f("ck_fmea_rows_detection_1_to_10")
        ),
        sa.CheckConstraint(
            "occurrence BETWEEN 1 AND 10", name=op.f("ck_fmea_rows_occurrence_1_to_10")
        ),
        sa.CheckConstraint("severity BETWEEN 1 AND 10", name=op.f("ck_fmea_rows_severity_1_to_10")),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name=op.f("fk_fmea_rows_investigation_id_investigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fmea_rows")),
    )
    with op.batch_alter_table("fmea_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fmea_rows_investigation_id"), ["investigation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fmea_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fmea_rows_investigation_id"))

    op.drop_table("fmea_rows")
    with op.batch_alter_table("fmea_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fmea_revisions_investigation_id"))

    op.drop_table("fmea_revisions")
    with op.batch_alter_table("five_why_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_five_why_steps_investigation_id"))

    op.drop_table("five_why_steps")
    with op.batch_alter_table("fishbone_causes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fishbone_causes_investigation_id"))

    op.drop_table("fishbone_causes")
