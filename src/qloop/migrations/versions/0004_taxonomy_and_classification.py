"""Taxonomy (failure modes, words), classification results on cases, trained models.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The default taxonomy shipped with this version is merged into the categories an
earlier import may have registered, so an older database gets the same taxonomy
as a new one (``taxonomy.seed`` writes through its own table definitions, not
the models, so later columns cannot break this revision).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "classifier_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trained_at", sa.DateTime(), nullable=False),
        sa.Column("trained_by", sa.String(length=100), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("folds", sa.Integer(), nullable=False),
        sa.Column("cv_accuracy", sa.Float(), nullable=False),
        sa.Column("cv_macro_f1", sa.Float(), nullable=False),
        sa.Column("blend_weight", sa.Float(), nullable=False),
        sa.Column("cv_blended_accuracy", sa.Float(), nullable=False),
        sa.Column("rules_accuracy", sa.Float(), nullable=False),
        sa.Column("labels", _json(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifier_models")),
        sa.UniqueConstraint("version", name=op.f("uq_classifier_models_version")),
    )
    op.create_table(
        "taxonomy_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_revision")),
    )
    op.create_table(
        "ignored_phrases",
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("phrase", name=op.f("pk_ignored_phrases")),
    )
    op.create_table(
        "failure_modes",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("keywords", _json(), nullable=False),
        sa.Column("functions", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category"],
            ["categories.code"],
            name=op.f("fk_failure_modes_category_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_failure_modes")),
    )
    with op.batch_alter_table("failure_modes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failure_modes_category"), ["category"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("category_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("severity_reasons", _json(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("duplicate_reason", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_customer"), ["customer"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_duplicate_of"), ["duplicate_of"], unique=False)

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("position", sa.Integer(), nullable=False, server_default="1000")
        )
        for name in ("keywords", "parts", "causes", "functions"):
            batch_op.add_column(sa.Column(name, _json(), nullable=False, server_default="[]"))
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.alter_column("position", server_default=None)
        for name in ("keywords", "parts", "causes", "functions"):
            batch_op.alter_column(name, server_default=None)

    from qloop.taxonomy.seed import seed_default_taxonomy

    seed_default_taxonomy(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        for name in ("functions", "causes", "parts", "keywords", "position"):
            batch_op.drop_column(name)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_duplicate_of"))
        batch_op.drop_index(batch_op.f("ix_cases_customer"))
        for name in (
            "duplicate_reason",
            "duplicate_of",
            "severity_reasons",
            "category_confidence",
            "customer",
        ):
            batch_op.drop_column(name)

    with op.batch_alter_table("failure_modes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failure_modes_category"))
    op.drop_table("failure_modes")
    op.drop_table("ignored_phrases")
    op.drop_table("taxonomy_revision")
    op.drop_table("classifier_models")
