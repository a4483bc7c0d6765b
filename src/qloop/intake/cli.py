"""``qloop import`` and ``qloop status``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from qloop.core import migrate
from qloop.core.cli_context import console, err_console, state
from qloop.core.db import display_url, session_scope
from qloop.core.errors import InputError
from qloop.intake import service
from qloop.intake.importers import ImportResult, ProgressCallback
from qloop.intake.records import SPECS

EXIT_REJECTS = 3
EXIT_BAD_INPUT = 2


#: the tables a file can be imported into, named as ``qloop.intake.records.SPECS`` names them
ImportTable = StrEnum("ImportTable", [(name, name) for name in SPECS])  # type: ignore[misc]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def import_command(
    ctx: typer.Context,
    table: Annotated[ImportTable, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="A .csv (UTF-8 or GBK) or .xlsx file.")],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where rejected rows go (default: FILE.rejects.csv).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate and count, store nothing.")] = False,
    output: Annotated[OutputFormat, typer.Option("--format", help="Summary format.")] = (
        OutputFormat.text
    ),
) -> None:
    """Import units, cases, repairs or surveys; rows that fail go to a rejects file with reasons.

    Exit code 0: every row stored; 3: some rows rejected (the rest stored);
    2: the file could not be read or the command was wrong (nothing stored).
    """
    engine = state(ctx).engine()
    try:
        with _progress(file.name, enabled=output is OutputFormat.text) as on_progress:
            result = service.import_file(
                engine,
                table=table.value,
                path=file,
                sheet=sheet,
                rejects_path=rejects,
                dry_run=dry_run,
                on_progress=on_progress,
            )
    except InputError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _print_result(result, output, dry_run)
    if result.rejected:
        raise typer.Exit(EXIT_REJECTS)


class _progress:
    """A Rich progress bar on a terminal; a no-op callback elsewhere (pipes, CI, JSON output)."""

    def __init__(self, label: str, *, enabled: bool) -> None:
        self.enabled = enabled and err_console.is_terminal
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        )
        self.task = self.bar.add_task(f"importing {label}", total=None)

    def __enter__(self) -> ProgressCallback | None:
        if not self.enabled:
            return None
        self.bar.start()
        return lambda done, total: self.bar.update(self.task, completed=done, total=total or None)

    def __exit__(self, *_exc: object) -> None:
        if self.enabled:
            self.bar.stop()


def _print_result(result: ImportResult, output: OutputFormat, dry_run: bool) -> None:
    if output is OutputFormat.json:
        console.print_json(json.dumps(result.as_dict()))
        return
    verb = "would store" if dry_run else "stored"
    console.print(
        f"{result.file}: read {result.read} {result.table} rows, {verb} "
        f"{result.inserted} new, {result.updated} updated, {result.unchanged} unchanged; "
        f"rejected {result.rejected}",
        highlight=False,
        soft_wrap=True,
    )
    if result.rejects_path:
        console.print(
            f"rejected rows and reasons: {result.rejects_path}", highlight=False, soft_wrap=True
        )
    if result.classified or result.duplicates:
        console.print(
            f"classified {result.classified} cases automatically ({result.to_review} to review), "
            f"{result.escalated} raised by escalation, {result.duplicates} possible duplicates",
            highlight=False,
            soft_wrap=True,
        )


def status_command(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """Show the database, its schema version, row counts and the cases' date range."""
    cli_state = state(ctx)
    engine = cli_state.engine()
    with session_scope(engine) as session:
        status = service.database_status(session)
    summary = {
        "database": display_url(cli_state.database_url),
        "schema_version": migrate.current_revision(engine),
        **status.counts,
        "cases_from": status.first_case_at.isoformat(sep=" ") if status.first_case_at else None,
        "cases_to": status.last_case_at.isoformat(sep=" ") if status.last_case_at else None,
    }
    if output is OutputFormat.json:
        console.print_json(json.dumps(summary))
        return
    table = Table(title="qloop status", show_header=False)
    for key, value in summary.items():
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)
