"""``qloop fmea show|export|import|history``: an investigation's FMEA worksheet."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from qloop.core.cli_context import console, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import InputError, QloopError

fmea_app = typer.Typer(
    help="FMEA worksheets of investigations: show, export to and import from XLSX, history.",
    no_args_is_help=True,
)

InvestigationId = Annotated[int, typer.Argument(help="The investigation's number.")]


class Output(StrEnum):
    text = "text"
    json = "json"


class Sort(StrEnum):
    position = "position"
    priority = "priority"
    rpn = "rpn"
    severity = "severity"


class Language(StrEnum):
    en = "en"
    zh = "zh"


@fmea_app.command("show")
def show_command(
    ctx: typer.Context,
    investigation_id: InvestigationId,
    priority: Annotated[str | None, typer.Option(help="Only this AP: H, M or L.")] = None,
    sort: Annotated[
        Sort, typer.Option(help="position, priority, rpn or severity.")
    ] = Sort.position,
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """The worksheet's rows with RPN and Action Priority."""
    from qloop.rca import fmea

    try:
        with session_scope(state(ctx).engine()) as session:
            lines = fmea.worksheet(session, investigation_id, priority=priority, sort=sort.value)
            shown = [line.as_json() for line in lines]
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(shown).decode())
        return
    for row in shown:
        console.print(
            f"{row['position']:>3} AP {row['action_priority']} RPN {row['rpn']:>4} "
            f"S{row['severity']} O{row['occurrence']} D{row['detection']}  "
            f"{row['item']} / {row['failure_mode']}; cause: {row['cause'] or '-'}; "
            f"action: {row['recommended_action'] or '-'} ({row['owner'] or '-'}, "
            f"{row['due_date'] or '-'})",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
    if not shown:
        console.print("no FMEA rows", highlight=False)


@fmea_app.command("export")
def export_command(
    ctx: typer.Context,
    investigation_id: InvestigationId,
    out: Annotated[Path, typer.Option(help="The XLSX file to write.")],
    lang: Annotated[Language, typer.Option(help="Headers in en or zh.")] = Language.en,
) -> None:
    """Write the worksheet as a classic FMEA spreadsheet (RPN and AP included as values)."""
    from qloop.rca import fmea
    from qloop.rca.fmea_xlsx import write_fmea_xlsx
    from qloop.rca.investigations import require_investigation

    try:
        with session_scope(state(ctx).engine()) as session:
            investigation = require_investigation(session, investigation_id)
            lines = fmea.worksheet(session, investigation_id)
            latest = fmea.revisions(session, investigation_id)[:1]
            data = write_fmea_xlsx(
                lines, title=investigation.title, product=investigation.product,
                revision=latest[0].number if latest else None, lang=lang.value,
            )  # fmt: skip
        out.write_bytes(data)
    except (QloopError, OSError) as error:
        raise refused(error) from None
    console.print(f"{len(lines)} FMEA rows written to {out}", highlight=False, markup=False)


@fmea_app.command("import")
def import_command(
    ctx: typer.Context,
    investigation_id: InvestigationId,
    file: Annotated[Path, typer.Argument(help="An XLSX file in the classic FMEA layout.")],
    user: Annotated[str, typer.Option(help="Recorded in the revision.")] = "cli",
) -> None:
    """Replace the worksheet with the file's rows (one revision); any bad row refuses it all."""
    from qloop.rca import fmea
    from qloop.rca.fmea_xlsx import read_fmea_xlsx

    try:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise InputError(f"cannot read the file ({error.strerror})", file=file.name) from None
        rows = read_fmea_xlsx(data, file_name=file.name)
        summary = f"imported from {file.name}: {len(rows)} rows"
        with session_scope(state(ctx).engine()) as session:
            fmea.replace_rows(session, investigation_id=investigation_id, rows=rows,
                              user_name=user, summary=summary)  # fmt: skip
            number = fmea.revisions(session, investigation_id)[0].number
    except QloopError as error:
        raise refused(error) from None
    console.print(f"revision {number}: {summary}", highlight=False, markup=False)


@fmea_app.command("history")
def history_command(ctx: typer.Context, investigation_id: InvestigationId) -> None:
    """The worksheet's revisions, newest first: number, when, who, what changed."""
    from qloop.rca import fmea

    try:
        with session_scope(state(ctx).engine()) as session:
            found = [(r.number, r.created_at, r.created_by, r.summary)
                     for r in fmea.revisions(session, investigation_id)]  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    for number, when, who, summary in found:
        console.print(f"{number:>4}  {when:%Y-%m-%d %H:%M}  {who}: {summary}",
                      highlight=False, markup=False, soft_wrap=True)  # fmt: skip
    if not found:
        console.print("no FMEA revisions", highlight=False)
