"""``qloop plan contain|verify|claim``: the plan's D3 containment list, D6 verification and
its supplier claims, from the command line (the same service calls as the page)."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer

from qloop.capa.cli import UserOption, acting_user, plan_app
from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.core.settings import get_settings


@plan_app.command("contain")
def contain_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    product: Annotated[str, typer.Option(help="The product.")],
    attribute: Annotated[list[str], typer.Option(help="Attribute (repeatable, paired).")],
    value: Annotated[list[str], typer.Option(help="Its value (repeatable, paired).")],
    as_of: Annotated[str | None, typer.Option(help="Shipped as of (default today).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the attached list: en or zh.")] = "en",
    user: UserOption = "cli",
) -> None:
    """D3: list the affected units; keep the counts on the plan, attach the list (XLSX)."""
    from qloop.capa.containment_filter import pair_conditions
    from qloop.capa.plan_tools import contain_for_plan

    settings = get_settings()
    try:
        conditions = pair_conditions(attribute, value)
        with session_scope(state(ctx).engine()) as session:
            plan = contain_for_plan(session, plan_id=plan_id, product=product,
                                    conditions=conditions, user=acting_user(session, user),
                                    limit=settings.evidence_limit_bytes,
                                    as_of=parse_day(as_of, "--as-of"), lang=lang,
                                    directory=settings.evidence_dir)  # fmt: skip
            found = dict(plan.containment or {})
    except QloopError as error:
        raise refused(error) from None
    console.print(f"plan {plan_id}: {found.get('units')} units, {found.get('shipped')} shipped "
                  f"(field sweep), {found.get('not_shipped')} not shipped (quarantine), "
                  f"{found.get('with_cases')} with cases; list attached", highlight=False,
                  markup=False)  # fmt: skip


@plan_app.command("verify")
def verify_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    window_days: Annotated[int, typer.Option(help="Days in service compared.")] = 90,
    cohort: Annotated[str, typer.Option(help="production or ship.")] = "production",
    as_of: Annotated[str | None, typer.Option(help="Default: the latest case.")] = None,
    user: UserOption = "cli",
) -> None:
    """D6: verify the plan's change now and keep the figures (closing as effective needs it)."""
    from qloop.capa.plan_tools import verify_for_plan

    try:
        with session_scope(state(ctx).engine()) as session:
            result = verify_for_plan(session, plan_id=plan_id, user=acting_user(session, user),
                                     window_days=window_days, cohort=cohort,
                                     as_of=parse_day(as_of, "--as-of"))  # fmt: skip
            answer = result.as_json()
    except QloopError as error:
        raise refused(error) from None
    console.out(orjson.dumps(answer).decode())


@plan_app.command("claim")
def claim_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="The plan's number.")],
    supplier: Annotated[str, typer.Option(help="Who is claimed against.")],
    units: Annotated[int, typer.Option(help="Affected units.")],
    cost: Annotated[float, typer.Option(help="Cost per unit.")],
    lot: Annotated[str | None, typer.Option(help="The supplier's lot.")] = None,
    failures: Annotated[int, typer.Option(help="Failures among them.")] = 0,
    currency: Annotated[str, typer.Option(help="3-letter code.")] = "CNY",
    user: UserOption = "cli",
) -> None:
    """Record a supplier claim (total = units x cost)."""
    from qloop.capa.claims import create_claim

    values = {"supplier": supplier, "lot": lot, "affected_units": units, "failures": failures,
              "cost_per_unit": cost, "currency": currency}  # fmt: skip
    try:
        with session_scope(state(ctx).engine()) as session:
            claim = create_claim(session, plan_id=plan_id, values=values,
                                 user=acting_user(session, user))  # fmt: skip
            shown = f"claim {claim.id}: {claim.total_claimed:,.2f} {claim.currency}"
    except QloopError as error:
        raise refused(error) from None
    console.print(shown, highlight=False, markup=False)
