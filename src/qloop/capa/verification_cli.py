"""``qloop verify-effect``: did a change lower a failure mode's rate among the units after it?"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
import typer
from rich import box
from rich.table import Table

from qloop.capa.effect_terms import DEFAULT_TARGET_REDUCTION, MAX_WINDOW_DAYS, Cohort
from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError


class Output(StrEnum):
    table = "table"
    json = "json"


def verify_effect_command(
    ctx: typer.Context,
    failure_mode: Annotated[str, typer.Option("--failure-mode", help="e.g. screen_crack")],
    product: Annotated[str, typer.Option(help="The product the change was made to.")],
    change_date: Annotated[
        str, typer.Option("--change-date", help="First day of the change (YYYY-MM-DD).")
    ],
    window_days: Annotated[
        int, typer.Option("--window-days", min=1, max=MAX_WINDOW_DAYS, help="Days in service.")
    ] = 90,
    cohort: Annotated[
        Cohort, typer.Option(help="Split units by production or by ship date.")
    ] = Cohort.PRODUCTION,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Data as of (default: latest case received).")
    ] = None,
    confidence: Annotated[float, typer.Option(help="Two-sided confidence level.")] = 0.95,
    target_reduction: Annotated[
        float, typer.Option(help="Reduction assumed for 'needed' when none is observed.")
    ] = DEFAULT_TARGET_REDUCTION,
    output: Annotated[Output, typer.Option("--format", help="table or json.")] = Output.table,
) -> None:
    """Compare the failure rate of units before and after a change (exact rate-ratio test)."""
    from qloop.capa.verification import verify_change  # loads SciPy: only when run

    change, day = parse_day(change_date, "--change-date"), parse_day(as_of, "--as-of")
    assert change is not None  # a required option
    try:
        with session_scope(state(ctx).engine()) as session:
            answer = verify_change(
                session, failure_mode=failure_mode, product=product, change_date=change,
                window_days=window_days, cohort=cohort, as_of=day, confidence=confidence,
                target_reduction=target_reduction,
            ).as_json()  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(answer).decode())
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("cohort", "mature units", "failed", "rate"):
        table.add_column(header, justify="left" if header == "cohort" else "right")
    for side in ("before", "after"):
        figures = answer[side]
        rate = "-" if figures["rate"] is None else f"{figures['rate']:.3%}"
        table.add_row(side, f"{figures['units']:,}", f"{figures['failures']:,}", rate)
    console.print(table)
    excluded = answer["excluded"]
    console.print(
        f"left out: {excluded['no_cohort_date']:,} without a {cohort} date, "
        f"{excluded['no_ship_date']:,} not shipped, {excluded['immature']:,} not yet "
        f"{window_days} days in service on {answer['as_of']}",
        highlight=False,
    )
    console.print(answer["message"], highlight=False, soft_wrap=True)
