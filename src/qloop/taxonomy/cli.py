"""``qloop taxonomy export|import``: the taxonomy as a YAML file to edit and load back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qloop.core.cli_context import console, err_console, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.taxonomy import service
from qloop.taxonomy.schemas import dump_taxonomy, load_taxonomy_file

EXIT_BAD_INPUT = 2

taxonomy_app = typer.Typer(
    help="Categories, failure modes and their words (YAML).", no_args_is_help=True
)


@taxonomy_app.command("export")
def export_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The YAML file to write.")],
) -> None:
    """Write the taxonomy in use to FILE (YAML), to edit and import again."""
    try:
        with session_scope(state(ctx).engine()) as session:
            spec = service.load_taxonomy(session)
    except QloopError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(dump_taxonomy(spec), encoding="utf-8")
    except OSError as error:
        err_console.print(f"[red]error:[/red] {file}: {error.strerror}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    modes = sum(len(c.failure_modes) for c in spec.categories)
    console.print(
        f"{len(spec.categories)} categories and {modes} failure modes written to {file}",
        highlight=False,
    )


@taxonomy_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A taxonomy YAML file (see `taxonomy export`).")],
) -> None:
    """Make the taxonomy in use the one in FILE; categories cases still use are kept."""
    try:
        spec = load_taxonomy_file(file)
        with session_scope(state(ctx).engine()) as session:
            outcome = service.import_taxonomy(session, spec)
    except QloopError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    console.print(
        f"taxonomy imported: {outcome.categories} categories, "
        f"{outcome.failure_modes} failure modes",
        highlight=False,
    )
    if outcome.removed_categories:
        console.print(f"removed: {', '.join(outcome.removed_categories)}", highlight=False)
    if outcome.kept_categories:
        console.print(
            f"kept without words because cases use them: {', '.join(outcome.kept_categories)}",
            highlight=False,
        )
