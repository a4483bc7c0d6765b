"""Initial schema: units, cases, repairs, surveys, products, categories.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    op.create_table(
        "products",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_products")),
    )
    op.create_table(
        "repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_id", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=True),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("technician", sa.String(length=200), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column(
            "parts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "closed_at IS NULL OR closed_at >= opened_at",
            name=op.f("ck_repairs_closed_after_opened"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repairs")),
        sa.UniqueConstraint("repair_id", name=op.f("uq_repairs_repair_id")),
    )
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repairs_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repairs_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_repairs_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_repairs_serial"), ["serial"], unique=False)

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_surveys_score_1_to_5")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("case_id", "answered_at", name=op.f("uq_surveys_case_id_answered_at")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_case_id"), ["case_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "hotline",
                "ecommerce",
                "repair",
                "survey",
                "app",
                "email",
                "iot",
                "other",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("serial", sa.String(length=100), nullable=True),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("failure_mode", sa.String(length=100), nullable=True),
        sa.Column(
            "severity",
            sa.Enum(
                "urgent",
                "important",
                "general",
                name="severity",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "in_progress",
                "resolved",
                "closed",
                name="case_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "category_set_by",
            sa.Enum(
                "imported",
                "auto",
                "user",
                name="category_set_by",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("category_set_by_user", sa.String(length=100), nullable=True),
        sa.Column(
            "severity_set_by",
            sa.Enum(
                "imported",
                "auto",
                "user",
                name="severity_set_by",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("severity_set_by_user", sa.String(length=100), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["category"], ["categories.code"], name=op.f("fk_cases_category_categories")
        ),
        sa.ForeignKeyConstraint(
            ["product"], ["products.code"], name=op.f("fk_cases_product_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_cases_case_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_failure_mode"), ["failure_mode"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_product"), ["product"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_serial"), ["serial"], unique=False)

    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=False),
        sa.Column("batch", sa.String(length=100), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("ship_date", sa.Date(), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["product"], ["products.code"], name=op.f("fk_units_product_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("serial", name=op.f("uq_units_serial")),
    )


def downgrade() -> None:
    op.drop_table("units")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_serial"))
        batch_op.drop_index(batch_op.f("ix_cases_received_at"))
        batch_op.drop_index(batch_op.f("ix_cases_product"))
        batch_op.drop_index(batch_op.f("ix_cases_failure_mode"))
        batch_op.drop_index(batch_op.f("ix_cases_category"))

    op.drop_table("cases")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_case_id"))

    op.drop_table("surveys")
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repairs_serial"))
        batch_op.drop_index(batch_op.f("ix_repairs_opened_at"))
        batch_op.drop_index(batch_op.f("ix_repairs_closed_at"))
        batch_op.drop_index(batch_op.f("ix_repairs_case_id"))

    op.drop_table("repairs")
    op.drop_table("products")
    op.drop_table("categories")
