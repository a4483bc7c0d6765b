"""``qloop kb import|export|search|reindex|draft``: the knowledge base from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import Progress

from qloop.core.cli_context import console, err_console, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.core.settings import get_settings
from qloop.intake.cli import EXIT_REJECTS

kb_app = typer.Typer(help="Knowledge base: articles, search.", no_args_is_help=True)


class Output(StrEnum):
    table = "table"
    json = "json"


@kb_app.command("import")
def import_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder of Markdown files (searched deep).")],
    user: Annotated[str, typer.Option(help="Recorded as the author.")] = "cli",
) -> None:
    """Import Markdown articles with YAML front matter; a re-import updates by ``id``.
    Images and PDFs listed under ``attachments:`` or named by relative paths in the body
    come along."""
    from qloop.kb.markdown_files import import_directory

    files = len(list(directory.rglob("*.md"))) if directory.is_dir() else 0
    limit = get_settings().evidence_limit_bytes
    try:
        with Progress(console=err_console, transient=True) as progress, session_scope(
            state(ctx).engine()
        ) as session:  # fmt: skip
            task = progress.add_task("importing", total=files)
            result = import_directory(session, directory, user_name=user,
                                      on_file=lambda _p: progress.advance(task),
                                      attachment_limit=limit)  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    console.print(f"{result.created} created, {result.updated} updated, {result.unchanged} "
                  f"unchanged, {len(result.rejected)} rejected", highlight=False)  # fmt: skip
    for source, reason in result.rejected:
        err_console.print(f"  {source}: {reason}", highlight=False, markup=False)
    if result.rejects_path is not None:
        console.print(f"rejects: {result.rejects_path}", highlight=False, markup=False)
        raise typer.Exit(EXIT_REJECTS)  # like qloop import: stored, but not everything


@kb_app.command("export")
def export_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder to write the Markdown files to.")],
) -> None:
    """Write every article as a Markdown file with YAML front matter (imports again)."""
    from qloop.kb.markdown_files import export_directory

    with session_scope(state(ctx).engine()) as session:
        count = export_directory(session, directory)
    console.print(f"{count} articles written to {directory}", highlight=False, markup=False)


@kb_app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in Chinese or English.")],
    product: Annotated[str | None, typer.Option(help="Only articles of this product.")] = None,
    failure_mode: Annotated[str | None, typer.Option(help="Only of this failure mode.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only en or zh articles.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many.")] = 10,
    output: Annotated[Output, typer.Option("--format", help="table or json.")] = Output.table,
) -> None:
    """Ranked articles: ``[{"id", "title", "score", "snippet"}]`` with ``--format json``."""
    from qloop.kb.search import search_articles

    with session_scope(state(ctx).engine()) as session:
        hits = search_articles(session, query, product=product, failure_mode=failure_mode,
                               lang=lang, limit=limit)  # fmt: skip
        answer = [hit.as_json() for hit in hits]
    if output is Output.json:
        console.out(orjson.dumps(answer).decode())
        return
    for hit in answer:
        console.print(f"#{hit['id']} {hit['score']:.2f} {hit['title']}", highlight=False,
                      markup=False)  # fmt: skip
    if not answer:
        console.print("no article found", highlight=False)


@kb_app.command("reindex")
def reindex_command(ctx: typer.Context) -> None:
    """Rebuild the search index of every article (after an upgrade of the tokenizer)."""
    from qloop.kb.index import reindex_all

    with session_scope(state(ctx).engine()) as session:
        count = reindex_all(session)
    console.print(f"{count} articles indexed", highlight=False)


@kb_app.command("draft")
def draft_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="A closed corrective action plan.")],
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    user: Annotated[str, typer.Option(help="Who writes it.")] = "cli",
) -> None:
    """A draft article from a closed 8D plan, for an engineer to edit and publish."""
    from qloop.capa.cli import acting_user
    from qloop.kb.drafts import draft_from_plan

    try:
        with session_scope(state(ctx).engine()) as session:
            article = draft_from_plan(session, plan_id=plan_id, lang=lang,
                                      user=acting_user(session, user))  # fmt: skip
            shown = f"draft article {article.id}: {article.title}"
    except QloopError as error:
        raise refused(error) from None
    console.print(shown, highlight=False, markup=False)
