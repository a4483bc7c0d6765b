"""The ``qloop`` command: global options, and every domain's commands under their names."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from qloop import __version__
from qloop.accounts.cli import token_app, user_app
from qloop.alerts.cli import alerts_app
from qloop.capa import plan_tools_cli  # noqa: F401  (adds plan contain|verify|claim)
from qloop.capa.cli import actions_command, plan_app
from qloop.capa.containment_cli import containment_command
from qloop.capa.notify_cli import notify_app
from qloop.capa.report_cli import report_8d_command
from qloop.capa.verification_cli import verify_effect_command
from qloop.classify.cli import classify_app
from qloop.core.cli_context import CliState, console, err_console
from qloop.core.settings import get_settings
from qloop.demo.cli import demo_command
from qloop.intake.cli import import_command, status_command
from qloop.kb.cli import kb_app
from qloop.kpi.cli import kpi_app
from qloop.rca.cli import profile_command, suspects_command
from qloop.rca.fmea_cli import fmea_app
from qloop.rca.investigation_cli import investigation_app
from qloop.reports.cli import report_command
from qloop.taxonomy.cli import taxonomy_app
from qloop.web.cli import serve_command

app = typer.Typer(
    help="qloop: after-sales quality management, from field problem to verified fix.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: $QLOOP_DATABASE_URL, else sqlite:///qloop.db).",
            metavar="URL",
        ),
    ] = None,
) -> None:
    """Global options apply to every command."""
    ctx.obj = CliState(database_url=db or get_settings().database_url)


@app.command()
def version() -> None:
    """Print qloop's version."""
    console.print(__version__)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the schema to the newest version (other commands do this themselves)."""
    from qloop.core import migrate

    state: CliState = ctx.ensure_object(CliState)
    engine = state.engine()
    console.print(f"schema at version {migrate.current_revision(engine)}")


def run() -> None:
    """Console entry point: the app, with failures outside row errors reported in one line.

    Every command runs in one transaction, so such a failure has stored nothing.
    """
    try:
        app()
    except DBAPIError as error:
        err_console.print(
            f"[red]error:[/red] database: {error.orig}", highlight=False, soft_wrap=True
        )
        raise SystemExit(1) from None
    except ValidationError as error:
        err_console.print(f"[red]error:[/red] settings: {error}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was stored")
        raise SystemExit(130) from None


app.command("import")(import_command)
app.command("status")(status_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("report")(report_command)
app.command("suspects")(suspects_command)
app.command("profile")(profile_command)
app.command("report-8d")(report_8d_command)
app.command("verify-effect")(verify_effect_command)
app.command("containment")(containment_command)
app.command("actions")(actions_command)
app.add_typer(plan_app, name="plan")
app.add_typer(kb_app, name="kb")
app.add_typer(investigation_app, name="investigation")
app.add_typer(fmea_app, name="fmea")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(classify_app, name="classify")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(kpi_app, name="kpi")
app.add_typer(alerts_app, name="alerts")
app.add_typer(notify_app, name="notify")
