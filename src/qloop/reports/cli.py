"""``qloop report``: the monthly quality report as HTML, PDF or XLSX, in English or Chinese."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qloop.core.cli_context import console, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.core.settings import get_settings


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


class Language(StrEnum):
    en = "en"
    zh = "zh"


def report_command(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help="The month, e.g. 2026-10.")],
    out: Annotated[Path, typer.Option(help="Where to write the report.")],
    lang: Annotated[Language, typer.Option(help="en or zh.")] = Language.en,
    output: Annotated[Format, typer.Option("--format", help="html, pdf or xlsx.")] = Format.html,
) -> None:
    """Write the monthly quality report (alerts of the month are checked and stored first)."""
    from qloop.reports import render, xlsx
    from qloop.reports.content import build_report

    try:
        with console.status(f"building the report for {period}"):
            with session_scope(state(ctx).engine()) as session:
                report = build_report(
                    session, get_settings(database_url=state(ctx).database_url), period=period
                )
            if output is Format.html:
                out.write_text(render.render_html(report, lang.value), encoding="utf-8")
            elif output is Format.pdf:
                out.write_bytes(render.render_pdf(report, lang.value))
            else:
                out.write_bytes(xlsx.render_xlsx(report, lang.value))
    except QloopError as error:
        raise refused(error) from None
    console.print(f"report written: {out}", highlight=False)
