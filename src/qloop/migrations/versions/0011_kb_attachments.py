"""Knowledge-base attachments: an article lists its files' names (so every version says
which images and PDFs it had), and a removed file is kept, marked removed, for the
versions that showed it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attachments",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
    with op.batch_alter_table("kb_article_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("removed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_article_files", schema=None) as batch_op:
        batch_op.drop_column("removed_by")
        batch_op.drop_column("removed_at")
        batch_op.drop_column("sha256")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_column("attachments")
