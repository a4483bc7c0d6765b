"""``qloop notify ...``: deliver the e-mail outbox, queue the overdue digest, show its state."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import orjson
import typer
from rich.markup import escape

from qloop.capa import mailer
from qloop.capa.notifications import enqueue_overdue_digests
from qloop.core.cli_context import console, err_console, parse_day, state
from qloop.core.db import session_scope
from qloop.core.settings import Settings, get_settings

notify_app = typer.Typer(
    help="E-mail notifications: deliver the outbox, the daily overdue digest, the outbox's state.",
    no_args_is_help=True,
)

OFF = "e-mail is off (QLOOP_SMTP_HOST is not set): notifications wait in the outbox"


class Output(StrEnum):
    text = "text"
    json = "json"


@notify_app.command("send")
def send_command(ctx: typer.Context) -> None:
    """Send the notifications that are due now; exit 1 if any of them failed this time."""
    _deliver(ctx, get_settings())


@notify_app.command("digest")
def digest_command(
    ctx: typer.Context,
    date: Annotated[
        str | None, typer.Option(help="The day the actions are overdue on (default: today).")
    ] = None,
) -> None:
    """Queue today's digest of overdue actions (one per owner and day), then send what is due."""
    day = parse_day(date, "--date") or dt.date.today()
    with session_scope(state(ctx).engine()) as session:
        queued = len(enqueue_overdue_digests(session, today=day))
    console.print(f"{queued} overdue digests queued for {day}", highlight=False)
    _deliver(ctx, get_settings())


@notify_app.command("status")
def status_command(
    ctx: typer.Context,
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """Pending, sent and failed notifications, and the last 10 failures with their errors."""
    settings = get_settings()
    with session_scope(state(ctx).engine()) as session:
        status = mailer.outbox_status(session, settings)
        failures = [
            {
                "id": n.id,
                "kind": n.kind,
                "recipient": n.recipient,
                "address": n.address,
                "subject": n.subject,
                "attempts": n.attempts,
                "failed_at": n.failed_at.isoformat(" ", "seconds") if n.failed_at else None,
                "error": n.last_error,
            }
            for n in status.recent_failures
        ]
    summary = {
        "email": "on" if status.server else "off",
        "server": status.server,
        "pending": status.pending,
        "retrying": status.retrying,
        "sent": status.sent,
        "failed": status.failed,
        "recent_failures": failures,
    }
    if output is Output.json:
        console.out(orjson.dumps(summary).decode())
        return
    console.print(
        f"e-mail: {status.server}" if status.server else OFF,
        f"\npending {status.pending} (retrying {status.retrying}), sent {status.sent}, "
        f"failed {status.failed}",
        highlight=False,
        sep="",
    )
    if failures:
        console.print("last failures:")
    for item in failures:
        to = f"{item['recipient']} <{item['address'] or 'no address'}>"
        console.print(
            f"  #{item['id']} {item['kind']} to {to}, {item['attempts']} attempts, "
            f"failed {item['failed_at']}: {item['error']}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def _deliver(ctx: typer.Context, settings: Settings) -> None:
    report = mailer.deliver_all(state(ctx).engine(), settings)
    if not report.enabled:
        err_console.print(OFF, highlight=False)
        return
    console.print(
        f"sent {report.sent}, to retry {report.retried}, given up {report.failed}, "
        f"no e-mail address {report.skipped_no_address}",
        highlight=False,
    )
    for error in report.errors:
        err_console.print(f"[red]error:[/red] {escape(error)}", highlight=False, soft_wrap=True)
    if report.any_failure:
        raise typer.Exit(1)
