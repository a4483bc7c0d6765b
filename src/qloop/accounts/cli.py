"""``qloop user ...`` and ``qloop token ...``."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from qloop.accounts import service
from qloop.accounts.models import Role
from qloop.core.cli_context import console, err_console, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (bearer tokens for /api/v1).", no_args_is_help=True)


def _fail(error: QloopError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str,
    role: Annotated[Role, typer.Option(help="admin, engineer, owner or viewer.")],
) -> None:
    """Add a user; the password comes from a prompt, or from $QLOOP_PASSWORD in scripts."""
    password = os.environ.get("QLOOP_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        with session_scope(state(ctx).engine()) as session:
            user = service.create_user(session, name=name, password=password, role=role)
            console.print(f"added {user.name} ({user.role})", highlight=False)
    except QloopError as error:
        raise _fail(error) from None


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List users with their role and state."""
    table = Table("name", "role", "e-mail", "active", "locked until", "created")
    with session_scope(state(ctx).engine()) as session:
        for user in service.list_users(session):
            locked = user.locked_until.isoformat(" ", "minutes") if user.locked_until else ""
            table.add_row(
                user.name,
                user.role,
                user.email or "",
                "yes" if user.active else "no",
                locked,
                user.created_at.isoformat(" ", "minutes"),
            )
    console.print(table)


@user_app.command("email")
def user_email(
    ctx: typer.Context,
    name: str,
    address: Annotated[str, typer.Argument(help='Where notifications go; "" removes it.')],
) -> None:
    """Set the e-mail address a user's notifications go to (an empty one removes it)."""
    try:
        with session_scope(state(ctx).engine()) as session:
            user = service.set_email(session, name=name, email=address)
            shown = user.email or "no e-mail address (not notified)"
    except QloopError as error:
        raise _fail(error) from None
    console.print(f"{name}: {shown}", highlight=False)


@user_app.command("disable")
def user_disable(ctx: typer.Context, name: str) -> None:
    """Disable a user: their logins, sessions and tokens stop working."""
    try:
        with session_scope(state(ctx).engine()) as session:
            service.disable_user(session, name=name)
    except QloopError as error:
        raise _fail(error) from None
    console.print(f"disabled {name}", highlight=False)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
) -> None:
    """Create an API token for a user; the token is printed alone on the last line, once."""
    try:
        with session_scope(state(ctx).engine()) as session:
            record, token = service.create_token(session, user_name=name, label=label)
            token_id = record.id
    except QloopError as error:
        raise _fail(error) from None
    console.print(
        f"token {token_id} for {name} (keep it secret; it is shown only now):", highlight=False
    )
    print(token)  # noqa: T201  (plain, alone on its line, for scripts)


@token_app.command("list")
def token_list(ctx: typer.Context) -> None:
    """List tokens (never the tokens themselves): id, user, label, created, revoked."""
    table = Table("id", "user", "label", "created", "revoked")
    with session_scope(state(ctx).engine()) as session:
        for token, user_name in service.list_tokens(session):
            revoked = token.revoked_at.isoformat(" ", "minutes") if token.revoked_at else ""
            table.add_row(
                str(token.id),
                user_name,
                token.label or "",
                token.created_at.isoformat(" ", "minutes"),
                revoked,
            )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="Its id.")]
) -> None:
    """Revoke a token by its id (see ``qloop token list``)."""
    try:
        with session_scope(state(ctx).engine()) as session:
            service.revoke_token(session, token_id=token_id)
    except QloopError as error:
        raise _fail(error) from None
    console.print(f"revoked token {token_id}", highlight=False)
