"""Schema migrations with Alembic, shipped inside the package and run on demand.

Commands that need the schema call :func:`upgrade` first, so a new user never
runs a separate set-up step; ``qloop db upgrade`` does the same explicitly.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine


def target_metadata() -> MetaData:
    """The metadata of every domain's models (imported here so Alembic sees all tables)."""
    from qloop.core.db import Base
    from qloop.intake import models  # noqa: F401  (registers the tables)

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "qloop:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def autogenerate(connection: Connection, message: str) -> None:
    """Write a new revision from the difference between the models and the database (developers)."""
    command.revision(alembic_config(connection), message=message, autogenerate=True)
