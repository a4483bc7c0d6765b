"""Stored units per (product, attribute, value) for ``qloop suspects``, and their guards.

Two tables (``unit_value_counts``, ``unit_counts_state``) and triggers on ``units`` that
mark the counts stale when units are updated or deleted by anything: SQLite runs them per
row, PostgreSQL once per statement. There is no INSERT trigger (SQLite runs triggers per
row: a bare insert of 500,000 units took half as long again, measured): the counts cover the
units up to an id, and units above it are new ones, counted when the counts are next
needed. The state starts fresh, covering no unit, so units already stored are counted on
first use. See ``qloop.intake.unit_counts``.

A later migration that rebuilds ``units`` on SQLite (batch mode copies the table) drops
these triggers: it must create them again. Until it does, the counts are not trusted
(``guards_present``) and ``qloop suspects`` scans the units.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STALE = "UPDATE unit_counts_state SET status = 'stale' WHERE status = 'fresh'"
COUNTED_COLUMNS = "product, batch, region, attributes"


def upgrade() -> None:
    op.create_table(
        "unit_value_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=False),
        sa.Column("attribute", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_value_counts")),
    )
    with op.batch_alter_table("unit_value_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_value_counts_product"), ["product"], unique=False)
    state = op.create_table(
        "unit_counts_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "fresh",
                "importing",
                "stale",
                name="unit_counts_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_counts_state")),
    )
    op.bulk_insert(state, [{"id": 1, "status": "fresh", "units": 0, "last_id": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION unit_counts_stale() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {STALE}; RETURN NULL; END $$"
        )
        for name, event in (
            ("update", f"UPDATE OF {COUNTED_COLUMNS}"),
            ("delete", "DELETE"),
            ("truncate", "TRUNCATE"),
        ):
            op.execute(
                f"CREATE TRIGGER units_counts_stale_on_{name} AFTER {event} ON units "
                "FOR EACH STATEMENT EXECUTE FUNCTION unit_counts_stale()"
            )
    else:
        for name, event in (("update", f"UPDATE OF {COUNTED_COLUMNS}"), ("delete", "DELETE")):
            op.execute(
                f"CREATE TRIGGER units_counts_stale_on_{name} AFTER {event} ON units "
                f"BEGIN {STALE}; END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("update", "delete", *(("truncate",) if postgresql else ())):
        op.execute(
            f"DROP TRIGGER units_counts_stale_on_{name}" + (" ON units" if postgresql else "")
        )
    if postgresql:
        op.execute("DROP FUNCTION unit_counts_stale()")
    op.drop_table("unit_counts_state")
    with op.batch_alter_table("unit_value_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_value_counts_product"))
    op.drop_table("unit_value_counts")
