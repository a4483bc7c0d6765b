"""``qloop investigation create|list|show|update``: problem reports from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.reports.cli import Format, Language

investigation_app = typer.Typer(help="Investigations (problem reports).", no_args_is_help=True)


class Output(StrEnum):
    text = "text"
    json = "json"


@investigation_app.command("create")
def create_command(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="What the investigation is about.")],
    failure_mode: Annotated[str | None, typer.Option(help="Gather cases of this mode.")] = None,
    product: Annotated[str | None, typer.Option(help="... of this product.")] = None,
    region: Annotated[str | None, typer.Option(help="... from this region.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="... received from.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="... received up to.")] = None,
    case: Annotated[
        list[str] | None, typer.Option("--case", help="A case id (repeatable).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns it.")] = None,
    user: Annotated[str, typer.Option(help="Recorded as its creator.")] = "cli",
) -> None:
    """Open an investigation with the cases of a filter and/or named cases."""
    from qloop.rca import investigations as service

    case_filter = service.CaseFilter(
        product, failure_mode, region, parse_day(start, "--from"), parse_day(end, "--to")
    )
    try:
        with session_scope(state(ctx).engine()) as session:
            found = service.create_investigation(
                session, title=title, user_name=user, owner=owner, case_filter=case_filter,
                case_ids=case or [],
            )  # fmt: skip
            count = len(service.case_ids_of(session, found.id))
            number = found.id
    except QloopError as error:
        raise refused(error) from None
    console.print(f"investigation {number} opened with {count} cases", highlight=False)


@investigation_app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """Investigations, newest first."""
    from qloop.rca import investigations as service
    from qloop.rca.schemas import InvestigationRead

    try:
        with session_scope(state(ctx).engine()) as session:
            chosen = service.parse_status(status) if status else None
            found = [InvestigationRead.of(i, n) for i, n in service.list_investigations(
                session, status=chosen)]  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps([f.model_dump(mode="json") for f in found]).decode())
        return
    for item in found:
        console.print(f"#{item.id} [{item.status}] {item.title} — {item.cases} cases, "
                      f"owner {item.owner or '-'}", highlight=False, markup=False)  # fmt: skip


@investigation_app.command("show")
def show_command(
    ctx: typer.Context,
    investigation_id: Annotated[int, typer.Argument(help="The investigation's number.")],
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """One investigation: its cases and its history."""
    from qloop.rca.schemas import detail_of

    try:
        with session_scope(state(ctx).engine()) as session:
            detail = detail_of(session, investigation_id)
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(detail.model_dump(mode="json")).decode())
        return
    console.print(f"#{detail.id} {detail.title}\nstatus {detail.status}, owner "
                  f"{detail.owner or '-'}, {detail.cases} cases: "
                  f"{', '.join(detail.case_ids[:20])}{' ...' if detail.cases > 20 else ''}",
                  highlight=False, markup=False)  # fmt: skip
    for change in detail.history:
        console.print(f"  {change.changed_at:%Y-%m-%d %H:%M} {change.user_name}: {change.field} "
                      f"{change.old_value or ''} -> {change.new_value or ''}",
                      highlight=False, markup=False)  # fmt: skip


@investigation_app.command("update")
def update_command(
    ctx: typer.Context,
    investigation_id: Annotated[int, typer.Argument(help="The investigation's number.")],
    status: Annotated[
        str | None, typer.Option(help="open, analysing, cause_confirmed, closed")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="New owner.")] = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    user: Annotated[str, typer.Option(help="Recorded in the history.")] = "cli",
) -> None:
    """Change status (along the workflow), owner or title; each change goes to the history."""
    from qloop.rca import investigations as service

    given: dict[str, str | None] = {"status": status, "owner": owner, "title": title}
    changes: dict[str, str | None] = {key: value for key, value in given.items() if value}
    try:
        with session_scope(state(ctx).engine()) as session:
            found = service.update_investigation(
                session, investigation_id=investigation_id, changes=changes, user_name=user
            )
            shown = f"#{found.id} [{found.status.value}] {found.title}"
    except QloopError as error:
        raise refused(error) from None
    console.print(shown, highlight=False, markup=False)


@investigation_app.command("export")
def export_command(
    ctx: typer.Context,
    investigation_id: Annotated[int, typer.Argument(help="The investigation's number.")],
    out: Annotated[Path, typer.Option(help="The file to write.")],
    output: Annotated[Format, typer.Option("--format", help="html, pdf or xlsx.")] = Format.pdf,
    lang: Annotated[Language, typer.Option(help="en or zh.")] = Language.en,
) -> None:
    """The whole investigation as a document: suspects, time in service, 5-Why, fishbone, FMEA."""
    from qloop.rca.dossier import build_dossier
    from qloop.rca.report import locale_of, render_investigation_html, render_investigation_pdf
    from qloop.rca.report_xlsx import render_investigation_xlsx

    try:
        with session_scope(state(ctx).engine()) as session:
            dossier = build_dossier(session, investigation_id, locale_of(lang.value))
            if output is Format.html:
                data = render_investigation_html(dossier, lang.value).encode("utf-8")
            elif output is Format.pdf:
                data = render_investigation_pdf(dossier, lang.value)
            else:
                data = render_investigation_xlsx(dossier, lang.value)
    except QloopError as error:
        raise refused(error) from None
    out.write_bytes(data)
    console.print(f"wrote {out} ({len(data):,} bytes)", highlight=False, markup=False)
