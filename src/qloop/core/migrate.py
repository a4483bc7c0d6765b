"""Schema migrations with Alembic, shipped inside the package and run on demand.

Commands that need the schema call :func:`ensure_schema` first, so a new user
never runs a separate set-up step; ``qloop db upgrade`` does it explicitly.
Alembic is imported only when there is something to migrate: loading it costs
a command about a tenth of a second, on every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest revision in ``qloop/migrations/versions`` (a test keeps the two equal).
HEAD_REVISION = "0011"


def target_metadata() -> MetaData:
    """The metadata of every domain's models (imported here so Alembic sees all tables)."""
    from qloop.accounts import models as accounts_models  # noqa: F401  (registers the tables)
    from qloop.alerts import models as alerts_models  # noqa: F401
    from qloop.capa import models as capa_models  # noqa: F401
    from qloop.classify import models as classify_models  # noqa: F401
    from qloop.core.db import Base
    from qloop.intake import models as intake_models  # noqa: F401
    from qloop.kb import models as kb_models  # noqa: F401
    from qloop.kpi import models as kpi_models  # noqa: F401
    from qloop.rca import models as rca_models  # noqa: F401
    from qloop.taxonomy import models as taxonomy_models  # noqa: F401

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "qloop:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def ensure_schema(engine: Engine) -> None:
    """Upgrade to the newest schema unless the database is already there."""
    if current_revision(engine) != HEAD_REVISION:
        upgrade(engine)


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database; ``None`` for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str | None:
    """The newest revision among the migration scripts, as Alembic sees them."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
