"""What every command needs from the root CLI: the database, migrated and ready."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from qloop.core import migrate
from qloop.core.db import make_engine
from qloop.core.settings import get_settings


@dataclass
class CliState:
    """Global options given before the command (``qloop --db URL import ...``)."""

    database_url: str
    _engine: Engine | None = None

    def engine(self) -> Engine:
        """The engine, with the schema upgraded to the newest revision first."""
        if self._engine is None:
            self._engine = make_engine(self.database_url)
            migrate.ensure_schema(self._engine)
        return self._engine


def state(ctx: typer.Context) -> CliState:
    found = ctx.find_object(CliState)
    if found is None:  # a command invoked without the root callback (tests of a sub-app)
        found = CliState(database_url=get_settings().database_url)
        ctx.obj = found
    return found


err_console = Console(stderr=True)
console = Console()
