"""``qloop plan ...`` and ``qloop actions``: corrective action plans from the command line.

The command line reaches the database directly, so it acts with an admin's rights; the
name given with ``--user`` (default ``cli``) is what the audit trail records, and a stored
user of that name acts with their own role."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.clock import now
from qloop.core.db import session_scope
from qloop.core.errors import QloopError

plan_app = typer.Typer(help="Corrective action plans (8D).", no_args_is_help=True)
UserOption = Annotated[str, typer.Option("--user", help="Who does it (the audit trail).")]


class Output(StrEnum):
    text = "text"
    json = "json"


def acting_user(session: Session, name: str) -> User:
    """The stored user of that name, else an admin of that name (not stored)."""
    found = session.scalar(select(User).where(User.name == name))
    return found if found is not None else User(name=name, role=Role.ADMIN, active=True)


@plan_app.command("create")
def create_command(
    ctx: typer.Context,
    investigation: Annotated[int, typer.Option(help="The investigation it acts on.")],
    title: Annotated[str | None, typer.Option(help="Default: the investigation's.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who drives it.")] = None,
    user: UserOption = "cli",
) -> None:
    """Open a plan for an investigation."""
    from qloop.capa.plans import create_plan

    try:
        with session_scope(state(ctx).engine()) as session:
            plan = create_plan(session, investigation_id=investigation, title=title,
                               owner=owner, user_name=user)  # fmt: skip
            shown = f"plan {plan.id} opened: {plan.title}"
    except QloopError as error:
        raise refused(error) from None
    console.print(shown, highlight=False, markup=False)


@plan_app.command("list")
def list_command(
    ctx: typer.Context,
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """Plans, newest first."""
    from qloop.capa.plans import list_plans
    from qloop.capa.schemas import PlanRead

    with session_scope(state(ctx).engine()) as session:
        found = [PlanRead.of(p) for p in list_plans(session)]
    if output is Output.json:
        console.out(orjson.dumps([p.model_dump(mode="json") for p in found]).decode())
        return
    for plan in found:
        closure = f" ({plan.closure})" if plan.closure else ""
        console.print(f"#{plan.id} [{plan.status}{closure}] {plan.title} — investigation "
                      f"#{plan.investigation_id}, owner {plan.owner or '-'}", highlight=False,
                      markup=False)  # fmt: skip


@plan_app.command("show")
def show_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.json,
) -> None:
    """One plan with its steps, actions, claims, files, verification and audit trail."""
    from qloop.capa.schemas import plan_detail

    try:
        with session_scope(state(ctx).engine()) as session:
            detail = plan_detail(session, plan_id, now().date())
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(detail.model_dump(mode="json")).decode())
        return
    console.print(f"#{detail.id} {detail.title} [{detail.status}]", highlight=False, markup=False)
    for step, fields in sorted(detail.steps.items()):
        for key, value in fields.items():
            console.print(f"  {step}.{key}: {value}", highlight=False, markup=False)
    for action in detail.actions:
        late = " OVERDUE" if action.overdue else ""
        console.print(f"  action #{action.id} [{action.status}] {action.title} — "
                      f"{action.owner}, due {action.due_date}{late}", highlight=False,
                      markup=False)  # fmt: skip


@plan_app.command("step")
def step_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    field: Annotated[str, typer.Argument(help="STEP.FIELD, e.g. D2.what")],
    value: Annotated[str, typer.Argument(help="The text ('' clears it).")],
    user: UserOption = "cli",
) -> None:
    """Write one field of an 8D step."""
    from qloop.capa.plans import set_step_field

    step, _, key = field.partition(".")
    try:
        with session_scope(state(ctx).engine()) as session:
            set_step_field(session, plan_id=plan_id, step=step.upper(), field=key, value=value,
                           user_name=user)  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    console.print(f"plan {plan_id}: {field} saved", highlight=False, markup=False)


@plan_app.command("set")
def set_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    failure_mode: Annotated[str | None, typer.Option(help="The mode D6 verifies.")] = None,
    product: Annotated[str | None, typer.Option(help="The product D6 verifies.")] = None,
    change_date: Annotated[str | None, typer.Option(help="When the fix took effect.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who drives the plan.")] = None,
    user: UserOption = "cli",
) -> None:
    """Set the change to verify (failure mode, product, change date) or the owner."""
    from qloop.capa.plans import update_plan

    given = {"failure_mode": failure_mode, "product": product, "owner": owner,
             "change_date": parse_day(change_date, "--change-date")}  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    try:
        with session_scope(state(ctx).engine()) as session:
            update_plan(session, plan_id=plan_id, changes=changes, user_name=user)
    except QloopError as error:
        raise refused(error) from None
    console.print(f"plan {plan_id} updated", highlight=False, markup=False)


@plan_app.command("action")
def action_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    title: Annotated[str, typer.Option(help="What is to be done.")],
    department: Annotated[
        str, typer.Option(help="rd, purchasing, manufacturing, supply_chain, service, or your own")
    ],
    owner: Annotated[str, typer.Option(help="A user with the owner or engineer role.")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
    step: Annotated[str, typer.Option(help="8D step: D3, D5, D6 or D7.")] = "D5",
    user: UserOption = "cli",
) -> None:
    """Add an action to a plan (its owner is e-mailed when e-mail is configured)."""
    from qloop.capa.actions import add_action

    values = {"title": title, "department": department, "owner": owner, "step": step,
              "due_date": parse_day(due, "--due")}  # fmt: skip
    try:
        with session_scope(state(ctx).engine()) as session:
            action = add_action(session, plan_id=plan_id, values=values,
                                user=acting_user(session, user))  # fmt: skip
            shown = f"action {action.id} for {action.owner}, due {action.due_date}"
    except QloopError as error:
        raise refused(error) from None
    console.print(shown, highlight=False, markup=False)


@plan_app.command("close")
def close_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    closure: Annotated[str, typer.Option("--as", help="effective, not_effective or override")],
    reason: Annotated[str | None, typer.Option(help="Needed except for effective.")] = None,
    user: UserOption = "cli",
) -> None:
    """Close a plan: effective needs an effective verification (``qloop plan verify``)."""
    from qloop.capa.plans import close_plan

    try:
        with session_scope(state(ctx).engine()) as session:
            close_plan(session, plan_id=plan_id, user=acting_user(session, user),
                       closure=closure, reason=reason)  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    console.print(f"plan {plan_id} closed as {closure}", highlight=False, markup=False)


def actions_command(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    owner: Annotated[str | None, typer.Option(help="Only this owner's.")] = None,
    plan: Annotated[int | None, typer.Option(help="Only this plan's.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Overdue as of (default today).")] = None,
    output: Annotated[Output, typer.Option("--format", help="text or json.")] = Output.text,
) -> None:
    """Actions by due date; ``--overdue``: due before today and not done."""
    from qloop.capa.actions import list_actions
    from qloop.capa.schemas import ActionRead

    today = parse_day(as_of, "--as-of") or now().date()
    try:
        with session_scope(state(ctx).engine()) as session:
            day = today if overdue else None
            listed = list_actions(session, plan_id=plan, owner=owner, overdue_on=day)
            found = [ActionRead.of(a, today) for a in listed]
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps([a.model_dump(mode="json") for a in found]).decode())
        return
    for a in found:
        late = f"  OVERDUE {(today - a.due_date).days} d" if a.overdue else ""
        console.print(f"#{a.id} plan {a.plan_id} {a.step} [{a.status}] {a.title} — "
                      f"{a.department}, {a.owner}, due {a.due_date}{late}", highlight=False,
                      markup=False)  # fmt: skip
    if not found:
        console.print("no action", highlight=False)
