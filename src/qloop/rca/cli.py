"""``qloop suspects``: which unit attributes are over-represented among a failure mode's units."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
import typer
from rich import box
from rich.table import Table

from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError


class Output(StrEnum):
    table = "table"
    json = "json"


def suspects_command(
    ctx: typer.Context,
    failure_mode: Annotated[str, typer.Option("--failure-mode", help="e.g. battery_swelling")],
    product: Annotated[str | None, typer.Option(help="Only this product's units.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Cases from (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Cases to (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows shown in the table.")] = 20,
    output: Annotated[Output, typer.Option("--format", help="table or json.")] = Output.table,
) -> None:
    """Rank every unit attribute value by over-representation (Fisher exact, BH q-values)."""
    from qloop.rca.service import find_suspects  # SciPy loads only for this command

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    try:
        with session_scope(state(ctx).engine()) as session:
            found = find_suspects(
                session, failure_mode=failure_mode, product=product, first=first, last=last
            )
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(found.as_json()).decode())
        return
    console.print(
        f"{failure_mode}: {found.failures} failed units among {found.population} "
        f"({', '.join(found.products) or 'no product'})",
        highlight=False,
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))
    for header in ("attribute", "value"):
        table.add_column(header, overflow="fold", ratio=1)
    for header in ("units", "failed", "rate", "others", "RR", "p", "q"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in found.as_json(limit)["suspects"]:
        risk, baseline = row["relative_risk"], row["baseline_rate"]
        table.add_row(
            row["attribute"],
            str(row["value"]),
            f"{row['units']:,}",
            f"{row['failures']:,}",
            f"{row['rate']:.2%}",
            "-" if baseline is None else f"{baseline:.2%}",
            "-" if risk is None else f"{risk:.2f}",
            f"{row['p_value']:.2g}",
            f"{row['q_value']:.2g}",
        )
    console.print(table)


def profile_command(
    ctx: typer.Context,
    failure_mode: Annotated[str, typer.Option("--failure-mode", help="e.g. screen_crack")],
    attribute: Annotated[str, typer.Option(help="A numeric attribute, e.g. drop_height_m.")],
    below: Annotated[
        list[float] | None, typer.Option("--below", help="Threshold (repeatable).")
    ] = None,
    output: Annotated[Output, typer.Option("--format", help="table or json.")] = Output.table,
) -> None:
    """Count, quantiles, histogram and the share below thresholds of a numeric attribute."""
    from qloop.rca.profile import profile_attribute

    try:
        with session_scope(state(ctx).engine()) as session:
            answer = profile_attribute(
                session, failure_mode=failure_mode, attribute=attribute, below=below or []
            ).as_json()
    except QloopError as error:
        raise refused(error) from None
    if output is Output.json:
        console.out(orjson.dumps(answer).decode())
        return
    console.print(
        f"{failure_mode} / {attribute}: {answer['count']} values "
        f"({answer['missing']} missing, {answer['not_numeric']} not numeric)",
        highlight=False,
    )
    if answer["count"]:
        shown = ", ".join(f"{k} {v:g}" for k, v in answer["quantiles"].items())
        console.print(f"min {answer['min']:g}, {shown}, max {answer['max']:g}", highlight=False)
        top = max(bar["count"] for bar in answer["histogram"]) or 1
        for bar in answer["histogram"]:
            width = round(40 * bar["count"] / top)
            console.print(f"{bar['from']:>10.4g} - {bar['to']:<10.4g} {'#' * width} {bar['count']}",
                          highlight=False, markup=False)  # fmt: skip
    for line in answer["below"]:
        console.print(line["message"], highlight=False)
