"""``qloop demo``: build the demo data set into the current database."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.core.cli_context import console, state
from qloop.core.db import session_scope
from qloop.core.settings import get_settings

DEMO_USER = "demo"

NEXT_STEPS = """\
What was loaded: four products (PX9 phone, WM7 washing machine, SPK2 speaker,
CNC500 machining centre) over 18 months, with cases from every channel in
Chinese and English, repairs (including second visits and repeats) and surveys.
Planted for later analysis: a swelling PX9 battery cell lot, PX9 screens
cracking at drops under 1 m on 0.7 mm glass (cut by a change to 1.0 mm glass),
CNC500 spindle vibration after a bearing supplier change, WM7 door-seal leaks
from one seal supplier, and WM7 repair times rising over the last months.
The knowledge base holds the quality team's articles on these problems, in
English and Chinese: a new case shows them with its similar past cases.

Try next (from the project folder, qloop is .venv/bin/qloop):
  qloop serve            then open http://127.0.0.1:8000/ and log in (make demo does this)
  qloop status --format json
  qloop kb search 鼓包                        (or "door seal leak", ...)
  qloop import cases demo-data/cases.csv      (a re-import stores nothing twice)
"""


def demo_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Where the demo CSV files are written.")] = Path(
        "demo-data"
    ),
) -> None:
    """Build a realistic demo data set and import it into the current database."""
    from qloop.alerts.service import check_alerts
    from qloop.demo.service import build_demo  # the generator is only needed here

    engine = state(ctx).engine()
    with console.status("building the demo data set"):
        results = build_demo(engine, out_dir=out)
    with session_scope(engine) as session:
        password = demo_account(session)
        checked = check_alerts(session, get_settings(database_url=state(ctx).database_url))
    for result in results:
        console.print(
            f"{result.table:8} {result.inserted:6} new, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected} rejected  ({result.file})",
            highlight=False,
        )
    kb = results.articles
    console.print(
        f"articles {kb.created:6} new, {kb.updated} updated, {kb.unchanged} unchanged, "
        f"{len(kb.rejected)} rejected  (qloop kb search, or /kb)",
        highlight=False,
    )
    console.print(f"alerts   {checked.raised:6} raised (see qloop alerts)", highlight=False)
    console.print(NEXT_STEPS, highlight=False)
    console.print(
        f"Demo account (engineer): user name [bold]{DEMO_USER}[/bold], "
        f"password [bold]{password}[/bold] (new on every run)",
        highlight=False,
        soft_wrap=True,
    )


def demo_account(session: Session) -> str:
    """Create the demo engineer, or give it a new password; returns the password."""
    password = secrets.token_urlsafe(9)
    if accounts.get_user(session, DEMO_USER) is None:
        accounts.create_user(session, name=DEMO_USER, password=password, role=Role.ENGINEER)
    else:
        accounts.set_password(session, name=DEMO_USER, password=password)
    return password
