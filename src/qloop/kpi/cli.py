"""``qloop kpi``: the service-quality KPIs per period (and group) as a table, JSON or CSV;
``qloop kpi targets`` / ``qloop kpi target``: the targets they are held to."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from typing import Annotated, Any

import orjson
import typer
from rich import box
from rich.table import Table

from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import QloopError
from qloop.core.settings import get_settings
from qloop.kpi.definitions import METRIC_BY_KEY, METRIC_KEYS, GroupBy
from qloop.kpi.periods import PeriodKind
from qloop.reports.csv_cells import csv_row

kpi_app = typer.Typer(
    help="Service-quality KPIs: cases, MTTR, first-time fix, repeats, CSAT, cases per 1000.",
    invoke_without_command=True,
)


class Output(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@kpi_app.callback()
def kpi_command(
    ctx: typer.Context,
    period: Annotated[PeriodKind, typer.Option(help="month, week (ISO) or quarter.")] = (
        PeriodKind.MONTH
    ),
    by: Annotated[GroupBy | None, typer.Option(help="Split by product, region, ...")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    repeat_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Repeat-repair window in days (default 30)."),
    ] = None,
    output: Annotated[Output, typer.Option("--format", help="table, json or csv.")] = (
        Output.table
    ),
) -> None:
    """KPIs for every period of the range (default: the span of the data)."""
    if ctx.invoked_subcommand is not None:
        return
    from qloop.kpi import service  # pandas loads only for this command

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    window = repeat_days or get_settings().repeat_days
    try:
        with session_scope(state(ctx).engine()) as session:
            table = service.kpi_table(
                session, kind=period, by=by, first=first, last=last, repeat_days=window,
                product=product,
            )  # fmt: skip
    except QloopError as error:
        raise refused(error) from None
    records = table.records()
    if output is Output.json:
        console.out(orjson.dumps(records).decode())
    elif output is Output.csv:
        _write_csv(records, by)
    else:
        _print_table(records, by)


def _write_csv(records: list[dict[str, Any]], by: GroupBy | None) -> None:
    columns = ["period", *([by.value] if by else []), *METRIC_KEYS]
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(dict(zip(row, csv_row(row.values()), strict=True)) for row in records)


#: terminal headers short enough for 80 columns (the full names are in the README)
SHORT_HEADERS = {
    "mttr_hours": "MTTR h",
    "ftfr": "FTFR",
    "repeat_rate": "repeat",
    "csat": "CSAT",
    "csat_mean": "score",
    "units_in_service": "units",
    "cases_per_1000": "/1000",
}


def _print_table(records: list[dict[str, Any]], by: GroupBy | None) -> None:
    if not records:
        console.print("no cases, repairs or surveys in the range")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0))
    columns = ["period", *([by.value] if by else []), *METRIC_KEYS]
    for column in columns:
        table.add_column(SHORT_HEADERS.get(column, column), justify="right", no_wrap=True)
    for row in records:
        table.add_row(*(format_value(column, row[column]) for column in columns))
    console.print(table)


def format_value(key: str, value: Any) -> str:
    """A KPI as people read it: shares in %, others with one decimal, null as a dash."""
    if value is None:
        return "-"
    metric = METRIC_BY_KEY.get(key)
    if metric is None or isinstance(value, str):
        return str(value)
    if metric.unit == "%":
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}"


@kpi_app.command("targets")
def targets_command(ctx: typer.Context) -> None:
    """List the targets in force (settings defaults and those set here or on the page)."""
    from qloop.kpi import targets

    with session_scope(state(ctx).engine()) as session:
        found = targets.effective_targets(session, get_settings().kpi_targets)
    for target in found:
        sign = ">=" if target.definition.better == "higher" else "<="
        scope = target.product or "all products"
        console.print(
            f"{target.metric} {sign} {target.value:g}  ({scope}; {target.source})", highlight=False
        )


@kpi_app.command("target")
def target_command(
    ctx: typer.Context,
    metric: Annotated[str, typer.Argument(help="KPI key, e.g. ftfr, mttr_hours, csat.")],
    value: Annotated[float | None, typer.Argument(help="Target; omit with --remove.")] = None,
    product: Annotated[str | None, typer.Option(help="Only for this product.")] = None,
    remove: Annotated[bool, typer.Option(help="Remove the stored target.")] = False,
    user: Annotated[str, typer.Option(help="Recorded as who set it.")] = "cli",
) -> None:
    """Set a KPI target (a floor for ftfr/csat, a ceiling for the others), or remove it."""
    from qloop.kpi import targets

    try:
        with session_scope(state(ctx).engine()) as session:
            if remove:
                gone = targets.remove_target(session, metric=metric, product=product)
                console.print("removed" if gone else "no such target stored")
                return
            if value is None:
                raise QloopError("give the target value, or --remove")
            targets.set_target(session, metric=metric, value=value, product=product, user_name=user)
    except QloopError as error:
        raise refused(error) from None
    console.print(f"target set: {metric} {value:g} ({product or 'all products'})")
