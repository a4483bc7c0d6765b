"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from qloop.core import migrate


def test_upgrade_head_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, migrate.target_metadata())
    assert differences == []


def test_database_is_at_the_head_revision(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision() == "0001"
    assert migrate.is_current(engine)


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0001"
