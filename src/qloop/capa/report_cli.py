"""``qloop report-8d``: a corrective action plan's 8D report as a PDF, XLSX or DOCX file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qloop.core.cli_context import console, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError


class ReportFormat(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"
    docx = "docx"


class Language(StrEnum):
    en = "en"
    zh = "zh"


def report_8d_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.", metavar="PLAN")],
    out: Annotated[Path, typer.Option(help="The file to write.")],
    output: Annotated[
        ReportFormat | None,
        typer.Option("--format", help="pdf, xlsx or docx (default: from --out, else pdf)."),
    ] = None,
    lang: Annotated[Language, typer.Option(help="en or zh.")] = Language.en,
) -> None:
    """The 8D report of a plan: every step, causes, 5-Why, fishbone, actions, containment,
    verification, claims and the last changes."""
    from qloop.capa.report import render_8d_pdf
    from qloop.capa.report_docx import render_8d_docx
    from qloop.capa.report_xlsx import render_8d_xlsx

    chosen = output or format_of(out)
    render = {ReportFormat.pdf: render_8d_pdf, ReportFormat.xlsx: render_8d_xlsx,
              ReportFormat.docx: render_8d_docx}[chosen]  # fmt: skip
    try:
        with session_scope(state(ctx).engine()) as session:
            data = render(session, plan_id, lang.value)
    except QloopError as error:
        raise refused(error) from None
    out.write_bytes(data)
    console.print(f"wrote {out} ({len(data):,} bytes)", highlight=False, markup=False)


def format_of(path: Path) -> ReportFormat:
    """The format the file's suffix names; PDF for any other suffix."""
    try:
        return ReportFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        return ReportFormat.pdf
