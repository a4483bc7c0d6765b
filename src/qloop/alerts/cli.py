"""``qloop alerts``: check the alert rules and list alerts; ``qloop alerts ack``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
import typer

from qloop.core.cli_context import console, err_console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.core.settings import get_settings

alerts_app = typer.Typer(
    help="KPI trends, target breaches and emerging failure modes.",
    invoke_without_command=True,
)


class Output(StrEnum):
    table = "table"
    json = "json"


class Language(StrEnum):
    en = "en"
    zh = "zh"


@alerts_app.callback()
def alerts_command(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Periods ending on or after this day (default: 90 days).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Judge periods complete by this day (default: last data).")
    ] = None,
    output: Annotated[Output, typer.Option("--format", help="table or json.")] = Output.table,
    lang: Annotated[Language, typer.Option(help="Language of the messages.")] = Language.en,
    open_only: Annotated[bool, typer.Option("--open", help="Only unacknowledged alerts.")] = False,
) -> None:
    """Check the rules on the data (storing new alerts), then list the alerts since ``--since``."""
    if ctx.invoked_subcommand is not None:
        return
    from qloop.alerts import service  # pandas and SciPy load only for this command
    from qloop.alerts.schemas import alert_json

    first, reference = parse_day(since, "--since"), parse_day(as_of, "--as-of")
    try:
        with session_scope(state(ctx).engine()) as session:
            checked = service.check_alerts(session, get_settings(), since=first, as_of=reference)
            alerts = [a for a in checked.alerts if not (open_only and a.acknowledged_at)]
            answer = [alert_json(alert, lang.value) for alert in alerts]
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(answer).decode())
        return
    err_console.print(f"{checked.raised} new, {checked.updated} updated")
    for item in answer:
        state_mark = "✓" if item["acknowledged_at"] else "!"
        console.print(
            f"{state_mark} #{item['id']} [{item['kind']}] {item['message']}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@alerts_app.command("ack")
def ack_command(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(help="The alert's number (#id in the list).")],
    user: Annotated[str, typer.Option(help="Who acknowledges it.")] = "cli",
    comment: Annotated[str, typer.Option(help="What is being done about it.")] = "",
) -> None:
    """Acknowledge an alert: who, when and a comment are stored with it."""
    from qloop.alerts import service

    try:
        with session_scope(state(ctx).engine()) as session:
            alert = service.acknowledge(session, alert_id=alert_id, user_name=user, comment=comment)
            console.print(f"acknowledged #{alert.id}: {alert.message_en}", highlight=False)
    except QloopError as error:
        raise refused(error) from None
