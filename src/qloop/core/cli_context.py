"""What every command needs from the root CLI: the database, migrated and ready."""

from __future__ import annotations

import datetime as dt
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

#: the exit code of a command refused for bad input (nothing was stored)
EXIT_BAD_INPUT = 2


def refused(error: Exception) -> typer.Exit:
    """Print why a command was refused; the caller raises the returned exit (code 2)."""
    err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def parse_day(value: str | None, option: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` option, or a refusal that names the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise refused(ValueError(f"{option} {value!r} is not a date (YYYY-MM-DD)")) from None
