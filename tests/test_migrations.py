"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from qloop.core import migrate
from qloop.core.db import make_engine


def test_upgrade_head_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, migrate.target_metadata())
    assert differences == []


def test_database_is_at_the_head_revision(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision() == migrate.HEAD_REVISION


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION


def test_every_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'steps.db'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "base")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION


def test_ensure_schema_creates_a_new_database_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert migrate.current_revision(engine) is None
    migrate.ensure_schema(engine)
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION
    migrate.ensure_schema(engine)  # already current: nothing to do
    assert migrate.current_revision(engine) == migrate.HEAD_REVISION
