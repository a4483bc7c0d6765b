"""``qloop classify``: classify texts or a file, train the model, show the severity rules."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from qloop.classify import service
from qloop.classify.file_texts import read_texts
from qloop.core.cli_context import console, err_console, state
from qloop.core.db import session_scope
from qloop.core.errors import InputError, QloopError

EXIT_BAD_INPUT = 2

classify_app = typer.Typer(
    help="Classify and grade texts: category, failure mode, severity and its reasons.",
    invoke_without_command=True,
)


class Output(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


@classify_app.callback()
def classify_command(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Option("--text", help="One text to classify.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A CSV (UTF-8 or GBK) or XLSX file of texts.")
    ] = None,
    text_column: Annotated[str, typer.Option(help="Column holding the text.")] = "description",
    id_column: Annotated[str, typer.Option(help="Column holding each row's id.")] = "case_id",
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    output: Annotated[
        Output, typer.Option("--format", help="text, json, or jsonl (one object per line).")
    ] = Output.text,
) -> None:
    """Classify ``--text`` or every row of ``--file`` with the rules and the trained model."""
    if ctx.invoked_subcommand is not None:
        return
    if (text is None) == (file is None):
        err_console.print("[red]error:[/red] give either --text or --file")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        with session_scope(state(ctx).engine()) as session:
            classifier = service.case_classifier(session)
        if text is not None:
            single = classifier.classify(text).as_json()
            if output is Output.text:
                _print_answer(single)
            else:
                console.out(orjson.dumps(single).decode())
            return
        assert file is not None
        with read_texts(file, text_column=text_column, id_column=id_column, sheet=sheet) as rows:
            for batch in rows:
                answers = classifier.classify_many([t for _, t in batch])
                lines = [
                    {"id": row_id, **answer.as_json()}
                    for (row_id, _), answer in zip(batch, answers, strict=True)
                ]
                if output is Output.text:
                    for line in lines:
                        _print_answer(line)
                else:  # one write per batch: a JSON line each, in file order
                    sys.stdout.write("".join(orjson.dumps(line).decode() + "\n" for line in lines))
                    sys.stdout.flush()
    except QloopError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _print_answer(answer: dict[str, Any]) -> None:
    prefix = f"{answer['id']}: " if "id" in answer else ""
    console.print(
        f"{prefix}{answer['category']} ({answer['category_confidence']:.2f}) "
        f"/ {answer['failure_mode'] or '-'} / {answer['severity']} [{answer['model']}]",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for reason in answer["severity_reasons"]:
        console.print(f"  - {reason}", highlight=False, markup=False, soft_wrap=True)


@classify_app.command("train")
def train_command(
    ctx: typer.Context,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Cross-validation folds.")] = 5,
    include_imported: Annotated[
        bool,
        typer.Option(help="Also learn from categories that came in import files."),
    ] = False,
    user: Annotated[str, typer.Option(help="Recorded as the trainer.")] = "cli",
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """Train the category model on cases a person labelled; report cross-validated figures."""
    from qloop.classify import training

    try:
        with session_scope(state(ctx).engine()) as session:
            stored = training.train_model(
                session, folds=folds, include_imported=include_imported, user_name=user
            )
            summary = training.summary(stored)
    except QloopError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output is Output.text:
        console.print(
            f"model trained:{summary['version']} on {summary['samples']} cases "
            f"({len(summary['labels'])} categories): {summary['folds']}-fold cross-validated "
            f"accuracy {summary['cv_accuracy']:.3f}, macro-F1 {summary['cv_macro_f1']:.3f}; "
            f"rules alone {summary['rules_accuracy']:.3f}, blended at weight "
            f"{summary['blend_weight']} {summary['cv_blended_accuracy']:.3f}",
            highlight=False,
        )
    else:
        console.out(orjson.dumps(summary).decode())


@classify_app.command("rules")
def rules_command(
    output_file: Annotated[
        Path | None, typer.Option("--output", help="Write the rules here instead of printing.")
    ] = None,
) -> None:
    """Print the severity rules in use (YAML), to copy and edit (see QLOOP_SEVERITY_RULES)."""
    try:
        _, text, _source = service.severity_rules()
    except InputError as error:
        err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output_file is None:
        console.out(text, end="")
    else:
        try:
            output_file.parent.mkdir(parents=True, exist_ok=True)
            output_file.write_text(text, encoding="utf-8")
        except OSError as error:
            err_console.print(f"[red]error:[/red] {output_file}: {error.strerror}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        console.print(f"severity rules written to {output_file}", highlight=False)
